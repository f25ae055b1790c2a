/**
 * "Copy Command" in the products tree: the command must be what inspection runs, and it must run
 * as pasted. Each grep here runs in a real bash over a real file holding the awkward line.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import type { Catalog, Check, LogPattern } from '../../../../src/core/catalog/types';
import { checkCommand, patternCommand, portCommand } from '../../../../src/core/checks/checkCommands';
import { planInspection } from '../../../../src/core/checks/checkPlan';
import { bundledCatalog } from '../../helpers';

const bash = (command: string): string => {
  try {
    return execFileSync('bash', ['-c', command], { encoding: 'utf8' });
  } catch (err) {
    return (err as { stdout: string }).stdout;
  }
};

describe('check, port and alert commands to copy', () => {
  let dir: string;
  let catalog: Catalog;
  before(async () => ({ catalog } = await loadCatalog(bundledCatalog)));
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-copy-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const check = (c: Partial<Check>): Check => ({ id: 'x', section: '1', components: ['c'], title: { en: 'x', zh: 'x' }, passWhen: { en: 'x', zh: 'x' }, kind: 'command', ...c }) as Check;

  it('a command check is the catalog command with the timeout inspection gives it, and runs as pasted', () => {
    const command = `echo 'it''s "$HOME"' | grep -c it`;
    const copied = checkCommand(catalog, check({ command }))!;
    assert.match(copied, /^timeout 10 bash -c '/);
    assert.strictEqual(bash(copied).trim(), bash(command).trim());
  });

  it('a port is an ss filter on the listening port; an HTTP check is a curl on the host', () => {
    assert.strictEqual(portCommand([9600]), "ss -ltn 'sport = :9600'");
    assert.strictEqual(portCommand([9600, 9603]), "ss -ltn '( sport = :9600 or sport = :9603 )'");
    const meta = catalog.products.flatMap((p) => p.checks).find((c) => c.kind === 'http' && c.http?.port === 9615)!;
    assert.strictEqual(checkCommand(catalog, meta), "curl -sS -m 10 -w '\\nHTTP %{http_code}\\n' http://127.0.0.1:9615/health/check");
    assert.strictEqual(checkCommand(catalog, check({ kind: 'composite' })), undefined, 'a rule over several hosts runs no one command');
  });

  it("an alert's grep finds its line in the log, quotes, $ and regexes included", () => {
    const log = path.join(dir, 'common-error.log');
    writeFileSync(log, 'fine\n2026-12-06 ERROR can\'t connect to "$DB" at 10.0.0.1\nconfig digest #false  \n');
    const base: Catalog = { ...catalog, products: [{ ...catalog.products[0], logs: [{ id: 'l', section: '1', components: ['c'], name: 'common-error.log', path: log, records: { en: '', zh: '' } }] }] };
    const literal = { id: 'p', section: '1', match: 'can\'t connect to "$DB"', severity: 'error', logs: ['l'], explanation: { en: '', zh: '' }, action: { en: '', zh: '' } } as LogPattern;
    assert.strictEqual(patternCommand(base, literal), `grep -n -F -- 'can'\\''t connect to "$DB"' ${log}`);
    assert.strictEqual(bash(patternCommand(base, literal)), '2:2026-12-06 ERROR can\'t connect to "$DB" at 10.0.0.1\n');
    const regex = { ...literal, match: '#false\\s*$', regex: true };
    assert.strictEqual(bash(patternCommand(base, regex)), '3:config digest #false  \n');
    const anyLog = { ...literal, logs: [] };
    assert.strictEqual(patternCommand(base, anyLog, [], '/home/admin/logs'), `grep -rn -F -- 'can'\\''t connect to "$DB"' /home/admin/logs`);
  });

  it('a log check counts its pattern in the lines inspection reads', () => {
    const logCheck = catalog.products.flatMap((p) => p.checks).find((c) => c.kind === 'log' && catalog.products.some((p) => p.patterns.some((x) => x.id === c.log?.pattern)))!;
    const copied = checkCommand(catalog, logCheck)!;
    assert.match(copied, /^tail -n \d+ \S+ \| grep -c -[FEP] -- /);
  });
});

describe('an inspection narrowed to one check', () => {
  it('plans only that check, on the hosts it applies to', async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const session = catalog.products.find((p) => p.product.id === 'registry')!.checks.find((c) => c.kind === 'port' && c.ports?.includes(9600))!;
    const host = (name: string, component: string) => ({ name, host: '127.0.0.1', port: 22, user: 'admin', component, groups: [component], vars: {}, logRoot: '/home/admin/logs' }) as never;
    const plan = planInspection(catalog, [host('s1', 'registry-session'), host('m1', 'registry-meta')], { product: 'registry', check: session.id });
    assert.deepStrictEqual(plan.hosts.map((h) => [h.host.name, h.checks.map((c) => c.check.id)]), [['s1', [session.id]]]);
    assert.deepStrictEqual([plan.composites.length, plan.manual.length], [0, 0]);
  });
});
