/** `sofa-ops run` as an operator runs it: the built CLI, a runbook file, a real sshd. */
import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { CLI_BIN as bin, cliEnv, registryMeta, writeCliSite } from '../fixtures/cliSite';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';

const CANARY = 'canary-S3cr3t-9f2b';

describe('sofa-ops run (built CLI, real sshd)', function () {
  this.timeout(60_000);
  let sshd: Sshd;
  let user: TestUser;
  let dir: string;
  let state: string;

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-run-'));
    chmodSync(dir, 0o777);
    // The "push switch" lives in a file the remote user can write: closed while we restart.
    state = path.join(dir, 'push-switch');
    writeCliSite(dir, sshd, user, registryMeta([{ name: 'registry-meta-1', host: '127.0.5.1' }, { name: 'registry-meta-2', host: '127.0.5.2' }]));
    writeFileSync(path.join(dir, 'restart.runbook.md'), `---
title: Restart registry meta with push closed
product: registry
parameters:
  node: { type: string, default: registry-meta-1 }
  reason: { type: string, required: true }
  token: { type: string, secret: true }
---
# Close push (7.4.1)

\`\`\`sh {name=close-push target=registry-meta[0] expect="closed"}
echo closed > ${state}; cat ${state}
\`\`\`

# Restart

\`\`\`sh {name=restart target={{node}} confirm}
echo "restarting for {{reason}} with {{token}}"; printf '%s\\n' {{reason}} > ${dir}/reason; test -e ${dir}/fail-restart && exit 7; sleep "$(cat ${dir}/sleep 2>/dev/null || echo 0)"
\`\`\`

\`\`\`sh {name=check-health target=registry-meta expect=/healthy/}
echo healthy
\`\`\`

# Reopen push (7.4.2)

\`\`\`sh {name=open-push target=registry-meta[0] finally}
echo open > ${state}; cat ${state}
\`\`\`

## 回滚

\`\`\`sh {name=rollback-note target=registry-meta[0]}
echo rolled-back > ${dir}/rollback
\`\`\`
`);
  });
  after(() => sshd?.stop());

  const runArgs = () => [bin, 'run', path.join(dir, 'restart.runbook.md'), '--inventory', path.join(dir, 'inventory.yaml'), '--known-hosts', path.join(dir, 'known_hosts'), '--audit', path.join(dir, 'audit.jsonl')];
  function run(args: string[], env: NodeJS.ProcessEnv = {}) {
    return spawnSync(process.execPath, [...runArgs(), ...args], { encoding: 'utf8', env: cliEnv(dir, env) });
  }
  const reset = () => {
    for (const f of ['fail-restart', 'sleep', 'rollback', 'audit.jsonl', 'reason']) spawnSync('rm', ['-f', path.join(dir, f)]);
    writeFileSync(state, 'open\n');
    chmodSync(state, 0o666); // the remote user flips it
  };

  it('runs every step, checks expect, writes a JUnit report and an intact audit trail without the secret', () => {
    reset();
    const r = run(['--param', 'reason=routine', '--yes', '--report', 'junit'], { SOFA_OPS_PARAM_TOKEN: CANARY });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stdout, /<testsuite name="Restart registry meta with push closed" tests="4" failures="0"/);
    assert.strictEqual(readFileSync(state, 'utf8'), 'open\n');
    assert.ok(!existsSync(path.join(dir, 'rollback')), 'the rollback section is not part of a normal run');
    const audit = readFileSync(path.join(dir, 'audit.jsonl'), 'utf8');
    // run-start (the preflight write before any cell) + the 4 cells
    assert.strictEqual(audit.trim().split('\n').length, 5);
    for (const text of [audit, r.stdout, r.stderr]) assert.ok(!text.includes(CANARY), 'the secret leaked');
    assert.match(audit, /restarting for routine with \*\*\*|with \*\*\*/);
    // Verified with the key and anchor of the run's product home.
    assert.strictEqual(spawnSync(process.execPath, [bin, 'audit', 'verify', path.join(dir, 'audit.jsonl')], { env: { ...process.env, SOFA_OPS_HOME: path.join(dir, '.sofa-ops') } }).status, 0);
  });

  it('reopens push when the restart fails, records it, and runs the rollback section when asked', () => {
    reset();
    writeFileSync(path.join(dir, 'fail-restart'), '');
    const r = run(['--param', 'reason=hotfix', '--yes', '--rollback-on-failure', '--report', 'json']);
    assert.strictEqual(r.status, 1);
    const report = JSON.parse(r.stdout) as { ok: boolean; cells: Array<{ name: string; status: string }> };
    assert.deepStrictEqual(report.cells.map((c) => [c.name, c.status]), [
      ['close-push', 'ok'], ['restart', 'failed'], ['check-health', 'skipped'], ['open-push', 'ok'], ['rollback-note', 'ok'],
    ]);
    assert.strictEqual(readFileSync(state, 'utf8'), 'open\n', 'push is open again after the failed restart');
    const audit = readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((a) => a.kind === 'cell');
    assert.deepStrictEqual(audit.map((a) => a.cell), ['close-push', 'restart', 'open-push', 'rollback-note']);
    assert.match(audit[1].note, /^failed: registry-meta-1: exit \(exit 7\)|^failed/);
    assert.strictEqual(readFileSync(path.join(dir, 'rollback'), 'utf8'), 'rolled-back\n');
  });

  it('says why a host was refused in the user\'s language (LANG=zh_CN.UTF-8): a changed host key, with the line to fix', () => {
    reset();
    // Every host pinned to another ed25519 key (the test user's own): what a changed host key looks like.
    const otherKey = readFileSync(`${user.keys.plain}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const changed = path.join(dir, 'changed_known_hosts');
    writeFileSync(changed, readFileSync(path.join(dir, 'known_hosts'), 'utf8').replace(/^(\S+) .*$/gm, `$1 ${otherKey}`));
    const args = runArgs().map((a) => (a === path.join(dir, 'known_hosts') ? changed : a));
    const r = spawnSync(process.execPath, [...args, '--param', 'reason=routine', '--yes'], { encoding: 'utf8', env: cliEnv(dir, { LANG: 'zh_CN.UTF-8', LC_ALL: '' }) });
    assert.strictEqual(r.status, 1, r.stderr);
    assert.match(r.stderr, /\[127\.0\.5\.1\]:\d+ 的主机密钥已变更。.*拒绝连接/);
    assert.ok(r.stderr.includes(`${changed}:1`), r.stderr);
    assert.strictEqual(readFileSync(state, 'utf8'), 'open\n', 'nothing ran');
  });

  it('does not run a confirm step without --yes (no terminal to ask), and still reopens push', () => {
    reset();
    const r = run(['--param', 'reason=x']);
    assert.strictEqual(r.status, 1);
    assert.match(r.stderr, /declined: not confirmed/);
    assert.strictEqual(readFileSync(state, 'utf8'), 'open\n');
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) it(`runs the finally step when cancelled mid-run (${signal})`, async () => {
    reset();
    // A duration no other process on the machine uses, so pgrep finds only this run's remote sleep.
    const duration = `30.${process.pid}${signal === 'SIGINT' ? 1 : 2}`;
    writeFileSync(path.join(dir, 'sleep'), duration);
    const child = spawn(process.execPath, [...runArgs(), '--param', 'reason=x', '--yes'], { env: cliEnv(dir) });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/▶ restart/.test(stderr)) {
          clearInterval(poll);
          setTimeout(resolve, 300);
        }
      }, 50);
    });
    assert.strictEqual(readFileSync(state, 'utf8'), 'closed\n');
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.strictEqual(code, 1);
    assert.match(stderr, /cancelled/);
    assert.strictEqual(readFileSync(state, 'utf8'), 'open\n', 'finally reopened push after the cancel');
    const remote = spawnSync('pgrep', ['-f', `[s]leep ${duration}`], { encoding: 'utf8' });
    assert.strictEqual(remote.stdout.trim(), '', 'the remote sleep was stopped');
  });

  it('keeps hostile parameter values literal, and --dry-run shows each rendered command per host', () => {
    reset();
    const hostile = `$(touch ${dir}/pwned); \`id\` 'quote" *`;
    const r = run(['--param', `reason=${hostile}`, '--yes']);
    assert.strictEqual(r.status, 0, r.stderr);
    assert.strictEqual(readFileSync(path.join(dir, 'reason'), 'utf8'), `${hostile}\n`);
    assert.ok(!existsSync(path.join(dir, 'pwned')));
    const dry = run(['--param', 'reason=planned', '--dry-run'], { SOFA_OPS_PARAM_TOKEN: CANARY });
    assert.strictEqual(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /## check-health\n {2}registry-meta-1\$ echo healthy\n {2}registry-meta-2\$ echo healthy/);
    assert.match(dry.stdout, /## open-push \[finally\]/);
    assert.match(dry.stdout, /## rollback-note \[rollback\]/);
    assert.ok(!dry.stdout.includes(CANARY));
  });

  it('--dry-run exits 2 when a step has no host to run on, and still lists every step', () => {
    const dry = run(['--param', 'reason=planned', '--param', 'node=registry-meta-9', '--dry-run']);
    assert.strictEqual(dry.status, 2, dry.stderr);
    assert.match(dry.stdout, /## restart \[confirm\]\n {2}error: .*registry-meta-9/);
    assert.match(dry.stdout, /## open-push \[finally\]\n {2}registry-meta-1\$ /);
    assert.match(dry.stderr, /dry run: 1 step would not run as written/);
  });

  it('exits 2 naming the parameter when a required one is missing or invalid', () => {
    const r = run([]);
    assert.strictEqual(r.status, 2);
    assert.match(r.stderr, /reason/);
  });
});
