import * as assert from 'assert';
import { writeFileSync } from 'fs';
import * as path from 'path';
import { Readable } from 'stream';
import { logsCommand } from '../../../src/cli/logsCommand';
import { main } from '../../../src/cli/main';
import { loadLogCatalog } from '../../../src/core/logs/logCatalog';
import { bundledCatalog, captureIO, minimalProduct, tempTree } from '../helpers';

const HEARTBEATS = ['Y;0ms;GZ00B;UX8YY6AL9CHS;100.81.77.9;240;0;bolt', 'N;5ms;GZ00B;UX8YY6AL9CHS;100.81.77.9;240;2;bolt', 'Y;1ms;GZ00B;UX8YY6AL9CHS;100.81.77.9;240;0;bolt'].join('\n') + '\n';
const CLIENT_ERRORS = [
  '2024-05-06 10:11:12,345 INFO  DefaultRegistryClient#88 main                             - started',
  '2024-05-06 10:11:13,345 ERROR DefaultServerManager#103 main                             - get server list error, url: http://sofa-registry:9603',
  '\tat com.alipay.sofa.registry.client.ServerManager.refresh(ServerManager.java:103)',
  '2024-05-06 10:11:14,345 ERROR AcvipClient#40 main                                      - Domain Not Found',
].join('\n');

async function run(args: string[], deps: Parameters<typeof logsCommand>[3] = {}) {
  const io = captureIO();
  const code = await logsCommand(args, io, bundledCatalog, { cacheDir: null, env: { LANG: 'C' }, ...deps });
  return { code, ...io };
}

