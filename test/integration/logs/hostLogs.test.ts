/**
 * `--log NAME` on real hosts over a real sshd: the README's own `logs scan --host registry-session
 * --log common-error.log` reads the session server's file, not another product's file of that
 * name, and a log the host cannot read fails with the host's whole reason.
 */
import * as assert from 'assert';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { logsCommand } from '../../../src/cli/logsCommand';
import { RemoteLogSource } from '../../../src/core/logs/remoteLogSource';
import type { SshPool } from '../../../src/core/ssh/sshPool';
import { captureIO } from '../../unit/helpers';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';
import { poolWith, target } from '../ssh/helpers';

const repoRoot = path.resolve(__dirname, '../../..');
const HOST = '127.0.5.7';
const ERROR = 'get server list error, url: http://sofa-registry:9603/api/servers/query';
const logback = (level: string, message: string) => `2024-05-06 10:11:12,345 ${level.padEnd(5)} DefaultServerManager#103 ${'main'.padEnd(32)} - ${message}`;

describe('logs on a host by name (real sshd)', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let user: TestUser;
  let pool: SshPool;
  let dir: string;
  let inventory: string;
  let knownHosts: string;
  const scan = async (...args: string[]) => {
    const io = captureIO();
    const code = await logsCommand(['scan', '--host', 'registry-session', '--inventory', inventory, '--known-hosts', knownHosts, ...args], io, path.join(repoRoot, 'runbooks'), { cacheDir: null });
    return { code, ...io };
  };

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    ({ pool } = await poolWith(sshd.knownHostsFor([HOST])));
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-hostlogs-'));
    chmodSync(dir, 0o755);
    // The session server's own common-error.log holds one known error; dsrconsole's file of the
    // same name (another product) holds three, so reading the wrong one shows in the count.
    for (const [folder, errors] of [['registry/session', 1], ['dsrconsole', 3]] as const) {
      mkdirSync(path.join(dir, folder), { recursive: true, mode: 0o755 });
      const lines = [logback('INFO', 'started'), ...Array.from({ length: errors }, () => logback('ERROR', ERROR))];
      writeFileSync(path.join(dir, folder, 'common-error.log'), `${lines.join('\n')}\n`, { mode: 0o644 });
    }
    inventory = path.join(dir, 'site.yaml');
    writeFileSync(inventory, `defaults: { port: ${sshd.port}, user: ${user.name}, identityFile: ${user.keys.plain}, logRoot: ${JSON.stringify(dir)} }
products:
  registry:
    registry-session:
      - { name: registry-session-1, host: ${HOST} }
`);
    knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsFor([HOST]));
  });

  after(async () => {
    pool?.dispose();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs scan --host registry-session --log common-error.log reads the session server\'s file', async () => {
    const r = await scan('--log', 'common-error.log', '--count');
    assert.strictEqual(r.code, 1, r.stderr);
    const own = path.join(dir, 'registry/session/common-error.log');
    assert.ok(r.stdout.includes(`== registry-session-1:${own}`), r.stdout);
    assert.match(r.stdout, /\n\s+1\s+microservice-client-get-server-list-error/, 'one error: the session server\'s, not dsrconsole\'s three');
    assert.ok(!r.stdout.includes('dsrconsole'), r.stdout);
    assert.match(r.stderr, /registry-session-1: the catalog lists common-error\.log for .*not for registry-session/);

    const grep = captureIO();
    await logsCommand(['grep', 'get server list error', '--host', 'registry-session', '--inventory', inventory, '--known-hosts', knownHosts, '--log', 'common-error.log'], grep, path.join(repoRoot, 'runbooks'), { cacheDir: null });
    assert.ok(grep.stdout.includes(`registry-session-1:${own}:2:`), grep.stdout + grep.stderr);
    assert.ok(!grep.stdout.includes('dsrconsole'), grep.stdout);
    assert.match(grep.stderr, /registry-session-1: the catalog lists common-error\.log/);
  });

  it('a log the host cannot read fails with the host\'s whole reason', async () => {
    const r = await scan('--log', `${dir}/none.log`);
    assert.strictEqual(r.code, 2);
    assert.match(r.stderr, /registry-session-1: cannot read .*none\.log: .*No such file or directory/);
    assert.ok(!/not kept/.test(r.stderr), r.stderr);

    const grep = captureIO();
    await logsCommand(['grep', 'x', '--host', 'registry-session', '--inventory', inventory, '--known-hosts', knownHosts, '--log', `${dir}/none.log`], grep, path.join(repoRoot, 'runbooks'), { cacheDir: null });
    assert.match(grep.stdout + grep.stderr, /registry-session-1: .*none\.log: No such file or directory/);

    const host = target({ host: HOST, port: sshd.port, user: user.name, identityFiles: [user.keys.plain] });
    const source = new RemoteLogSource((command, options) => pool.exec(host, command, options), `${dir}/none.log`);
    await assert.rejects(source.tail(), (err: Error) => {
      assert.match(err.message, /^cannot read .*none\.log: .*No such file or directory/);
      assert.ok(!/not kept/.test(err.message), err.message);
      return true;
    });
  });
});
