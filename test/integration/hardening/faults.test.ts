/**
 * `finally` under every fault, and a CLI that always exits: the built CLI against real sshds, with
 * the audit trail unwritable (a directory, a full disk, a lock held by a live process), the trail
 * breaking mid-run, a frozen host (sshd session SIGSTOPped), sshd killed mid-run and Ctrl-C.
 * Each run's `finally` cell writes a marker file; every process must exit by itself (the bound
 * below is generous on purpose; the measured time is printed next to the timeout + 5 s target).
 */
import * as assert from 'assert';
import { type ChildProcess, spawn } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { CLI_BIN as bin, cliEnv as env, registryMeta, spawnCli, writeCliSite } from '../fixtures/cliSite';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';

/** Generous: a process that has not exited by then never will. Not a performance margin. */
const EXIT_BOUND_MS = 60_000;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the fault (or the start) to the exit. */
  ms: number;
}

describe('faults: finally always runs and the CLI always exits (built CLI, real sshd)', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let user: TestUser;
  let dir: string;
  const figures: string[] = [];

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-faults-'));
    chmodSync(dir, 0o777);
  });
  after(async () => {
    sshd?.thaw();
    await sshd?.stop();
    if (figures.length) console.log(`      faults: ${figures.join('; ')}`);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh work dir with an inventory (app-1, app-2 on the fixture sshd; extra hosts optional). */
  function workspace(name: string, extra: Array<{ name: string; host: string; port: number; keys: string }> = []): string {
    const w = path.join(dir, name);
    mkdirSync(w, { recursive: true, mode: 0o777 });
    chmodSync(w, 0o777);
    const hosts = [{ name: 'app-1', host: '127.0.7.1' }, { name: 'app-2', host: '127.0.7.2' }, ...extra];
    writeCliSite(w, sshd, user, registryMeta(hosts), extra.map((h) => h.keys).join(''));
    return w;
  }

  /** first (app-1) → second (SECOND_TARGET, its command given) → cleanup (app-2, finally) writing a marker. */
  function runbook(w: string, second: { target: string; command: string; options?: string }): string {
    const file = path.join(w, 'drill.runbook.md');
    writeFileSync(file, `---
title: Fault drill
product: registry
---
# Steps

\`\`\`sh {name=first target=app-1}
touch ${w}/first-ran
\`\`\`

\`\`\`sh {name=second target=${second.target}${second.options ? ` ${second.options}` : ''}}
${second.command}
\`\`\`

\`\`\`sh {name=cleanup target=app-2 finally}
touch ${w}/finally-ran
\`\`\`
`);
    return file;
  }

  /** Spawns the CLI; `fault` runs once `trigger` exists (or at once), then the exit is awaited. */
  async function cli(w: string, args: string[], opts: { trigger?: string; fault?: (child: ChildProcess) => void | Promise<void> } = {}): Promise<Finished> {
    const child = spawn(process.execPath, [bin, ...args], { env: env(w) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    let start = Date.now();
    if (opts.trigger) {
      // Wait for the remote side to say it is there (no sleeps standing in for "long enough").
      let gone = false;
      void exited.then(() => (gone = true));
      while (!existsSync(opts.trigger) && !gone) await new Promise((r) => setTimeout(r, 20));
      assert.ok(!gone, `the CLI exited before ${opts.trigger} appeared:\n${stderr}`);
    }
    if (opts.fault) {
      await opts.fault(child);
      start = Date.now();
    }
    const bound = setTimeout(() => child.kill('SIGKILL'), EXIT_BOUND_MS);
    const { code, signal } = await exited;
    clearTimeout(bound);
    const ms = Date.now() - start;
    assert.notStrictEqual(signal, 'SIGKILL', `the CLI did not exit within ${EXIT_BOUND_MS / 1000} s after the fault:\n${stderr}`);
    return { code, signal, stdout, stderr, ms };
  }

  const runArgs = (w: string, file: string, audit = path.join(w, 'audit.jsonl')) => ['run', file, '--inventory', path.join(w, 'inventory.yaml'), '--known-hosts', path.join(w, 'known_hosts'), '--audit', audit];
  const noStack = (r: Finished) => assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+\)?\n|TypeError|ReferenceError/, `a stack trace:\n${r.stderr}`);

  describe('an audit trail that cannot be written stops the run before any cell', () => {
    const cases: Array<{ kind: string; audit: (w: string) => string; reason: RegExp }> = [
      { kind: 'path is a directory', audit: (w) => { mkdirSync(path.join(w, 'trail')); return path.join(w, 'trail'); }, reason: /it is a directory/ },
      { kind: 'disk full (/dev/full)', audit: () => '/dev/full', reason: /no space left/ },
      {
        kind: 'lock held by a live process',
        audit: (w) => {
          const trail = path.join(w, 'audit.jsonl');
          // The lock's on-disk form (fileLock.ts): a link naming the owner's pid; this test process is alive.
          symlinkSync(String(process.pid), `${trail}.lock`);
          return trail;
        },
        reason: /locked by process \d+/,
      },
    ];
    for (const c of cases) {
      it(`refuses to start: ${c.kind}`, async () => {
        const w = workspace(`audit-${c.kind.replace(/\W+/g, '-')}`);
        const file = runbook(w, { target: 'app-1', command: 'true' });
        const audit = c.audit(w);
        try {
          const r = await cli(w, runArgs(w, file, audit));
          assert.strictEqual(r.code, 2, r.stderr);
          assert.match(r.stderr, /^sofa-ops: the audit trail .* cannot be written \(.*\); nothing was run\n$/m);
          assert.match(r.stderr, c.reason);
          noStack(r);
          assert.strictEqual(r.stderr.trim().split('\n').length, 1, `one line:\n${r.stderr}`);
          assert.ok(!existsSync(path.join(w, 'first-ran')), 'no cell ran');
          figures.push(`audit ${c.kind}: refused, exit 2`);
        } finally {
          if (c.kind.startsWith('lock')) unlinkSync(`${audit}.lock`);
          if (audit === '/dev/full') rmSync('/dev/full.lock', { force: true });
        }
      });
    }
  });

  it('keeps running finally when the audit trail breaks mid-run, and reports it loudly (exit 1)', async () => {
    const w = workspace('audit-mid-run');
    const file = runbook(w, { target: 'app-1', command: `touch ${w}/second-started; while [ ! -e ${w}/go ]; do sleep 0.05; done` });
    const trail = path.join(w, 'audit.jsonl');
    const r = await cli(w, [...runArgs(w, file, trail), '--report', 'json'], {
      trigger: path.join(w, 'second-started'),
      fault: () => {
        // The trail becomes unwritable while a step runs: replaced by a directory.
        unlinkSync(trail);
        mkdirSync(trail);
        writeFileSync(path.join(w, 'go'), '');
      },
    });
    assert.strictEqual(r.code, 1, r.stderr);
    assert.ok(existsSync(path.join(w, 'finally-ran')), `finally did not run:\n${r.stderr}`);
    assert.match(r.stderr, /AUDIT TRAIL INCOMPLETE: 2 record\(s\) could not be written/);
    assert.match(r.stderr, /second: it is a directory/);
    noStack(r);
    const report = JSON.parse(r.stdout) as { ok: boolean; auditErrors: string[]; cells: Array<{ name: string; status: string }> };
    assert.strictEqual(report.ok, false);
    assert.deepStrictEqual(report.cells.map((c) => [c.name, c.status]), [['first', 'ok'], ['second', 'ok'], ['cleanup', 'ok']]);
    assert.strictEqual(report.auditErrors.length, 2);
    figures.push('audit broke mid-run: finally ran, exit 1');
  });

  it('exec --timeout 5 on a frozen host prints the timeout and exits', async () => {
    const w = workspace('exec-frozen');
    try {
      const r = await cli(w, ['exec', '--inventory', path.join(w, 'inventory.yaml'), '--known-hosts', path.join(w, 'known_hosts'), '--target', 'app-1', '--timeout', '5', '--', `touch ${w}/started; sleep 120`], {
        trigger: path.join(w, 'started'),
        fault: () => void sshd.freeze('127.0.7.1'),
      });
      assert.strictEqual(r.code, 1, r.stderr);
      assert.match(r.stdout, /=== app-1 \(timeout\)/);
      assert.match(r.stdout, /0\/1 hosts ok/);
      noStack(r);
      figures.push(`exec frozen: exited ${(r.ms / 1000).toFixed(1)} s after the freeze (target ≤ 5 + 5 s)`);
    } finally {
      sshd.thaw();
    }
  });

  it('run: a step on a frozen host times out, finally runs on the other host, the process exits', async () => {
    const w = workspace('run-frozen');
    const file = runbook(w, { target: 'app-1', command: `touch ${w}/second-started; sleep 120`, options: 'timeout=5' });
    try {
      const r = await cli(w, [...runArgs(w, file), '--report', 'json'], { trigger: path.join(w, 'second-started'), fault: () => void sshd.freeze('127.0.7.1') });
      assert.strictEqual(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as { cells: Array<{ name: string; status: string; hosts: Array<{ outcome: string }> }> };
      assert.deepStrictEqual(report.cells.map((c) => [c.name, c.status]), [['first', 'ok'], ['second', 'failed'], ['cleanup', 'ok']]);
      assert.strictEqual(report.cells[1].hosts[0].outcome, 'timeout');
      assert.ok(existsSync(path.join(w, 'finally-ran')), 'finally ran');
      noStack(r);
      figures.push(`run frozen: finally ran, exited ${(r.ms / 1000).toFixed(1)} s after the freeze (target ≤ 5 + 5 s)`);
    } finally {
      sshd.thaw();
    }
  });

  it('run: sshd killed mid-run, finally runs on the host still up, the process exits', async () => {
    const other = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    try {
      const w = workspace('run-sshd-killed', [{ name: 'doomed', host: '127.0.7.9', port: other.port, keys: other.knownHostsFor(['127.0.7.9']) }]);
      const file = runbook(w, { target: 'doomed', command: `touch ${w}/second-started; sleep 120` });
      const r = await cli(w, [...runArgs(w, file), '--report', 'json'], { trigger: path.join(w, 'second-started'), fault: () => other.stop() });
      assert.strictEqual(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as { cells: Array<{ name: string; status: string; hosts: Array<{ outcome: string }> }> };
      assert.deepStrictEqual(report.cells.map((c) => [c.name, c.status]), [['first', 'ok'], ['second', 'failed'], ['cleanup', 'ok']]);
      assert.strictEqual(report.cells[1].hosts[0].outcome, 'unreachable');
      assert.ok(existsSync(path.join(w, 'finally-ran')), 'finally ran');
      noStack(r);
      figures.push(`sshd killed: finally ran, exited ${(r.ms / 1000).toFixed(1)} s after the kill`);
    } finally {
      await other.stop();
    }
  });

  it('run: Ctrl-C mid-step stops the remote step, runs finally, and exits', async () => {
    const w = workspace('run-sigint');
    const file = runbook(w, { target: 'app-1', command: `touch ${w}/second-started; sleep 120` });
    const r = await cli(w, runArgs(w, file), { trigger: path.join(w, 'second-started'), fault: (child) => void child.kill('SIGINT') });
    assert.strictEqual(r.code, 1, r.stderr);
    assert.match(r.stderr, /cancelling; finally steps still run/);
    assert.ok(existsSync(path.join(w, 'finally-ran')), 'finally ran');
    noStack(r);
    figures.push(`Ctrl-C: finally ran, exited ${(r.ms / 1000).toFixed(1)} s after SIGINT`);
  });
});

describe('faults: inspect on a host that freezes mid-inspection (built CLI, real sshd)', function () {
  this.timeout(180_000);

  it('prints its result and exits', async () => {
    requireRoot();
    const user = await ensureTestUser();
    const dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-faults-inspect-'));
    chmodSync(dir, 0o777);
    const started = path.join(dir, 'started');
    // Every session on this sshd says it is there and then hangs: the host script is in flight when we freeze it.
    const sshd = await Sshd.start({ hostKeyTypes: ['ed25519'], extraConfig: [`ForceCommand touch ${started}; exec sleep 600`] });
    try {
      writeCliSite(dir, sshd, user, registryMeta([{ name: 'meta-1', host: '127.0.7.21' }]));
      const { child, out, exited, started: running } = spawnCli(['inspect', '--inventory', path.join(dir, 'inventory.yaml'), '--known-hosts', path.join(dir, 'known_hosts'), '--component', 'registry-meta'], env(dir));
      assert.ok(await running(started), `inspect ended before its host script started:\n${out.stderr}`);
      sshd.freeze('127.0.7.21');
      const frozenAt = Date.now();
      const bound = setTimeout(() => child.kill('SIGKILL'), 150_000);
      const code = await exited;
      clearTimeout(bound);
      const { stdout, stderr } = out;
      assert.notStrictEqual(code, null, `inspect did not exit by itself:\n${stdout}\n${stderr}`);
      // The port checks answered before the freeze (nothing listens: FAIL); the host script is ERROR.
      assert.strictEqual(code, 1, `${stdout}\n${stderr}`);
      assert.match(stdout, /ERROR registry\/registry-basic-cpu @ meta-1: timeout: timed out after \d+ ms on meta-1/);
      assert.match(stdout, /\d+ error, \d+ manual on 1 hosts in/);
      assert.doesNotMatch(stderr, /\n\s+at .+:\d+:\d+\)?\n/);
      console.log(`      faults: inspect frozen: exited ${((Date.now() - frozenAt) / 1000).toFixed(1)} s after the freeze (its host script limit is ${/timed out after (\d+) ms/.exec(stdout)?.[1] ?? '?'} ms)`);
    } finally {
      sshd.thaw();
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
