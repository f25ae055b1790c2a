/**
 * Remote logs over a real sshd: the tail window of a 200 MB log generated on the host, follow
 * (appends, rotation, a dropped connection), and `sofa-ops logs scan --host` giving the findings a
 * local scan of the same file gives.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { appendFileSync, chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { logsCommand } from '../../../src/cli/logsCommand';
import { loadCatalog } from '../../../src/core/catalog/catalogLoader';
import { type LogCatalog, logCatalogOf } from '../../../src/core/logs/logCatalog';
import { compileLogMatcher } from '../../../src/core/logs/logMatcher';
import type { LogFinding } from '../../../src/core/logs/logScanner';
import { RemoteFollow, RemoteLogSource, type RemoteExec } from '../../../src/core/logs/remoteLogSource';
import { scanFile } from '../../../src/core/logs/scanSources';
import type { SshPool } from '../../../src/core/ssh/sshPool';
import type { SshTarget } from '../../../src/core/ssh/types';
import { captureIO } from '../../unit/helpers';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';
import { poolWith, target } from '../ssh/helpers';

const repoRoot = path.resolve(__dirname, '../../..');
const HOST = '127.0.5.1';
/** 1 MB blocks of ~175-byte lines: about 210 MB. */
const REPEAT = 120;

