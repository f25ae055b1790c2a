/**
 * The SSH layer against a real OpenSSH sshd on loopback: authentication, strict host keys,
 * cancellation that stops the remote process, keepalive, MaxSessions queuing, bounded memory,
 * reconnect, fan-out outcomes and quoting.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { fingerprintSha256 } from '../../../src/core/ssh/hostKeys';
import { fanOut, groupResults } from '../../../src/core/ssh/fanOut';
import { commandFromArgv } from '../../../src/core/shellQuote';
import type { CredentialPrompter } from '../../../src/core/ssh/types';
import { createIsolatedHost } from '../fixtures/netns';
import { ensureTestUser, requireRoot, Sshd, startAgent, type Agent, type TestUser } from '../fixtures/sshd';
import { poolWith, target } from './helpers';

describe('SSH layer against real sshd', function () {
  let sshd: Sshd;
  let user: TestUser;
  const cleanups: Array<() => unknown> = [];

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ passwordAuth: true, maxStartups: '200:30:400', hostKeyTypes: ['ed25519', 'ecdsa'] });
  });
  after(async () => {
    for (const c of cleanups.reverse()) await c();
    await sshd?.stop();
  });

  const meta = (overrides: Partial<Parameters<typeof target>[0]> = {}) =>
    target({ host: '127.0.1.1', port: sshd.port, user: user.name, identityFiles: [user.keys.plain], ...overrides });
  async function pool(opts: Parameters<typeof poolWith>[1] = {}, hosts = ['127.0.1.1']) {
    const setup = await poolWith(sshd.knownHostsFor(hosts), opts);
    cleanups.push(() => setup.pool.dispose());
    return setup;
  }

  describe('authentication', () => {
    it('logs in with a plain key file and runs a command', async () => {
      const { pool: p } = await pool();
      const r = await p.exec(meta(), 'echo hello; echo oops >&2; exit 3');
      assert.strictEqual(r.outcome, 'exit');
      assert.strictEqual(r.exitCode, 3);
      assert.strictEqual(r.stdout, 'hello\n');
      assert.strictEqual(r.stderr, 'oops\n');
    });

    it('logs in through ssh-agent (SSH_AUTH_SOCK)', async () => {
      const agent: Agent = await startAgent([user.keys.rsa]);
      cleanups.push(() => agent.stop());
      const { pool: p } = await pool();
      const r = await p.exec(meta({ identityFiles: [], agent: agent.socket }), 'whoami');
      assert.strictEqual(r.stdout.trim(), user.name, r.message);
    });

    it('asks for the passphrase of an encrypted key, retries a wrong one, and remembers the right one', async () => {
      const asked: string[] = [];
      const remembered: string[] = [];
      const answers = ['wrong', user.keys.passphrase];
      const prompter: CredentialPrompter = {
        prompt: async (req) => {
          asked.push(`${req.kind}:${req.identityFile}`);
          return answers.shift();
        },
        remember: async (req, secret) => {
          remembered.push(`${req.kind}:${req.identityFile}:${secret === user.keys.passphrase}`);
        },
      };
      const { pool: p } = await pool({ prompter });
      const r = await p.exec(meta({ identityFiles: [user.keys.encrypted] }), 'echo in');
      assert.strictEqual(r.stdout, 'in\n', r.message);
      assert.deepStrictEqual(asked, [`passphrase:${user.keys.encrypted}`, `passphrase:${user.keys.encrypted}`]);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepStrictEqual(remembered, [`passphrase:${user.keys.encrypted}:true`]);
    });

    it('falls back to a password prompt when no key works, and reports auth failure distinctly', async () => {
      const good: CredentialPrompter = { prompt: async (req) => (req.kind === 'password' ? user.password : undefined) };
      const ok = await (await pool({ prompter: good })).pool.exec(meta({ identityFiles: [] }), 'echo pw');
      assert.strictEqual(ok.stdout, 'pw\n', ok.message);
      const bad: CredentialPrompter = { prompt: async () => 'not-the-password' };
      const denied = await (await pool({ prompter: bad })).pool.exec(meta({ identityFiles: [] }), 'true');
      assert.strictEqual(denied.outcome, 'auth-failed', denied.message);
    });
    it('answers keyboard-interactive prompts (PAM asks "Password:") without echo', async () => {
      const pam = await Sshd.start({ kbdInteractive: true, hostKeyTypes: ['ed25519'] });
      cleanups.push(() => pam.stop());
      const setup = await poolWith(pam.knownHostsFor(['127.0.1.8']), {
        prompter: {
          prompt: async (req) => {
            assert.strictEqual(req.echo, false, 'a password prompt must not echo');
            return req.kind === 'keyboard-interactive' ? user.password : undefined;
          },
        },
      });
      cleanups.push(() => setup.pool.dispose());
      const r = await setup.pool.exec(target({ host: '127.0.1.8', port: pam.port, user: user.name }), 'echo kbd');
      assert.strictEqual(r.stdout, 'kbd\n', r.message);
    });
  });

  describe('host keys', () => {
    it('refuses an unknown host unless accepted, showing its SHA256 fingerprint; an accepted key is recorded and trusted next time', async () => {
      const refused = await pool({ accept: false }, []);
      const r = await refused.pool.exec(meta(), 'true');
      assert.strictEqual(r.outcome, 'host-key-refused');
      const ed25519 = sshd.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
      const fingerprint = fingerprintSha256(Buffer.from(ed25519.publicKeyLine.split(' ')[1], 'base64'));
      assert.deepStrictEqual(refused.asked, [`[127.0.1.1]:${sshd.port} ${fingerprint}`]);

      const accepting = await pool({ accept: true }, []);
      assert.strictEqual((await accepting.pool.exec(meta(), 'true')).outcome, 'ok');
      assert.match(readFileSync(accepting.productKnownHosts, 'utf8'), new RegExp(`^\\[127\\.0\\.1\\.1\\]:${sshd.port} ssh-ed25519 `, 'm'));
      // A fresh verifier over the same files trusts it without asking again.
      const again = await poolWith(readFileSync(accepting.productKnownHosts, 'utf8'), { accept: false });
      cleanups.push(() => again.pool.dispose());
      assert.strictEqual((await again.pool.exec(meta(), 'true')).outcome, 'ok');
      assert.deepStrictEqual(again.asked, []);
    });

    it('refuses a changed key with both fingerprints and the line to fix, without asking', async () => {
      const other = await Sshd.start({ hostKeyTypes: ['ed25519'] });
      cleanups.push(() => other.stop());
      // known_hosts says 127.0.1.1:PORT has the *other* server's ed25519 key.
      const forged = other.knownHostsFor(['127.0.1.1']).replace(new RegExp(`\\]:${other.port} `, 'g'), `]:${sshd.port} `);
      const setup = await poolWith(forged, { accept: true });
      cleanups.push(() => setup.pool.dispose());
      const r = await setup.pool.exec(meta(), 'true');
      assert.strictEqual(r.outcome, 'host-key-refused');
      assert.match(r.message!, /CHANGED/);
      assert.strictEqual(r.message!.match(/SHA256:[A-Za-z0-9+/]{43}/g)?.length, 2, r.message);
      assert.ok(r.message!.includes(`${setup.knownHostsFile}:1`), r.message);
      assert.deepStrictEqual(setup.asked, [], 'a changed key is never offered for acceptance');
    });

    it('refuses a revoked key and trusts a hashed known_hosts entry', async () => {
      const ed = sshd.hostKeys.find((k) => k.type === 'ssh-ed25519')!;
      const revoked = await poolWith(`${sshd.knownHostsFor(['127.0.1.1'])}@revoked * ${ed.publicKeyLine}\n`, { accept: true });
      cleanups.push(() => revoked.pool.dispose());
      const r = await revoked.pool.exec(meta({ }), 'true');
      assert.strictEqual(r.outcome, 'host-key-refused');
      assert.match(r.message!, /revoked/i);

      const plain = await poolWith(sshd.knownHostsFor(['127.0.1.1']));
      cleanups.push(() => plain.pool.dispose());
      execFileSync('ssh-keygen', ['-H', '-f', plain.knownHostsFile], { stdio: 'ignore' });
      assert.match(readFileSync(plain.knownHostsFile, 'utf8'), /^\|1\|/);
      const hashed = await poolWith(readFileSync(plain.knownHostsFile, 'utf8'));
      cleanups.push(() => hashed.pool.dispose());
      assert.strictEqual((await hashed.pool.exec(meta(), 'true')).outcome, 'ok');
    });
  });

  describe('exec', () => {
    // Unique durations tell this run's sleeps apart; "[s]leep" keeps pgrep from matching itself.
    const tag = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
    const sleep = (n: number) => `sleep ${n}.${tag}`;
    const remoteSleepers = async (p: Awaited<ReturnType<typeof pool>>['pool'], command: string) =>
      (await p.exec(meta(), `pgrep -f -- '[${command[0]}]${command.slice(1)}' || true`)).stdout.trim();

    it('cancel stops the remote process, not just the channel', async () => {
      const { pool: p } = await pool();
      const abort = new AbortController();
      const running = p.exec(meta(), `${sleep(301)} | cat`);
      const cancelled = p.exec(meta(), sleep(302), { signal: abort.signal });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.notStrictEqual(await remoteSleepers(p, sleep(302)), '', 'the remote sleep is running');
      abort.abort();
      const r = await cancelled;
      assert.strictEqual(r.outcome, 'cancelled');
      assert.strictEqual(await remoteSleepers(p, sleep(302)), '', 'the remote sleep is gone after cancel');
      // A timeout stops a whole pipeline (the process group) the same way.
      const timed = await p.exec(meta(), `${sleep(303)} | cat`, { timeoutMs: 300 });
      assert.strictEqual(timed.outcome, 'timeout');
      assert.strictEqual(await remoteSleepers(p, sleep(303)), '', 'the whole pipeline is gone after a timeout');
      assert.notStrictEqual(await remoteSleepers(p, sleep(301)), '', 'an unrelated command on the same connection keeps running');
      await p.exec(meta(), `pkill -f '[s]leep 301.${tag}' || true`);
      assert.strictEqual((await running).outcome, 'exit');
    });

    it('queues channels when the server allows only 2 sessions: 10 parallel commands all succeed', async () => {
      const limited = await Sshd.start({ maxSessions: 2, hostKeyTypes: ['ed25519'] });
      cleanups.push(() => limited.stop());
      const setup = await poolWith(limited.knownHostsFor(['127.0.1.9']));
      cleanups.push(() => setup.pool.dispose());
      const t = target({ host: '127.0.1.9', port: limited.port, user: user.name, identityFiles: [user.keys.plain] });
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => setup.pool.exec(t, `sleep 0.2; echo ${i}`)));
      assert.deepStrictEqual(results.map((r) => r.outcome), Array(10).fill('ok'), JSON.stringify(results.map((r) => r.message)));
      assert.deepStrictEqual(results.map((r) => r.stdout.trim()), Array.from({ length: 10 }, (_, i) => String(i)));
      assert.strictEqual(setup.pool.size, 1, 'all on one pooled connection');
    });

    it('keeps memory bounded on 500 MB of output, counting what it dropped', async function () {
      this.timeout(180_000);
      const { pool: p } = await pool();
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      let seen = 0;
      const r = await p.exec(meta(), 'head -c 524288000 /dev/zero', {
        maxBufferBytes: 1 << 20,
        onStdout: (chunk) => {
          seen += chunk.length;
          if ((seen & 0xfffffff) < chunk.length) peak = Math.max(peak, process.memoryUsage().rss);
        },
      });
      peak = Math.max(peak, process.memoryUsage().rss);
      assert.strictEqual(r.outcome, 'ok', r.message);
      assert.strictEqual(seen, 524288000);
      assert.strictEqual(r.stdoutDropped, 524288000 - (1 << 20));
      // The head and the last 64 KiB are kept (a failure's reason is at the end); the middle is counted.
      assert.match(r.stdout, /\[… 523239424 more bytes not kept\]\n\0{65536}$/);
      assert.ok(peak - before < 120 * 1024 * 1024, `rss grew by ${((peak - before) / 1048576).toFixed(0)} MB`);
    });

    it('notices a dead host through keepalive and reconnects on the next use after a drop', async () => {
      const { pool: p } = await pool({}, ['127.0.1.7']);
      const t = meta({ host: '127.0.1.7', keepaliveInterval: 1, keepaliveCountMax: 2 });
      assert.strictEqual((await p.exec(t, 'true')).outcome, 'ok');
      const started = Date.now();
      const hung = p.exec(t, 'sleep 30');
      await new Promise((resolve) => setTimeout(resolve, 200));
      sshd.freeze('127.0.1.7');
      try {
        const r = await hung;
        assert.strictEqual(r.outcome, 'unreachable', `${r.outcome}: ${r.message}`);
        assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
      } finally {
        sshd.thaw();
      }
      const again = await p.exec(t, 'echo back');
      assert.strictEqual(again.stdout, 'back\n', again.message);
    });

    it('passes hostile argument values through quoting as literal text', async () => {
      const { pool: p } = await pool();
      const hostile = ['$(touch /tmp/sofa-ops-pwned)', '`id`', "a'b; rm -rf /tmp/x", '*'];
      const r = await p.exec(meta(), commandFromArgv(['printf', '%s\\n', ...hostile]));
      assert.strictEqual(r.stdout, hostile.join('\n') + '\n');
      assert.strictEqual((await p.exec(meta(), 'test -e /tmp/sofa-ops-pwned; echo $?')).stdout, '1\n');
    });
  });

  describe('fan-out', () => {
    it('gives each host its own distinct outcome, groups identical output, and one dead host does not block the rest', async () => {
      const hosts = ['127.0.2.1', '127.0.2.2', '127.0.2.3'];
      const { pool: p } = await pool({}, hosts);
      const ok = hosts.map((h) => meta({ host: h, name: `ok-${h}` }));
      const closed = meta({ host: '127.0.2.4', port: 1, name: 'closed-port' });
      const unknownKey = meta({ host: '127.0.2.5', name: 'unknown-key' });
      const wrongUser = meta({ host: '127.0.2.1', user: 'nobody', name: 'wrong-user' });
      const frozenHost = meta({ host: '127.0.2.6', name: 'hung', connectTimeout: 2 });
      const hungServer = await Sshd.start({ hostKeyTypes: ['ed25519'] });
      cleanups.push(() => hungServer.stop());
      hungServer.freeze();
      const hung = { ...frozenHost, port: hungServer.port };
      const started = Date.now();
      const results = await fanOut(p, [...ok, closed, unknownKey, wrongUser, hung], 'hostname >/dev/null && echo same', { parallel: 8, timeoutMs: 5000 });
      hungServer.thaw();
      const byName = Object.fromEntries(results.map((r) => [r.target.name, r.outcome]));
      assert.deepStrictEqual(byName, {
        'ok-127.0.2.1': 'ok', 'ok-127.0.2.2': 'ok', 'ok-127.0.2.3': 'ok',
        'closed-port': 'unreachable', 'unknown-key': 'host-key-refused', 'wrong-user': 'auth-failed', hung: 'unreachable',
      });
      assert.ok(Date.now() - started < 8000, `fan-out took ${Date.now() - started} ms`);
      const groups = groupResults(results);
      assert.deepStrictEqual(groups[0].hosts, ok.map((t) => t.name));
      assert.strictEqual(groups[0].stdout, 'same\n');
    });
  });

  it('writes the complete output to a file when asked, while memory keeps only the head', async () => {
    const { pool: p } = await pool();
    const file = `${mkdtempSync('/tmp/sofa-ops-full-')}/out.txt`;
    const r = await p.exec(meta(), 'seq 1 200000', { maxBufferBytes: 1000, fullOutputFile: file });
    assert.strictEqual(readFileSync(file, 'utf8').split('\n').length, 200001);
    assert.ok(r.stdout.length < 1100);
    writeFileSync(file, '');
  });
});

describe('ProxyJump through a bastion (network namespaces)', function () {
  it('reaches a host that is not directly reachable, sharing one bastion connection', async () => {
    requireRoot({ netns: true });
    const user = await ensureTestUser();
    const site = await createIsolatedHost({ bastion: { hostKeyTypes: ['ed25519'] }, target: { hostKeyTypes: ['ed25519'] } });
    const setup = await poolWith(site.knownHosts());
    try {
      const bastion = target({ host: site.bastionAddress, port: 22, user: user.name, identityFiles: [user.keys.plain], name: 'bastion' });
      const direct = target({ host: site.targetAddress, port: 22, user: user.name, identityFiles: [user.keys.plain], name: 'direct', connectTimeout: 2 });
      assert.strictEqual((await setup.pool.exec(direct, 'true')).outcome, 'unreachable');
      const viaBastion = { ...direct, name: 'via-bastion', jumps: [bastion] };
      const [a, b] = await Promise.all([setup.pool.exec(viaBastion, 'echo $SSH_CONNECTION'), setup.pool.exec(viaBastion, 'echo second')]);
      assert.strictEqual(a.outcome, 'ok', `${a.message} ${a.stderr} ${a.exitCode}`);
      assert.match(a.stdout, new RegExp(site.targetAddress.replace(/\./g, '\\.')));
      assert.strictEqual(b.stdout, 'second\n');
      assert.strictEqual(setup.pool.size, 2, 'one connection to the bastion, one to the target');
    } finally {
      setup.pool.dispose();
      await site.stop();
    }
  });
});
