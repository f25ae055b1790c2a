/**
 * Proves the real-sshd fixtures with the system OpenSSH client, so a failing SSH-layer test can be
 * blamed on the product, not the fixture: logins of every kind, host keys, dead hosts, ProxyJump.
 */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createIsolatedHost, type IsolatedHost } from './fixtures/netns';
import { SSH, Sshd, TEST_USER, descendants, ensureTestUser, requireRoot, startAgent, type TestUser } from './fixtures/sshd';

interface SshResult { code: number | null; stdout: string; stderr: string; ms: number }

describe('real sshd fixture (system ssh client)', function () {
  this.timeout(30_000);
  let user: TestUser;
  let sshd: Sshd;
  let work: string;

  before(async () => {
    requireRoot({ netns: true });
    user = await ensureTestUser();
    sshd = await Sshd.start({ passwordAuth: true, maxStartups: '100:30:200' });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sofaops-fixture-test-'));
  });
  after(async () => {
    await sshd?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /**
   * An ssh_config that trusts only `knownHosts`, never prompts and ignores ~/.ssh. `extra` lines
   * come first: ssh keeps the first value it reads.
   */
  function config(knownHosts: string, extra: string[] = []): string {
    const kh = path.join(work, `known_hosts-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(kh, knownHosts);
    const file = `${kh}.config`;
    fs.writeFileSync(file, [
      'Host *',
      ...extra.map((l) => `  ${l}`),
      `  User ${TEST_USER}`,
      `  UserKnownHostsFile ${kh}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  ConnectTimeout 5',
      '',
    ].join('\n'));
    return file;
  }

  function keyConfig(knownHosts: string, key = user.keys.plain, extra: string[] = []): string {
    return config(knownHosts, [...extra, `IdentityFile ${key}`, 'IdentitiesOnly yes']);
  }

  function ssh(cfg: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<SshResult> {
    const started = Date.now();
    return new Promise((resolve) => {
      const p = spawn(SSH, ['-F', cfg, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d) => { stdout += d; });
      p.stderr.on('data', (d) => { stderr += d; });
      p.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    });
  }

  function askpass(secret: string): NodeJS.ProcessEnv {
    const file = path.join(work, 'askpass.sh');
    fs.writeFileSync(file, '#!/bin/sh\nprintf \'%s\\n\' "$FIXTURE_SECRET"\n', { mode: 0o700 });
    return { SSH_ASKPASS: file, SSH_ASKPASS_REQUIRE: 'force', FIXTURE_SECRET: secret };
  }

  it('logs the test user in with the plain key, and the host key checks out strictly', async () => {
    const r = await ssh(keyConfig(sshd.knownHostsFor(['127.0.0.1'])), ['-p', String(sshd.port), '127.0.0.1', 'whoami; echo "$HOME"']);
    assert.strictEqual(r.code, 0, r.stderr + sshd.log());
    assert.deepStrictEqual(r.stdout.trim().split('\n'), [TEST_USER, user.home]);
  });

  it('answers on every 127.x.y.z address with the same port', async () => {
    const hosts = ['127.0.2.1', '127.0.2.50', '127.1.2.3'];
    const cfg = keyConfig(sshd.knownHostsFor(hosts));
    const results = await Promise.all(hosts.map((h) => ssh(cfg, ['-p', String(sshd.port), h, 'echo "$SSH_CONNECTION"'])));
    results.forEach((r, i) => {
      assert.strictEqual(r.code, 0, r.stderr);
      assert.strictEqual(r.stdout.trim().split(' ')[2], hosts[i], 'sshd saw the address the client dialled');
    });
  });

  it('serves an ed25519, an ecdsa and an rsa host key, each matching knownHostsFor', async () => {
    assert.deepStrictEqual(sshd.hostKeys.map((k) => k.type), ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ssh-rsa']);
    const cfg = keyConfig(sshd.knownHostsFor(['127.0.0.1']));
    for (const alg of ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'rsa-sha2-512']) {
      const r = await ssh(cfg, ['-o', `HostKeyAlgorithms=${alg}`, '-p', String(sshd.port), '127.0.0.1', 'true']);
      assert.strictEqual(r.code, 0, `${alg}: ${r.stderr}`);
    }
  });

  it('makes fresh host keys per instance: another instance\'s known_hosts is refused', async () => {
    const other = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    try {
      const cfg = keyConfig(sshd.knownHostsFor(['127.0.0.1']).replaceAll(`:${sshd.port}`, `:${other.port}`));
      const r = await ssh(cfg, ['-p', String(other.port), '127.0.0.1', 'true']);
      assert.strictEqual(r.code, 255);
      assert.match(r.stderr, /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    } finally {
      await other.stop();
    }
  });

  it('accepts the rsa key, and refuses the encrypted key without its passphrase', async () => {
    const kh = sshd.knownHostsFor(['127.0.0.1']);
    const rsa = await ssh(keyConfig(kh, user.keys.rsa), ['-p', String(sshd.port), '127.0.0.1', 'true']);
    assert.strictEqual(rsa.code, 0, rsa.stderr);
    const locked = await ssh(keyConfig(kh, user.keys.encrypted, ['PasswordAuthentication no']), ['-p', String(sshd.port), '127.0.0.1', 'true']);
    assert.strictEqual(locked.code, 255);
    const unlocked = await ssh(keyConfig(kh, user.keys.encrypted, ['BatchMode no']), ['-p', String(sshd.port), '127.0.0.1', 'true'], askpass(user.keys.passphrase));
    assert.strictEqual(unlocked.code, 0, unlocked.stderr);
  });

  it('logs in through a real ssh-agent holding the plain and the (unlocked) encrypted key', async () => {
    const agent = await startAgent([user.keys.plain, { path: user.keys.encrypted, passphrase: user.keys.passphrase }]);
    try {
      const list = spawnSync('/usr/bin/ssh-add', ['-L'], { env: { ...process.env, SSH_AUTH_SOCK: agent.socket }, encoding: 'utf8' });
      const pub = (k: string) => fs.readFileSync(`${k}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
      assert.deepStrictEqual(list.stdout.trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' ')), [pub(user.keys.plain), pub(user.keys.encrypted)]);
      // No IdentityFile: the only way in is the agent.
      const r = await ssh(config(sshd.knownHostsFor(['127.0.0.1']), [`IdentityAgent ${agent.socket}`]), ['-p', String(sshd.port), '127.0.0.1', 'true']);
      assert.strictEqual(r.code, 0, r.stderr);
      assert.match(sshd.log(), /Accepted publickey for sofaops-test/);
    } finally {
      await agent.stop();
    }
    assert.ok(!fs.existsSync(agent.socket), 'agent socket removed');
  });

  it('accepts the password when passwordAuth is on, and rejects a wrong one', async () => {
    const cfg = config(sshd.knownHostsFor(['127.0.0.1']), ['BatchMode no', 'PubkeyAuthentication no', 'PreferredAuthentications password', 'NumberOfPasswordPrompts 1']);
    const ok = await ssh(cfg, ['-p', String(sshd.port), '127.0.0.1', 'whoami'], askpass(user.password));
    assert.strictEqual(ok.code, 0, ok.stderr);
    assert.strictEqual(ok.stdout.trim(), TEST_USER);
    const bad = await ssh(cfg, ['-p', String(sshd.port), '127.0.0.1', 'true'], askpass('wrong'));
    assert.strictEqual(bad.code, 255);
    assert.match(bad.stderr, /Permission denied/);
  });

  it('offers keyboard-interactive (via PAM) when kbdInteractive is on', async () => {
    const kbd = await Sshd.start({ kbdInteractive: true, hostKeyTypes: ['ed25519'] });
    try {
      const cfg = config(kbd.knownHostsFor(['127.0.0.1']), ['BatchMode no', 'PubkeyAuthentication no', 'PreferredAuthentications keyboard-interactive', 'NumberOfPasswordPrompts 1']);
      const ok = await ssh(cfg, ['-p', String(kbd.port), '127.0.0.1', 'whoami'], askpass(user.password));
      assert.strictEqual(ok.code, 0, ok.stderr + kbd.log());
      assert.strictEqual(ok.stdout.trim(), TEST_USER);
      assert.match(kbd.log(), /Accepted keyboard-interactive\/pam for sofaops-test/);
    } finally {
      await kbd.stop();
    }
  });

  it('freeze(address) kills one "host" for keepalives while the others keep answering; thaw() revives', async () => {
    const hosts = ['127.0.3.1', '127.0.3.2'];
    const cfg = keyConfig(sshd.knownHostsFor(hosts), user.keys.plain, ['ServerAliveInterval 1', 'ServerAliveCountMax 2']);
    // Each session prints five lines a second; a frozen host stops printing and ssh gives up on it.
    const sessions = hosts.map((h) => {
      const p = spawn(SSH, ['-F', cfg, '-p', String(sshd.port), h, 'echo ready; while sleep 0.2; do echo tick; done'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => { out += d; });
      p.stderr.on('data', (d) => { err += d; });
      const exited = new Promise<number | null>((r) => p.on('close', (code) => r(code)));
      return { p, exited, out: () => out, err: () => err };
    });
    try {
      await waitFor(() => sessions.every((s) => s.out().includes('ready')), 10_000, 'both sessions ready');
      const frozen = sshd.freeze(hosts[0]);
      assert.ok(frozen.length >= 2, `froze the connection's sshd processes (${frozen})`);
      const started = Date.now();
      const code = await sessions[0].exited;
      const detectedMs = Date.now() - started;
      assert.strictEqual(code, 255);
      assert.match(sessions[0].err(), /Timeout, server .* not responding/);
      assert.ok(detectedMs < 6000, `dead host detected in ${detectedMs} ms`);
      const before = sessions[1].out().length;
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(sessions[1].out().length > before, 'the other host still answers');
    } finally {
      sshd.thaw();
      for (const s of sessions) s.p.kill('SIGKILL');
    }
    const again = await ssh(cfg, ['-p', String(sshd.port), hosts[0], 'true']);
    assert.strictEqual(again.code, 0, again.stderr);
  });

  it('freeze() silences the whole server, new connections included', async () => {
    const cfg = keyConfig(sshd.knownHostsFor(['127.0.0.1']), user.keys.plain, ['ServerAliveInterval 1', 'ServerAliveCountMax 2', 'ConnectTimeout 2']);
    const live = spawn(SSH, ['-F', cfg, '-p', String(sshd.port), '127.0.0.1', 'echo ready; sleep 60'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    live.stdout.on('data', (d) => { out += d; });
    const exited = new Promise<number | null>((r) => live.on('close', (code) => r(code)));
    try {
      await waitFor(() => out.includes('ready'), 10_000, 'session ready');
      sshd.freeze();
      const started = Date.now();
      assert.strictEqual(await exited, 255);
      const detectedMs = Date.now() - started;
      assert.ok(detectedMs < 6000, `dead host detected in ${detectedMs} ms`);
      // TCP still connects (the kernel queues it) but no banner ever comes.
      const fresh = await ssh(cfg, ['-p', String(sshd.port), '127.0.0.1', 'true']);
      assert.strictEqual(fresh.code, 255);
      assert.match(fresh.stderr, /timed out/i);
    } finally {
      sshd.thaw();
      live.kill('SIGKILL');
    }
    const again = await ssh(cfg, ['-p', String(sshd.port), '127.0.0.1', 'true']);
    assert.strictEqual(again.code, 0, again.stderr);
  });

  it('stop() kills the listener and live connections, and removes its files', async () => {
    const s = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    const cfg = keyConfig(s.knownHostsFor(['127.0.0.1']));
    const live = spawn(SSH, ['-F', cfg, '-p', String(s.port), '127.0.0.1', 'echo ready; sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    live.stdout.on('data', (d) => { out += d; });
    const exited = new Promise<number | null>((r) => live.on('close', (code) => r(code)));
    await waitFor(() => out.includes('ready'), 10_000, 'session ready');
    const tree = [s.pid, ...descendants(s.pid)];
    assert.ok(tree.length >= 3, 'listener plus connection processes');
    await s.stop();
    assert.strictEqual(await exited, 255, 'client saw the connection drop');
    assert.ok(tree.every((p) => !fs.existsSync(`/proc/${p}`) || /^\d+ \([^)]*\) Z/.test(fs.readFileSync(`/proc/${p}/stat`, 'utf8'))), 'no sshd process left');
    assert.ok(!fs.existsSync(s.dir), 'temp dir removed');
  });

  describe('isolated host behind a bastion (ip netns)', () => {
    let net: IsolatedHost;
    before(async () => { net = await createIsolatedHost(); });
    after(async () => { await net?.stop(); });

    it('cannot be reached directly', async () => {
      const r = await ssh(keyConfig(net.knownHosts()), [net.targetAddress, 'true']);
      assert.strictEqual(r.code, 255);
      assert.match(r.stderr, /No route to host/);
    });

    it('is reached with ProxyJump through the bastion', async () => {
      const r = await ssh(keyConfig(net.knownHosts()), ['-J', net.bastionAddress, net.targetAddress, 'echo "$SSH_CONNECTION"']);
      assert.strictEqual(r.code, 0, r.stderr + net.bastion.log() + net.target.log());
      const [from, , to, port] = r.stdout.trim().split(' ');
      assert.strictEqual(from, net.targetAddress.replace(/\.2$/, '.1'), 'the target saw the bastion as its client');
      assert.deepStrictEqual([to, port], [net.targetAddress, '22']);
      assert.match(net.target.log(), new RegExp(`Accepted publickey for ${TEST_USER} from ${from} `));
    });

    it('leaves no namespace, veth or route behind after stop()', async () => {
      const other = await createIsolatedHost({ bastion: { hostKeyTypes: ['ed25519'] }, target: { hostKeyTypes: ['ed25519'] } });
      const n = other.bastionAddress.split('.')[2];
      await other.stop();
      const ip = (...args: string[]) => spawnSync('/usr/sbin/ip', args, { encoding: 'utf8' }).stdout;
      assert.ok(!ip('netns', 'list').includes(other.namespaces.bastion) && !ip('netns', 'list').includes(other.namespaces.target));
      assert.ok(!ip('-o', 'link').includes(`sofo${n}a`), 'veth gone');
      assert.ok(!ip('route').includes(`10.201.${n}.0`), 'route gone');
      assert.ok(!fs.existsSync(other.target.dir) && !fs.existsSync(other.bastion.dir));
    });
  });
});

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
