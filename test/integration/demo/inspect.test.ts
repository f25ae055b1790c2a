/**
 * `sofa-ops inspect` against the demo site with every fault injected: each fault is a FAIL with
 * the guide's action, everything else passes, an unreachable host is ERROR (never FAIL), and
 * clearing a fault while the site runs turns its checks green again.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalog } from '../../../src/core/catalog/catalogLoader';
import type { CheckResult, Inspection } from '../../../src/core/checks/types';
import { requireRoot } from '../fixtures/sshd';
import { BIN, demoDir, eventually, startDemo, type RunningDemo } from './demoProcess';

const FAULTS = ['msgbroker-9529-down', 'drmdata-push-failure', 'dbp-slow-sql', 'meta-leader-lost', 'acvip-clock-skew', 'disk-full'];

/** Fault → the checks (check id @ host) that must FAIL because of it. */
const EXPECTED: Record<string, string[]> = {
  'msgbroker-9529-down': [
    ...[1, 2, 3, 4].flatMap((n) => [`mq-msgbroker-ports@msgbroker-${n}`, `mq-msgbroker-port-9529-listen@msgbroker-${n}`]),
    'mq-msgconsole-check-service@msgconsole-1', 'mq-msgconsole-check-service@msgconsole-2',
    'microservice-antscheduler-msgbroker-connection@antscheduler-1', 'microservice-antscheduler-msgbroker-connection@antscheduler-2',
  ],
  'drmdata-push-failure': ['microservice-drmdata-push-failures@drmdata-1', 'microservice-drmdata-push-failures@drmdata-2'],
  'dbp-slow-sql': ['dbp-slow-sql-count@dbp-proxy-1', 'dbp-slow-sql-count@dbp-proxy-2'],
  'meta-leader-lost': ['registry-meta-health@registry-meta-1'],
  'acvip-clock-skew': ['acvip-domain-not-found-errors@osp-1'],
  'disk-full': ['registry-basic-disk@registry-data-1'],
};
const UNREACHABLE = 'registry-data-4';