describe('sofa-ops logs scan', () => {
  let t: ReturnType<typeof tempTree>;
  let heartbeat: string;
  let clientErrors: string;
  let savedCacheHome: string | undefined;
  let cacheHome: ReturnType<typeof tempTree>;
  before(() => {
    // Runs through main() use the default cache folder: keep it out of the real home.
    savedCacheHome = process.env.XDG_CACHE_HOME;
    cacheHome = tempTree({});
    process.env.XDG_CACHE_HOME = cacheHome.dir;
    t = tempTree({ 'home/admin/logs/drmdata/drmdata-heartbeat.log': HEARTBEATS, 'home/admin/logs/drm/common-error.log': CLIENT_ERRORS });
    heartbeat = path.join(t.dir, 'home/admin/logs/drmdata/drmdata-heartbeat.log');
    clientErrors = path.join(t.dir, 'home/admin/logs/drm/common-error.log');
  });
  after(() => {
    t.cleanup();
    cacheHome.cleanup();
    if (savedCacheHome === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCacheHome;
  });

  it('prints one JSON object per matched line with the guide text, fields and stack', async () => {
    const { code, stdout, stderr } = await run(['scan', '--json', heartbeat]);
    assert.strictEqual(stderr, '');
    assert.strictEqual(code, 0, 'bad heartbeat fields are warnings');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(lines.length, 1);
    const [hb] = lines;
    assert.strictEqual(hb.line, 2);
    assert.strictEqual(hb.text, HEARTBEATS.split('\n')[1]);
    assert.strictEqual(hb.pattern, 'microservice-fmt-drmdata-heartbeat.status');
    assert.strictEqual(hb.severity, 'warning');
    assert.strictEqual(hb.section, '2.3.1');
    assert.strictEqual(hb.explanation, 'N: this heartbeat check is not normal.');
    assert.strictEqual(typeof hb.action, 'string');
    assert.deepStrictEqual(hb.fields.find((f: { name: string }) => f.name === 'laggingCount'), {
      name: 'laggingCount',
      value: '2',
      meaning: "0: number of the client's configuration versions this heartbeat found to be behind.",
      bad: "The client's configuration versions are behind; the server tells the client to update those configurations.",
    });

    const errors = await run(['scan', '--json', clientErrors]);
    assert.strictEqual(errors.code, 1, 'error lines make the exit code 1');
    const [getList, domain] = errors.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepStrictEqual([getList.line, getList.pattern, getList.severity, getList.section], [2, 'microservice-client-get-server-list-error', 'error', '2.3.2']);
    assert.strictEqual(getList.text.slice(getList.column - 1, getList.endColumn - 1), 'get server list error');
    assert.deepStrictEqual(getList.stack, ['\tat com.alipay.sofa.registry.client.ServerManager.refresh(ServerManager.java:103)']);
    assert.strictEqual(domain.line, 4);
    assert.match(domain.action, /time/i);
    // §10.4.2: the reader is told the line belongs to the application's logs, not ACVIP's.
    assert.deepStrictEqual(domain.remarks, ["Appears in the logs of the applications that use this product (the guide names no file), not in the product's own logs."]);
    assert.strictEqual(getList.remarks, undefined);
  });

  it("says in the text output where a line belongs and what the catalog corrected, in the reader's language", async () => {
    const { stdout } = await run(['scan', clientErrors]);
    assert.match(stdout.split('\n')[1], /Domain Not Found → .* \(§10\.4\.2\) \[Appears in the logs of the applications that use this product/);
    const zh = await run(['scan', '--lang', 'zh', clientErrors]);
    assert.match(zh.stdout.split('\n')[1], /\(§10\.4\.2\) \[出现在使用本产品的应用自己的日志中/);
  });

  it('prints file:line: [severity] text → explanation (§section) and speaks Chinese when asked or when LANG is zh', async () => {
    const { stdout } = await run(['scan', clientErrors]);
    assert.strictEqual(stdout.split('\n')[0], `${clientErrors}:2: [error] ${CLIENT_ERRORS.split('\n')[1]} → The client did not get the server address list; the server addressing configuration may be wrong. (§2.3.2)`);
    const zh = await run(['scan', clientErrors], { env: { LANG: 'zh_CN.UTF-8' } });
    assert.match(zh.stdout, /客户端未拿到服务端地址列表/);
    const en = await run(['scan', '--lang', 'en', clientErrors], { env: { LANG: 'zh_CN.UTF-8' } });
    assert.doesNotMatch(en.stdout, /客户端/);
  });

  it('--count prints totals per pattern and a total', async () => {
    const { code, stdout } = await run(['scan', '--count', clientErrors]);
    assert.strictEqual(code, 1);
    assert.deepStrictEqual(stdout.split('\n').map((l) => l.trim().split(/\s+/)), [
      ['1', 'acvip-domain-not-found'],
      ['1', 'microservice-client-get-server-list-error'],
      ['2', 'total', '(lines)'],
      [''],
    ]);
    const json = await run(['scan', '--count', '--json', heartbeat]);
    assert.deepStrictEqual(JSON.parse(json.stdout), {
      total: 1,
      patterns: { 'microservice-fmt-drmdata-heartbeat.laggingCount': 1, 'microservice-fmt-drmdata-heartbeat.status': 1 },
      lines: 3,
    });
  });

  it('reads stdin with --log naming the catalog log, by id or file name', async () => {
    const stdin = () => Readable.from([Buffer.from(HEARTBEATS.slice(0, 30)), Buffer.from(HEARTBEATS.slice(30))]);
    const byName = await run(['scan', '--json', '--log', 'drmdata-heartbeat.log', '-'], { stdin: stdin() });
    assert.strictEqual(JSON.parse(byName.stdout).line, 2);
    const byId = await run(['scan', '--log', 'drmdata-drmdata-heartbeat', '-'], { stdin: stdin() });
    assert.match(byId.stdout, /^\(stdin\):2: \[warning\] N;5ms/);
    const unknown = await run(['scan', '-'], { stdin: stdin() });
    assert.strictEqual(unknown.stdout, '', 'without a log there is no field format to apply');
  });

  it('says when it cannot tell which log a file is, and still scans for the known messages', async () => {
    const other = tempTree({ 'app.log': CLIENT_ERRORS, 'common-error.log': CLIENT_ERRORS });
    try {
      const unknown = await run(['scan', '--count', path.join(other.dir, 'app.log')]);
      assert.match(unknown.stderr, /app\.log is not a log the catalog knows/);
      assert.match(unknown.stdout, /2 {2}total/);
      const ambiguous = await run(['scan', '--count', path.join(other.dir, 'common-error.log')]);
      assert.match(ambiguous.stderr, /common-error\.log could be .*ms-client-common-error.*use --log ID/);
    } finally {
      other.cleanup();
    }
  });

  it('exits 2 for usage errors and unreadable files', async () => {
    for (const args of [['scan'], ['scan', 'a', 'b'], ['scan', '--lang', 'fr', heartbeat], ['scan', '--log', 'no-such.log', heartbeat], ['tail', heartbeat], ['scan', '--bogus', heartbeat],
      ['scan', '--host', 'all', '--log', 'x.log'], ['scan', '--host', 'all', '--inventory', 'i.yaml'], ['scan', '--host', 'all', '--inventory', 'i.yaml', '--log', 'x.log', heartbeat]]) {
      const io = captureIO();
      const code = await main(['logs', ...args], io, bundledCatalog);
      assert.strictEqual(code, 2, args.join(' '));
      assert.match(io.stderr, /Usage: sofa-ops logs scan/);
    }
    const badInventory = await run(['scan', '--host', 'all', '--inventory', path.join(t.dir, 'no-inventory.yaml'), '--log', 'common-error.log']);
    assert.strictEqual(badInventory.code, 2, 'an unreadable inventory is exit 2 with its file named');
    assert.match(badInventory.stderr, /no-inventory\.yaml:1: cannot read inventory/);
    const missing = await run(['scan', path.join(t.dir, 'missing.log')]);
    assert.strictEqual(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*missing\.log: ENOENT/);
  });

  it('is wired into sofa-ops and caches the parsed catalog until a catalog file changes', async () => {
    const io = captureIO();
    assert.strictEqual(await main(['logs', 'scan', '--count', heartbeat], io, bundledCatalog), 0);
    assert.match(io.stdout, /1 {2}total/);
    const cats = tempTree({ 'demo/catalog.yaml': minimalProduct });
    try {
      const dir = path.join(cacheHome.dir, 'sofa-ops');
      // Sizes differ between the edits below, so the fingerprint sees them even within one mtime tick.
      assert.strictEqual((await loadLogCatalog(cats.dir, dir)).cached, false);
      const again = await loadLogCatalog(cats.dir, dir);
      assert.strictEqual(again.cached, true);
      assert.strictEqual(again.catalog.patterns[0].match, 'no available connection');
      writeFileSync(path.join(cats.dir, 'demo/catalog.yaml'), minimalProduct.replace('no available connection', 'no connection at all'));
      const changed = await loadLogCatalog(cats.dir, dir);
      assert.deepStrictEqual([changed.cached, changed.catalog.patterns[0].match], [false, 'no connection at all']);
      writeFileSync(path.join(cats.dir, 'demo/catalog.yaml'), minimalProduct.replace('severity: error', 'severity: loud'));
      const broken = await loadLogCatalog(cats.dir, dir);
      assert.deepStrictEqual([broken.cached, broken.problems.length], [false, 1]);
      assert.strictEqual((await loadLogCatalog(cats.dir, dir)).cached, false, 'a catalog with problems is never cached');
    } finally {
      cats.cleanup();
    }
  });
});
