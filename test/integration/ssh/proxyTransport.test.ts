/**
 * ProxyCommand and ProxyJump from a real ssh_config, resolved by `ssh -G`, against the real sshd
 * fixture; the same hosts through real OpenSSH `ssh -F` must land on the same server address.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { resolveTarget } from '../../../src/core/ssh/sshConfig';
import { clearSshConfigCache } from '../../../src/core/ssh/opensshConfig';
import { descendants, ensureTestUser, requireRoot, SSH, Sshd, type TestUser } from '../fixtures/sshd';
import { poolWith } from './helpers';

describe('ProxyCommand and ProxyJump transport (real sshd, config resolved by ssh -G)', function () {
  let sshd: Sshd;
  let user: TestUser;
  let dir: string;
  let config: string;
  let knownHosts: string;
  const hosts = ['127.0.1.5', '127.0.1.6', '127.0.1.7', '127.0.1.8'];

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-proxy-'));
    config = path.join(dir, 'ssh_config');
    knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsFor(hosts));
    writeFileSync(config, [
      'Host viaproxy', '  HostName 127.0.1.5', '  ProxyCommand nc %h %p',
      'Host broken', '  HostName 127.0.1.5', "  ProxyCommand sh -c 'echo proxy-says-no >&2; exit 1'",
      'Host hop1', '  HostName 127.0.1.6', '  ProxyCommand nc %h %p',
      // hop2's own ProxyJump never applies when it is the second hop of a chain (ssh -J hop1 hop2).
      'Host hop2', '  HostName 127.0.1.7', '  ProxyJump nowhere.invalid',
      'Host target2', '  HostName 127.0.1.8', '  ProxyJump hop1,hop2',
      'Host *', `  Port ${sshd.port}`, `  User ${user.name}`, `  IdentityFile ${user.keys.plain}`, '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${knownHosts}`, '  GlobalKnownHostsFile /dev/null', '  StrictHostKeyChecking yes', '  BatchMode yes', '',
    ].join('\n'));
    clearSshConfigCache();
  });
  after(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Our nc children (the sshd fixture is a descendant too). */
  const proxies = () => descendants(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'nc';
    } catch {
      return false;
    }
  });
  const resolve = (name: string) => resolveTarget({ name }, { configFile: config, env: { ...process.env, SHELL: '/bin/sh' } });

  it('resolves ProxyCommand tokens and the jump chain like ssh: first hop with its own config, later hops without theirs', () => {
    const t = resolve('viaproxy');
    assert.strictEqual(t.proxyCommand, `exec nc 127.0.1.5 ${sshd.port}`);
    const chain = resolve('target2');
    assert.deepStrictEqual(chain.jumps.map((j) => [j.host, j.port, j.proxyCommand ?? '']), [['127.0.1.6', sshd.port, `exec nc 127.0.1.6 ${sshd.port}`], ['127.0.1.7', sshd.port, '']]);
    assert.strictEqual(chain.proxyCommand, undefined);
  });

  it('connects through ProxyCommand and through a 2-hop ProxyJump to the same server address real ssh reaches, and kills the proxy on close', async () => {
    const { pool, productKnownHosts } = await poolWith(sshd.knownHostsFor(hosts));
    void productKnownHosts;
    try {
      const direct = await pool.exec(resolve('viaproxy'), 'echo "$SSH_CONNECTION"');
      assert.strictEqual(direct.outcome, 'ok', direct.message);
      assert.match(direct.stdout, new RegExp(` 127\\.0\\.1\\.5 ${sshd.port}\\n$`));
      const viaJumps = await pool.exec(resolve('target2'), 'echo "$SSH_CONNECTION"');
      assert.strictEqual(viaJumps.outcome, 'ok', viaJumps.message);
      const theirs = execFileSync(SSH, ['-F', config, 'target2', 'echo "$SSH_CONNECTION"'], { encoding: 'utf8', env: { ...process.env, SHELL: '/bin/sh' } });
      // Same destination address and port as OpenSSH's own ProxyJump through the same config.
      assert.strictEqual(viaJumps.stdout.trim().split(' ').slice(2).join(' '), theirs.trim().split(' ').slice(2).join(' '));
      assert.strictEqual(viaJumps.stdout.trim().split(' ').slice(2).join(' '), `127.0.1.8 ${sshd.port}`);
      const ncBefore = proxies().length;
      assert.ok(ncBefore >= 2, `expected the ProxyCommand processes to be running (${ncBefore})`);
    } finally {
      pool.dispose();
    }
    // The proxies die with their connections.
    for (let i = 0; i < 200 && proxies().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.strictEqual(proxies().length, 0, 'ProxyCommand children left running after the pool closed');
  });

  it('reports a failing ProxyCommand with what it printed on stderr', async () => {
    const { pool } = await poolWith(sshd.knownHostsFor(hosts));
    try {
      const r = await pool.exec(resolve('broken'), 'true');
      assert.strictEqual(r.outcome, 'unreachable', r.message);
      assert.match(r.message ?? '', /proxy-says-no/);
    } finally {
      pool.dispose();
    }
  });
});