describe('sofa-ops inspect on the demo site (faults injected)', function () {
  this.timeout(120_000);
  let demo: RunningDemo;
  let dir: string;
  let work: string;
  let inventory: string;

  before(async () => {
    requireRoot();
    dir = demoDir();
    demo = await startDemo(dir, ['--faults', FAULTS.join(',')]);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-inspect-'));
    // The demo's inventory plus a registry data node that is down: nothing listens on its address.
    inventory = path.join(work, 'site.yaml');
    fs.writeFileSync(inventory, fs.readFileSync(demo.ready.inventory, 'utf8').replace(/(\n\s+- \{ name: registry-data-3[^\n]*)/, `$1\n      - { name: ${UNREACHABLE}, host: 127.0.1.99 }`));
  });
  after(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  function inspect(args: string[]): { status: number | null; stdout: string; stderr: string; inspection?: Inspection } {
    const out = path.join(work, `report-${Date.now()}.json`);
    const home = path.join(work, 'home');
    const r = spawnSync(process.execPath, [BIN, 'inspect', '--inventory', inventory, '--known-hosts', demo.ready.knownHosts, '--report', 'json', '--out', out, ...args], {
      encoding: 'utf8',
      env: { ...process.env, HOME: home, SOFA_OPS_HOME: path.join(home, '.sofa-ops'), SSH_AUTH_SOCK: '' },
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, inspection: fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as Inspection) : undefined };
  }

  const key = (r: CheckResult) => `${r.checkId}@${r.host ?? r.component}`;

  it('shows every injected fault as a FAIL with the guide\'s action; healthy parts pass; the dead host is ERROR', async () => {
    const r = inspect(['--history', path.join(work, 'history')]);
    assert.strictEqual(r.status, 1, r.stderr);
    const results = r.inspection!.results;
    const { catalog } = await loadCatalog(path.resolve(__dirname, '../../../runbooks'));
    const checks = new Map(catalog.products.flatMap((p) => p.checks).map((c) => [c.id, c]));
    const patterns = new Map(catalog.products.flatMap((p) => p.patterns).map((p) => [p.id, p]));
    const byKey = new Map(results.map((x) => [key(x), x]));

    for (const [fault, expected] of Object.entries(EXPECTED)) {
      for (const k of expected) {
        const got = byKey.get(k);
        assert.ok(got, `${fault}: no result for ${k}`);
        assert.strictEqual(got.status, 'fail', `${fault}: ${k} is ${got.status}: ${got.message}`);
        const check = checks.get(got.checkId)!;
        const guideAction = check.action ?? (check.log ? patterns.get(check.log.pattern)?.action : undefined);
        assert.deepStrictEqual(got.action, guideAction, `${fault}: ${k} carries the guide's action`);
        assert.strictEqual(got.section, check.section);
      }
    }
    const expectedKeys = new Set(Object.values(EXPECTED).flat());
    const unexpected = results.filter((x) => x.status === 'fail' && !expectedKeys.has(key(x)));
    assert.deepStrictEqual(unexpected.map((x) => `${key(x)}: ${x.message}`), [], 'nothing healthy fails');
    // A broker whose 9529 is down is not trusted to be writing its logs: its heartbeat rate is ERROR, not PASS.
    const staleOnBrokers = (x: CheckResult) => x.checkId === 'mq-broker-heartbeat-rate' && /the service is down here \(mq-msgbroker-ports/.test(x.message);
    assert.deepStrictEqual(results.filter(staleOnBrokers).map(key).sort(), [1, 2, 3, 4].map((n) => `mq-broker-heartbeat-rate@msgbroker-${n}`));
    const errors = results.filter((x) => x.status === 'error' && !staleOnBrokers(x));
    assert.ok(errors.length > 5);
    assert.deepStrictEqual([...new Set(errors.map((x) => x.host))], [UNREACHABLE], 'only the dead host could not be checked');
    assert.ok(results.filter((x) => x.host === UNREACHABLE).every((x) => x.status === 'error' && /unreachable/.test(x.message)));
    // The health checks of the other meta nodes pass; the leader moved.
    assert.strictEqual(byKey.get('registry-meta-health@registry-meta-2')?.status, 'pass');
    const metaMajority = results.find((x) => x.checkId === 'microservice-metaserver-majority-alive')!;
    assert.deepStrictEqual([metaMajority.status, metaMajority.value], ['warn', '2/3 alive']);
    const dataMajority = results.find((x) => x.checkId === 'microservice-dataserver-majority-alive')!;
    assert.deepStrictEqual([dataMajority.status, dataMajority.value], ['warn', '3/4 alive']);
    // Every kind ran somewhere and passed somewhere (each log check here has its fault on).
    for (const kind of ['resource', 'port', 'http', 'process', 'command']) assert.ok(results.some((x) => x.kind === kind && x.status === 'pass'), kind);
    assert.ok(results.some((x) => x.kind === 'manual' && x.status === 'manual'));
    assert.match(r.stderr, /FAIL {2}registry\/registry-basic-disk @ registry-data-1: 93% \(\/home\) \(expected > 80%\) \[§7\.7\.1\.1\]/);
    assert.strictEqual(fs.readdirSync(path.join(work, 'history')).length, 1);
  });

  it('turns green when the faults are cleared while the site runs (exit 0), and writes HTML and JUnit', async () => {
    fs.writeFileSync(path.join(dir, '.demo', 'faults'), '');
    let last: ReturnType<typeof inspect> | undefined;
    const clean = await eventually(() => {
      last = inspect(['--product', 'mq']);
      return last.status === 0;
    }, 15_000, 500);
    assert.ok(clean, `${last?.stderr}`);
    assert.ok(last!.inspection!.results.every((x) => x.product === 'mq' && (x.status === 'pass' || x.status === 'manual' || x.status === 'warn')));
    const html = path.join(work, 'r.html');
    const r = spawnSync(process.execPath, [BIN, 'inspect', '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--target', 'registry-meta', '--report', 'html', '--out', html], {
      encoding: 'utf8',
      env: { ...process.env, HOME: path.join(work, 'home'), SSH_AUTH_SOCK: '' },
    });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(fs.readFileSync(html, 'utf8'), /<svg[^>]*aria-label="Checks per product"/);
    const junit = spawnSync(process.execPath, [BIN, 'inspect', '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, '--product', 'dbp', '--report', 'junit'], {
      encoding: 'utf8',
      env: { ...process.env, HOME: path.join(work, 'home'), SSH_AUTH_SOCK: '' },
    });
    // Each of the two proxies may still hold the last minute's slow SQL.
    assert.match(junit.stdout, /<testsuite name="dbp" tests="\d+" failures="[0-2]" errors="0"/);
  });

  it('exits 2 when nothing could be checked, and for a selector typo', () => {
    const dead = path.join(work, 'dead.yaml');
    fs.writeFileSync(dead, `defaults: { port: 2022, user: admin }\nproducts:\n  registry:\n    registry-meta:\n      - { name: m1, host: 127.0.1.98 }\n`);
    const r = spawnSync(process.execPath, [BIN, 'inspect', '--inventory', dead], { encoding: 'utf8', env: { ...process.env, HOME: path.join(work, 'home'), SSH_AUTH_SOCK: '' } });
    assert.strictEqual(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /ERROR registry\/registry-meta-health @ m1: unreachable/);
    const typo = inspect(['--target', 'registry-mta']);
    assert.strictEqual(typo.status, 2);
    assert.match(typo.stderr, /target "registry-mta"/);
  });
});
