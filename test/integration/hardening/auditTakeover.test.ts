/**
 * The audit lock's takeover race (issue 12 item 5): several writers that all find the lock of a
 * dead owner must produce exactly one winner at a time, or the chain forks (two records with the
 * same seq and prev). 500 rounds, each: a fresh dead pid owns the lock, then three long-lived
 * writer processes are released at once and each appends one record. Nothing here is timed: the
 * rounds are paced by the writers' replies, and the proof is the chain itself.
 */
import * as assert from 'assert';
import { type ChildProcess, spawn, spawnSync } from 'child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { type AuditRecord, verifyAuditTrail } from '../../../src/core/audit/auditTrail';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const ROUNDS = 500;
const WRITERS = 3;

/** A writer process: appends one record and gives the lock back each time it reads "go". */
function writer(file: string, home: string): { child: ChildProcess; next: () => Promise<string> } {
  const script = `require('tsx/cjs');
    const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
    const trail=new AuditTrail(${JSON.stringify(file)},'w'+process.pid,{home:${JSON.stringify(home)}});
    const rl=require('readline').createInterface({input:process.stdin});
    rl.on('line',async(line)=>{
      if(line==='exit'){rl.close();return;}
      try{const r=await trail.append({kind:'cell',note:line});trail.close();process.stdout.write('done '+r.seq+'\\n');}
      catch(e){process.stdout.write('error '+String(e&&e.message).replace(/\\n/g,' ')+'\\n');}
    });
    process.stdout.write('ready\\n');`;
  const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w(`exited ${code}`);
  });
  const next = () => (lines.length ? Promise.resolve(lines.shift()!) : new Promise<string>((resolve) => waiting.push(resolve)));
  return { child, next };
}

describe('audit lock takeover (several waiters, dead owner)', function () {
  // Generous: the rounds are paced by replies, not by a clock; this only stops a real hang.
  this.timeout(600_000);

  it(`has exactly one winner per takeover: 0 forks in ${ROUNDS} rounds × ${WRITERS} writers`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-takeover-'));
    const file = path.join(dir, 'audit.jsonl');
    const home = path.join(dir, 'home');
    const writers = Array.from({ length: WRITERS }, () => writer(file, home));
    try {
      for (const w of writers) assert.strictEqual(await w.next(), 'ready');
      const lockFile = `${file}.lock`;
      for (let round = 1; round <= ROUNDS; round++) {
        // A fresh pid that has just exited (and been reaped): the lock's owner is certainly dead.
        const dead = spawnSync('true');
        assert.ok(dead.pid, 'spawned a short-lived process');
        assert.ok(!lstatSync(lockFile, { throwIfNoEntry: false }), `round ${round}: every writer gave the lock back`);
        symlinkSync(String(dead.pid), lockFile);
        for (const w of writers) w.child.stdin!.write(`round ${round}\n`);
        const replies = await Promise.all(writers.map((w) => w.next()));
        for (const reply of replies) assert.match(reply, /^done \d+$/, `round ${round}: ${reply}`);
      }
      for (const w of writers) w.child.stdin!.write('exit\n');
      const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
      const seqs = records.map((r) => r.seq);
      const duplicates = seqs.length - new Set(seqs).size;
      const prevs = records.map((r) => r.prev);
      const forks = prevs.length - new Set(prevs).size;
      const report = await verifyAuditTrail(file, { home });
      console.log(`      takeover: ${ROUNDS} rounds × ${WRITERS} writers, ${records.length} records, ${forks} forks, ${duplicates} duplicate seq, chain ${report.ok ? 'intact' : 'BROKEN'}`);
      assert.deepStrictEqual([forks, duplicates], [0, 0]);
      assert.deepStrictEqual(readdirSync(dir).filter((n) => n.includes('.takeover-')), [], 'no takeover guard left behind');
      assert.deepStrictEqual(seqs, Array.from({ length: ROUNDS * WRITERS }, (_, i) => i + 1));
      assert.deepStrictEqual([report.ok, report.records], [true, ROUNDS * WRITERS], JSON.stringify(report.problems.slice(0, 5)));
    } finally {
      for (const w of writers) w.child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
