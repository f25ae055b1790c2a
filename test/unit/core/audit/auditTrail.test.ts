import * as assert from 'assert';
import { execFileSync, spawn } from 'child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import * as path from 'path';
import { AuditTrail, digestOutput, verifyAuditTrail } from '../../../../src/core/audit/auditTrail';
import { main } from '../../../../src/cli/main';
import { captureIO, repoRoot, tempTree } from '../../helpers';

async function trailWith(n: number) {
  const t = tempTree({});
  const file = path.join(t.dir, '.sofa-ops', 'audit.jsonl');
  const trail = new AuditTrail(file, 'sre@test');
  for (let i = 1; i <= n; i++) {
    await trail.append({ kind: 'cell', runbook: 'registry/restart.runbook.md', cell: `step-${i}`, command: `echo ${i}`, targets: ['registry-meta-1'], results: [{ host: 'registry-meta-1', outcome: 'ok', exitCode: 0 }], outputDigest: digestOutput(`${i}\n`) });
  }
  return { file, trail, cleanup: t.cleanup };
}

describe('audit trail', () => {
  it('chains records and verifies an untouched trail', async () => {
    const { file, cleanup } = await trailWith(3);
    try {
      const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepStrictEqual(records.map((r) => r.seq), [1, 2, 3]);
      assert.strictEqual(records[1].prev, records[0].hash);
      assert.strictEqual(records[0].who, 'sre@test');
      assert.deepStrictEqual(await verifyAuditTrail(file), { ok: true, records: 3, problems: [], truncatedLastLine: false });
    } finally {
      cleanup();
    }
  });

  it('catches a modified, a deleted and a swapped record, naming the line', async () => {
    const { file, cleanup } = await trailWith(4);
    try {
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      writeFileSync(file, [lines[0], lines[1].replace('"exitCode":0', '"exitCode":1'), lines[2], lines[3]].join('\n') + '\n');
      assert.match((await verifyAuditTrail(file)).problems[0].message, /record 2 was modified/);
      assert.strictEqual((await verifyAuditTrail(file)).problems[0].line, 2);

      writeFileSync(file, [lines[0], lines[2], lines[3]].join('\n') + '\n');
      const deleted = await verifyAuditTrail(file);
      assert.strictEqual(deleted.ok, false);
      assert.match(deleted.problems[0].message, /record 3 does not follow/);

      writeFileSync(file, [lines[0], lines[2], lines[1], lines[3]].join('\n') + '\n');
      const swapped = await verifyAuditTrail(file);
      assert.strictEqual(swapped.ok, false);
      assert.deepStrictEqual(swapped.problems.map((p) => p.line), [2, 2, 3, 3, 4, 4]);
    } finally {
      cleanup();
    }
  });

  it('reports a truncated last line (killed writer) as such, and the next append starts a new line', async () => {
    const { file, trail, cleanup } = await trailWith(2);
    try {
      appendFileSync(file, '{"kind":"cell","seq":3,"at":"2026');
      const report = await verifyAuditTrail(file);
      assert.deepStrictEqual([report.ok, report.truncatedLastLine, report.problems], [false, true, []]);
      await trail.append({ kind: 'cell', cell: 'after-crash' });
      const after = await verifyAuditTrail(file);
      assert.strictEqual(after.records, 3);
      assert.match(after.problems[0]?.message ?? '', /not a JSON record/, 'the cut line is still visible in the middle of the trail');
    } finally {
      cleanup();
    }
  });

  it('takes over a lock left by a dead writer, and re-creates a trail folder removed while running', async () => {
    const { file, trail, cleanup } = await trailWith(1);
    try {
      // A writer killed while holding the lock: its pid is gone, so the lock is stale.
      const dead = spawn(process.execPath, ['-e', '']);
      const deadPid = await new Promise<number>((resolve) => dead.on('exit', () => resolve(dead.pid!)));
      writeFileSync(`${file}.lock`, String(deadPid));
      await trail.append({ kind: 'cell', cell: 'after-dead-writer' });
      trail.close();
      assert.ok(!existsSync(`${file}.lock`), 'the lock is given back');

      rmSync(path.dirname(file), { recursive: true });
      await trail.append({ kind: 'cell', cell: 'folder-removed' });
      const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepStrictEqual(records.map((r) => [r.seq, r.cell]), [[1, 'folder-removed']], 'a new trail starts at record 1');
      assert.strictEqual((await verifyAuditTrail(file)).ok, true);
    } finally {
      cleanup();
    }
  });

  it('lets another process append while this one keeps appending, and gives the lock back after its last record', async function () {
    this.timeout(20_000);
    const { file, trail, cleanup } = await trailWith(1);
    try {
      let others = 'running';
      const script = `require('tsx/cjs');const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
        new AuditTrail(${JSON.stringify(file)},'other').append({kind:'cell',cell:'other-process'}).then(()=>process.exit(0),(e)=>{console.error(e);process.exit(1)});`;
      const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: 'inherit' });
      child.on('exit', (code) => (others = `exit ${code}`));
      // This process appends a record every few milliseconds until the other one is done: a holder
      // that never let go would keep it waiting until its 30 s limit.
      let mine = 0;
      while (others === 'running') {
        await trail.append({ kind: 'cell', cell: 'this-process' });
        mine++;
        await new Promise((r) => setTimeout(r, 3));
      }
      assert.strictEqual(others, 'exit 0');
      assert.ok(mine > 1);
      const released = await new Promise<boolean>((resolve) => {
        const started = Date.now();
        const poll = () => (!existsSync(`${file}.lock`) ? resolve(true) : Date.now() - started > 2000 ? resolve(false) : setTimeout(poll, 10));
        poll();
      });
      assert.ok(released, 'the lock is given back without close()');
      const report = await verifyAuditTrail(file);
      assert.deepStrictEqual([report.ok, report.records], [true, mine + 2], JSON.stringify(report.problems));
    } finally {
      cleanup();
    }
  });

  it('chains onto what another writer appended since this one last wrote', async () => {
    const { file, trail, cleanup } = await trailWith(2);
    try {
      const other = new AuditTrail(file, 'other@test');
      await other.append({ kind: 'cell', cell: 'from-another-window' });
      await trail.append({ kind: 'cell', cell: 'back-here' });
      const report = await verifyAuditTrail(file);
      assert.deepStrictEqual([report.ok, report.records], [true, 4], JSON.stringify(report.problems));
    } finally {
      cleanup();
    }
  });

  it('keeps one unbroken chain when several processes append at once', async function () {
    this.timeout(30_000);
    const t = tempTree({});
    try {
      const file = path.join(t.dir, 'audit.jsonl');
      const script = `require('tsx/cjs');const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
        (async()=>{const t=new AuditTrail(${JSON.stringify(file)},'p'+process.pid);for(let i=0;i<25;i++)await t.append({kind:'cell',note:'x'.repeat(5000)});})();`;
      const runs = Array.from({ length: 4 }, () => new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: 'inherit' });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
      }));
      await Promise.all(runs);
      const report = await verifyAuditTrail(file);
      assert.deepStrictEqual([report.ok, report.records], [true, 100], JSON.stringify(report.problems.slice(0, 3)));
      assert.strictEqual(execFileSync('wc', ['-l', file], { encoding: 'utf8' }).trim().split(' ')[0], '100');
    } finally {
      t.cleanup();
    }
  });
});

describe('sofa-ops audit verify', () => {
  it('exits 0 for an intact trail and 1 with file:line for a tampered one', async () => {
    const { file, cleanup } = await trailWith(2);
    try {
      const ok = captureIO();
      assert.strictEqual(await main(['audit', 'verify', file], ok), 0);
      assert.match(ok.stdout, /2 records, chain intact/);
      writeFileSync(file, readFileSync(file, 'utf8').replace('echo 2', 'echo 3'));
      const bad = captureIO();
      assert.strictEqual(await main(['audit', 'verify', file], bad), 1);
      assert.ok(bad.stderr.includes(`${file}:2: record 2 was modified`), bad.stderr);
      assert.strictEqual(await main(['audit', 'verify'], captureIO()), 2);
    } finally {
      cleanup();
    }
  });
});