describe('remote logs over SSH (real sshd)', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let user: TestUser;
  let pool: SshPool;
  let host: SshTarget;
  let exec: RemoteExec;
  let dir: string;
  let catalog: LogCatalog;
  let big: string;

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    ({ pool } = await poolWith(sshd.knownHostsFor([HOST])));
    host = target({ host: HOST, port: sshd.port, user: user.name, identityFiles: [user.keys.plain] });
    exec = (command, options) => pool.exec(host, command, options);
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-logs-'));
    chmodSync(dir, 0o777);
    catalog = logCatalogOf((await loadCatalog(path.join(repoRoot, 'runbooks'))).catalog);
    // 210 MB written on the host by the login user with a shell loop: a 1.75 MB block (logback lines,
    // a known error every 1,000 lines) repeated, then a distinctive end.
    big = path.join(dir, 'big common-error.log');
    const generate = [
      `cd '${dir}'`,
      `awk 'BEGIN { for (i = 0; i < 10000; i++) { if (i % 1000 == 999) m = "get server list error, url: http://sofa-registry:9603/api/servers/query"; else m = "register publisher success, dataId: com.alipay.test.SampleService:1.0@DEFAULT, n " i; printf "2024-05-06 10:11:12,345 INFO  DefaultServerManager#77 %-32s - %s\\n", "main", m } }' > block`,
      `i=0; while [ $i -lt ${REPEAT} ]; do cat block; i=$((i+1)); done > "big common-error.log"`,
      `printf '2024-05-06 23:59:59,999 ERROR DefaultServerManager#103 main                             - the last line\\n' >> "big common-error.log"`,
      'rm block',
    ].join('\n');
    const r = await exec(generate, { timeoutMs: 120_000 });
    assert.strictEqual(r.outcome, 'ok', r.stderr);
  });

  after(async () => {
    pool?.dispose();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens the tail of a 210 MB log in a bounded window: the last 5000 lines, exact offsets', async () => {
    const started = Date.now();
    const source = new RemoteLogSource(exec, big);
    const window = await source.tail();
    const ms = Date.now() - started;
    assert.ok(window.size > 200_000_000, `${window.size} bytes`);
    assert.strictEqual(window.lines, 5000);
    assert.strictEqual(window.end, window.size);
    assert.strictEqual(window.text, execFileSync('tail', ['-n', '5000', big], { encoding: 'utf8', maxBuffer: 64 << 20 }));
    assert.ok(window.text.endsWith('- the last line\n'));
    assert.ok(Buffer.byteLength(window.text) < 1 << 20, 'only the window travelled');
    const page = await source.earlier(window.start, window.inode);
    assert.strictEqual(page.end, window.start);
    assert.strictEqual(page.lines, 5000);
    // Count lines before the window on the host.
    assert.strictEqual(await source.linesBefore(page.start), REPEAT * 10_000 + 1 - 10_000);
    console.log(`      tail window of ${(window.size / 1e6).toFixed(0)} MB in ${ms} ms`);
  });

  it('follows appended lines, a rotation (mv + new file), and resumes after the connection drops', async () => {
    const file = path.join(dir, 'follow.log');
    writeFileSync(file, 'before\n');
    chmodSync(file, 0o666);
    const source = new RemoteLogSource(exec, file);
    const window = await source.tail();
    let got = '';
    const states: string[] = [];
    const follow = new RemoteFollow(exec, file, { offset: window.end, inode: window.inode, onText: (t) => (got += t), onState: (s) => states.push(s), retryMs: 200 });
    try {
      await waitUntil(() => follow.currentState === 'following');
      appendFileSync(file, 'one\n');
      await waitUntil(() => got === 'one\n');
      renameSync(file, `${file}.1`);
      writeFileSync(file, 'rotated\n');
      chmodSync(file, 0o666);
      await waitUntil(() => got === 'one\nrotated\n', 15_000);
      // The connection drops (as when a host reboots its sshd); lines written meanwhile still arrive, once.
      pool.closeAll();
      appendFileSync(file, 'while away\n');
      await waitUntil(() => states.includes('reconnecting'));
      await waitUntil(() => got.includes('while away\n'), 15_000);
      appendFileSync(file, 'after\n');
      await waitUntil(() => got.endsWith('after\n'));
      assert.strictEqual(got, 'one\nrotated\nwhile away\nafter\n');
    } finally {
      follow.dispose();
      await follow.done;
    }
  });

  it('sofa-ops logs scan --host greps on the host and reports what a local scan reports', async () => {
    const inventory = path.join(dir, 'inventory.yaml');
    writeFileSync(inventory, `defaults: { port: ${sshd.port}, user: ${user.name}, identityFile: ${user.keys.plain}, logRoot: ${JSON.stringify(dir)} }
products:
  microservice:
    drm:
      - { name: drm-1, host: ${HOST} }
`);
    const knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsFor([HOST]));
    const io = captureIO();
    const code = await logsCommand(['scan', '--host', 'drm-1', '--inventory', inventory, '--known-hosts', knownHosts, '--log', big, '--json'], io, path.join(repoRoot, 'runbooks'), { cacheDir: null });
    assert.strictEqual(code, 1, io.stderr);
    const remote = io.stdout.trim().split('\n').map((l) => JSON.parse(l) as { host: string; line: number; pattern: string });
    const local: LogFinding[] = [];
    await scanFile(compileLogMatcher(catalog, []), big, { onFinding: (f) => local.push(f) });
    assert.strictEqual(remote.length, local.length);
    assert.strictEqual(remote.length, REPEAT * 10);
    assert.deepStrictEqual(remote.slice(0, 3).map((f) => f.line), local.slice(0, 3).map((f) => f.line));
    assert.strictEqual(remote[0].host, 'drm-1');

    const counts = captureIO();
    assert.strictEqual(await logsCommand(['scan', '--host', 'drm-1', '--inventory', inventory, '--known-hosts', knownHosts, '--log', './big common-error.log', '--count'], counts, path.join(repoRoot, 'runbooks'), { cacheDir: null }), 1, counts.stderr);
    assert.match(counts.stdout, new RegExp(`== drm-1:.*big common-error\\.log\\n\\s+${REPEAT * 10}\\s+microservice-client-get-server-list-error`));

    const missing = captureIO();
    assert.strictEqual(await logsCommand(['scan', '--host', 'drm-1', '--inventory', inventory, '--known-hosts', knownHosts, '--log', `${dir}/none.log`], missing, path.join(repoRoot, 'runbooks'), { cacheDir: null }), 2);
    assert.match(missing.stderr, /drm-1: cannot read .*none\.log/);
  });
});

async function waitUntil(probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
