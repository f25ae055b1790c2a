/**
 * The CLI's results in Chinese against a real sshd (in-process CLI, `--lang zh`): `run`'s progress
 * lines and Markdown report, `exec`'s per-host results, `logs grep`, and the unknown-host-key
 * messages. A failure names the command and the English words left. What may stay ASCII: ids,
 * hosts, paths, commands, fingerprints and what the hosts print (test/unit/zhWords.ts).
 */
import * as assert from 'assert';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { logsCommand } from '../../../src/cli/logsCommand';
import { main } from '../../../src/cli/main';
import { captureIO } from '../../unit/helpers';
import { assertChinese } from '../../unit/zhWords';
import { inventoryYaml, registryMeta } from '../fixtures/cliSite';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';

const repoRoot = path.resolve(__dirname, '../../..');
const PINNED = ['127.0.8.1', '127.0.8.2'];

describe('zh CLI output against a real sshd (run, exec, logs grep, host keys)', function () {
  this.timeout(60_000);
  let sshd: Sshd;
  let user: TestUser;
  let dir: string;
  let inventory: string;
  let knownHosts: string;
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-zh-cli-'));
    chmodSync(dir, 0o755);
    const logs = path.join(dir, 'logs');
    mkdirSync(logs);
    chmodSync(logs, 0o755);
    writeFileSync(path.join(logs, 'app.log'), '2026-11-02 03:10:05,250 ERROR [main] no available connection\n2026-11-02 03:10:06,000 INFO ok\n');
    chmodSync(path.join(logs, 'app.log'), 0o644);
    inventory = path.join(dir, 'inventory.yaml');
    writeFileSync(inventory, inventoryYaml(sshd, user, registryMeta([{ name: 'registry-meta-1', host: PINNED[0] }, { name: 'registry-meta-2', host: PINNED[1] }, { name: 'fresh-1', host: '127.0.8.3' }])));
    knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsFor(PINNED));
    // The machine's own ~/.ssh and product home stay out of it: fresh-1 is unknown everywhere.
    for (const k of ['HOME', 'SOFA_OPS_HOME', 'SSH_AUTH_SOCK', 'XDG_CACHE_HOME']) saved[k] = process.env[k];
    Object.assign(process.env, { HOME: dir, SOFA_OPS_HOME: path.join(dir, '.sofa-ops'), SSH_AUTH_SOCK: '', XDG_CACHE_HOME: path.join(dir, '.cache') });
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function cli(args: string[]) {
    const io = captureIO();
    const code = await main(['--lang', 'zh', ...args], io, path.join(repoRoot, 'runbooks'));
    return { code, stdout: io.stdout, stderr: io.stderr };
  }
  /** What logsCommand is given by main after `--lang zh`. */
  function zhIO() {
    const io = captureIO();
    io.lang = 'zh';
    return io;
  }
  /** Fingerprints are data (base64 looks like words). */
  const fingerprints = (text: string) => text.match(/SHA256:[A-Za-z0-9+/=]+/g) ?? [];
  /** registry-meta-2 is told apart by the address it was reached on. */
  const onSecond = (then: string, otherwise = ':') => `case "$SSH_CONNECTION" in *"${PINNED[1]} "*) ${then};; *) ${otherwise};; esac`;

  it('sofa-ops exec: each host group, its stderr and the tally', async () => {
    const r = await cli(['exec', '--inventory', inventory, '--known-hosts', knownHosts, '--target', 'registry-meta-1,registry-meta-2', '--', `echo hello; echo oops >&2; ${onSecond('exit 3')}`]);
    assert.strictEqual(r.code, 1, r.stderr);
    assertChinese('sofa-ops exec', r.stdout + r.stderr, ['hello', 'oops']);
    assert.match(r.stdout, /=== registry-meta-1 \(正常\)/);
    assert.match(r.stdout, /=== registry-meta-2 \(退出码 3\)/);
    assert.match(r.stdout, /标准错误：oops/);
    assert.match(r.stdout, /1\/2 台主机正常/);
  });

  it('an unknown host key: refused with its fingerprint and how to accept it, then accepted and recorded with --accept-new', async () => {
    const refused = await cli(['exec', '--inventory', inventory, '--known-hosts', knownHosts, '--target', 'fresh-1', '--', 'true']);
    assert.strictEqual(refused.code, 1);
    const prompt = refused.stderr.split('\n').filter((l) => l.startsWith('sofa-ops：')).join('\n');
    assert.match(prompt, /127\.0\.8\.3\S* 的主机密钥未知：ssh-ed25519 SHA256:\S+。请先核对，然后加上 --accept-new 重新运行/);
    assertChinese('unknown host key', prompt, fingerprints(prompt));
    const accepted = await cli(['exec', '--inventory', inventory, '--known-hosts', knownHosts, '--target', 'fresh-1', '--accept-new', '--', 'true']);
    assert.strictEqual(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stderr, /接受 \S*127\.0\.8\.3\S* 的新 ssh-ed25519 密钥：SHA256:/);
    assert.match(accepted.stderr, /已把 \S*127\.0\.8\.3\S* 的主机密钥记录到 \S+known_hosts:\d+/);
    assertChinese('--accept-new', accepted.stdout + accepted.stderr, fingerprints(accepted.stderr));
  });

  it('sofa-ops run: the progress lines and the Markdown report', async () => {
    const runbook = path.join(dir, 'restart.runbook.md');
    writeFileSync(runbook, `---
title: 重启注册中心
product: registry
---
# 检查

\`\`\`sh {name=check target=registry-meta[0:2] expect="READY" continueOnError}
${onSecond('echo booting', 'echo READY')}
\`\`\`

\`\`\`sh {name=fix target=registry-meta[0:2] when=check.failed confirm}
echo fixed
\`\`\`

\`\`\`sh {name=broken target=registry-meta[0:2]}
exit 4
\`\`\`

\`\`\`sh {name=skipped-step target=registry-meta[0:2]}
echo never
\`\`\`

\`\`\`sh {name=cleanup target=registry-meta[0:2] finally}
echo cleaned
\`\`\`
`);
    const r = await cli(['run', runbook, '--inventory', inventory, '--known-hosts', knownHosts, '--audit', path.join(dir, 'audit.jsonl'), '--yes', '--report', 'md']);
    assert.strictEqual(r.code, 1, r.stderr);
    const names = ['check.failed', 'check', 'fix', 'broken', 'skipped-step', 'cleanup', 'READY', 'booting', 'fixed', 'cleaned'];
    assertChinese('run progress (stderr)', r.stderr, names);
    assertChinese('run report (md)', r.stdout, names);
    assert.match(r.stderr, /▶ fix 在 registry-meta-2 上/);
    assert.match(r.stderr, /在 registry-meta-1 上跳过：when=check\.failed 在 registry-meta-1 上不成立/);
    assert.match(r.stderr, /⏭ skipped-step: 已跳过: 未运行：“broken”失败，运行已停止/);
    assert.match(r.stderr, /失败: 重启注册中心\n$/);
    assert.match(r.stdout, /结果：\*\*失败\*\*/);
  });

  it('sofa-ops logs grep: the matches per host, and a host with none', async () => {
    const io = zhIO();
    const code = await logsCommand(['grep', 'ERROR', '--host', 'registry-meta-1,registry-meta-2', '--log', path.join(dir, 'logs', 'app.log'), '--inventory', inventory, '--known-hosts', knownHosts], io, path.join(repoRoot, 'runbooks'), { cacheDir: null });
    assert.strictEqual(code, 0, io.stderr);
    assertChinese('logs grep', io.stdout + io.stderr, ['no available connection', 'ERROR', 'main']);
    assert.match(io.stdout, /== registry-meta-1: 1 处匹配/);
    const none = zhIO();
    assert.strictEqual(await logsCommand(['grep', 'nothing-here', '--host', 'registry-meta-1', '--log', path.join(dir, 'logs', 'app.log'), '--inventory', inventory, '--known-hosts', knownHosts], none, path.join(repoRoot, 'runbooks'), { cacheDir: null }), 1);
    assert.match(none.stdout, /== registry-meta-1: 0 处匹配，在 \S+app\.log 中/);
    assertChinese('logs grep, no match', none.stdout + none.stderr);
  });
});
