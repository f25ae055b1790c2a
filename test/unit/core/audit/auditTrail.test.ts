import * as assert from 'assert';
import { execFileSync, spawn } from 'child_process';
import { appendFileSync, chmodSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import { anchorFile, readAnchor } from '../../../../src/core/audit/auditAnchor';
import { auditKeyFile, loadAuditKey } from '../../../../src/core/audit/auditKey';
import { type AuditRecord, AuditTrail, digestOutput, hashRecord, verifyAuditTrail } from '../../../../src/core/audit/auditTrail';
import { main } from '../../../../src/cli/main';
import { captureIO, repoRoot, tempTree } from '../../helpers';

/** A trail in a temp workspace, with its own product home (key and anchors) next to it. */
async function trailWith(n: number) {
  const t = tempTree({});
  const file = path.join(t.dir, 'ws', '.sofa-ops', 'audit.jsonl');
  const home = path.join(t.dir, 'home');
  const trail = new AuditTrail(file, 'sre@test', { home });
  for (let i = 1; i <= n; i++) {
    await trail.append({ kind: 'cell', runbook: 'registry/restart.runbook.md', cell: `step-${i}`, command: `echo ${i}`, targets: ['registry-meta-1'], results: [{ host: 'registry-meta-1', outcome: 'ok', exitCode: 0 }], outputDigest: digestOutput(`${i}\n`) });
  }
  const verify = () => verifyAuditTrail(file, { home });
  return { file, home, trail, verify, cleanup: t.cleanup };
}

/** `sofa-ops audit verify` with the product home pointed at `home`. */
async function cliVerify(file: string, home: string) {
  const saved = process.env.SOFA_OPS_HOME;
  process.env.SOFA_OPS_HOME = home;
  try {
    const io = captureIO();
    const code = await main(['audit', 'verify', file], io);
    return { code, ...io };
  } finally {
    if (saved === undefined) delete process.env.SOFA_OPS_HOME;
    else process.env.SOFA_OPS_HOME = saved;
  }
}

const readLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n');
const writeLines = (file: string, lines: string[]) => writeFileSync(file, lines.length ? `${lines.join('\n')}\n` : '');

describe('audit trail', () => {
  it('signs and chains records, anchors the head outside the workspace, and verifies an untouched trail', async () => {
    const { file, home, verify, cleanup } = await trailWith(3);
    try {
      const records = readLines(file).map((l) => JSON.parse(l) as AuditRecord);
      assert.deepStrictEqual(records.map((r) => r.seq), [1, 2, 3]);
      assert.strictEqual(records[1].prev, records[0].hash);
      assert.strictEqual(records[0].who, 'sre@test');
      assert.match(records[0].kid ?? '', /^[0-9a-f]{16}$/);
      const { hash, ...body } = records[0];
      assert.notStrictEqual(hashRecord(body), hash, 'the hash is keyed, not a plain SHA-256 anyone can recompute');
      if (process.platform !== 'win32') {
        assert.strictEqual(statSync(auditKeyFile(home)).mode & 0o777, 0o600);
        assert.strictEqual(statSync(anchorFile(home, file)).mode & 0o777, 0o600);
      }
      const anchor = readAnchor(anchorFile(home, file), loadAuditKey(auditKeyFile(home), false));
      assert.ok(anchor.state === 'ok', JSON.stringify(anchor));
      assert.deepStrictEqual([anchor.anchor.count, anchor.anchor.hash, anchor.damaged], [3, records[2].hash, []]);
      const report = await verify();
      assert.deepStrictEqual([report.ok, report.records, report.problems, report.unkeyed, report.anchor], [true, 3, [], 0, 'ok']);
    } finally {
      cleanup();
    }
  });

  it('detects each kind of tampering: edit, delete-middle, delete-tail, empty, reorder, forged append (6/6)', async () => {
    const { file, verify, cleanup } = await trailWith(4);
    try {
      const lines = readLines(file);
      const last = JSON.parse(lines[3]) as AuditRecord;
      // Forging without the key: the best an editor of the workspace can do is a plain SHA-256,
      // with or without the key id copied from a real record.
      const forgedBody = { kind: 'cell', cell: 'forged', seq: 5, at: last.at, who: 'sre@test', prev: last.hash };
      const forgedPlain = JSON.stringify({ ...forgedBody, hash: hashRecord(forgedBody) });
      const withKid = { ...forgedBody, kid: last.kid };
      const forgedKid = JSON.stringify({ ...withKid, hash: hashRecord(withKid) });
      const kinds: Array<[string, string[], RegExp, number]> = [
        ['edit', [lines[0], lines[1].replace('"exitCode":0', '"exitCode":1'), lines[2], lines[3]], /record 2 was modified/, 2],
        ['delete-middle', [lines[0], lines[2], lines[3]], /record 3 does not follow/, 2],
        ['delete-tail', [lines[0], lines[1]], /ends at record 2, but its head anchor says 4 records were written: record\(s\) 3–4 were removed/, 0],
        ['empty', [], /the trail is empty, but its head anchor says 4 record\(s\) were written/, 0],
        ['reorder', [lines[0], lines[2], lines[1], lines[3]], /record 3 does not follow/, 2],
        ['forged append (unsigned)', [...lines, forgedPlain], /record 5 is not signed but follows signed records/, 5],
        ['forged append (key id copied)', [...lines, forgedKid], /record 5 was modified or made without the audit key/, 5],
      ];
      const detected = new Set<string>();
      for (const [kind, tampered, message, line] of kinds) {
        writeLines(file, tampered);
        const report = await verify();
        assert.strictEqual(report.ok, false, kind);
        const problem = report.problems.find((p) => message.test(p.message));
        assert.ok(problem, `${kind}: ${JSON.stringify(report.problems)}`);
        assert.strictEqual(problem.line, line, kind);
        detected.add(kind.replace(/ \(.*/, ''));
      }
      console.log(`      audit verify: ${detected.size}/6 tamper kinds detected`);
      assert.strictEqual(detected.size, 6);
    } finally {
      cleanup();
    }
  });

  it('detects a trail rewritten with recomputed plain hashes, and one whose anchor was edited', async () => {
    const { file, home, verify, cleanup } = await trailWith(3);
    try {
      const original = readFileSync(file, 'utf8');
      let prev = '0'.repeat(64);
      const rewritten = readLines(file).map((l) => {
        const { hash: _hash, kid: _kid, ...body } = JSON.parse(l) as AuditRecord;
        const record = { ...body, command: 'echo harmless', prev };
        prev = hashRecord(record);
        return JSON.stringify({ ...record, hash: prev });
      });
      writeLines(file, rewritten);
      const report = await verify();
      assert.strictEqual(report.ok, false);
      assert.strictEqual(report.unkeyed, 3);
      assert.match(report.problems.map((p) => p.message).join('\n'), /record 3 is not the record the head anchor names/);

      writeFileSync(file, original);
      const anchor = anchorFile(home, file);
      writeFileSync(anchor, readFileSync(anchor, 'utf8').replace('"count":3', '"count":2'));
      const edited = await verify();
      assert.deepStrictEqual([edited.ok, edited.anchor], [false, 'bad']);
      assert.match(edited.problems[0].message, /head anchor's signature does not match/);
    } finally {
      cleanup();
    }
  });

  it('says a trail written before records were signed is unkeyed, not intact', async () => {
    const t = tempTree({});
    try {
      const file = path.join(t.dir, 'audit.jsonl');
      let prev = '0'.repeat(64);
      const lines = [1, 2].map((seq) => {
        const body = { kind: 'cell', cell: `old-${seq}`, seq, at: '2026-11-01T00:00:00.000Z', who: 'sre@old', prev };
        prev = hashRecord(body);
        return JSON.stringify({ ...body, hash: prev });
      });
      writeLines(file, lines);
      const home = path.join(t.dir, 'home');
      const report = await verifyAuditTrail(file, { home });
      assert.deepStrictEqual([report.ok, report.records, report.unkeyed, report.problems], [false, 2, 2, []]);
      const cli = await cliVerify(file, home);
      assert.strictEqual(cli.code, 1);
      assert.match(cli.stdout, /2 records, UNKEYED: chain consistent but not signed, not proven intact/);
      assert.doesNotMatch(cli.stdout, /chain intact/);
      assert.match(cli.stderr, /2 of 2 record\(s\) are unsigned/);
    } finally {
      t.cleanup();
    }
  });

  it('refuses a key file others can read, naming it, and makes no record', async () => {
    const { file, home, trail, cleanup } = await trailWith(1);
    try {
      const before = readFileSync(file, 'utf8');
      chmodSync(auditKeyFile(home), 0o644);
      const fresh = new AuditTrail(file, 'sre@test', { home });
      await assert.rejects(fresh.append({ kind: 'cell' }), (err: Error) => err.message.includes(`the audit key ${auditKeyFile(home)} is readable or writable by others (mode 644); run: chmod 600`));
      assert.strictEqual(readFileSync(file, 'utf8'), before);
      const cli = await cliVerify(file, home);
      assert.strictEqual(cli.code, 2);
      assert.match(cli.stderr, /^sofa-ops: the audit key .* is readable or writable by others/);
      trail.close();
    } finally {
      cleanup();
    }
  });

  it('accepts records after the anchored head (a writer stopped between record and anchor) with a note', async () => {
    const { file, home, trail, verify, cleanup } = await trailWith(2);
    try {
      const anchor = anchorFile(home, file);
      copyFileSync(anchor, `${anchor}.saved`);
      await trail.append({ kind: 'cell', cell: 'three' });
      copyFileSync(`${anchor}.saved`, anchor);
      const report = await verify();
      assert.deepStrictEqual([report.ok, report.records], [true, 3], JSON.stringify(report.problems));
      assert.match(report.notes[0], /1 record\(s\) after the anchored head \(record 2\)/);
    } finally {
      cleanup();
    }
  });

  it('makes one key when several processes start at once', async function () {
    this.timeout(30_000);
    const t = tempTree({});
    try {
      const home = path.join(t.dir, 'home');
      const file = path.join(t.dir, 'audit.jsonl');
      const script = `require('tsx/cjs');const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
        new AuditTrail(${JSON.stringify(file)},'p'+process.pid,{home:${JSON.stringify(home)}}).append({kind:'cell'}).then(()=>process.exit(0),(e)=>{console.error(e);process.exit(1)});`;
      await Promise.all(Array.from({ length: 4 }, () => new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: 'inherit' });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
      })));
      const report = await verifyAuditTrail(file, { home });
      assert.deepStrictEqual([report.ok, report.records], [true, 4], JSON.stringify(report.problems));
      assert.strictEqual(new Set(readLines(file).map((l) => (JSON.parse(l) as AuditRecord).kid)).size, 1);
    } finally {
      t.cleanup();
    }
  });

  it('reports a truncated last line (killed writer) as such, and the next append starts a new line', async () => {
    const { file, trail, verify, cleanup } = await trailWith(2);
    try {
      appendFileSync(file, '{"kind":"cell","seq":3,"at":"2026');
      const report = await verify();
      assert.deepStrictEqual([report.ok, report.truncatedLastLine, report.problems], [false, true, []]);
      await trail.append({ kind: 'cell', cell: 'after-crash' });
      const after = await verify();
      assert.strictEqual(after.records, 3);
      assert.match(after.problems[0]?.message ?? '', /not a JSON record/, 'the cut line is still visible in the middle of the trail');
    } finally {
      cleanup();
    }
  });

  it('takes over a lock left by a dead writer, and re-creates a trail folder removed while running, showing the gap', async () => {
    const { file, trail, verify, cleanup } = await trailWith(1);
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
      const records = readLines(file).map((l) => JSON.parse(l));
      assert.deepStrictEqual(records.map((r) => [r.seq, r.cell]), [[3, 'folder-removed']], 'the new trail follows the anchored head');
      const report = await verify();
      assert.strictEqual(report.ok, false, 'the removed records stay visible');
      assert.match(report.problems.map((p) => p.message).join('\n'), /expected record 1, found 3/);
    } finally {
      cleanup();
    }
  });

  it('lets another process append while this one keeps appending, and gives the lock back after its last record', async function () {
    this.timeout(20_000);
    const { file, home, trail, verify, cleanup } = await trailWith(1);
    try {
      let others = 'running';
      const script = `require('tsx/cjs');const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
        new AuditTrail(${JSON.stringify(file)},'other',{home:${JSON.stringify(home)}}).append({kind:'cell',cell:'other-process'}).then(()=>process.exit(0),(e)=>{console.error(e);process.exit(1)});`;
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
      const report = await verify();
      assert.deepStrictEqual([report.ok, report.records], [true, mine + 2], JSON.stringify(report.problems));
    } finally {
      cleanup();
    }
  });

  it('verifies consistently while another process keeps appending (no false alarm from a half-seen append)', async function () {
    this.timeout(60_000);
    const { file, home, verify, cleanup } = await trailWith(1);
    try {
      const script = `require('tsx/cjs');const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
        (async()=>{const t=new AuditTrail(${JSON.stringify(file)},'other',{home:${JSON.stringify(home)}});process.stdout.write('go\\n');for(let i=0;i<300;i++)await t.append({kind:'cell',note:'n'+i});})();`;
      const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
      let running = true;
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => ((running = false), resolve(code))));
      await new Promise((resolve) => child.stdout!.once('data', resolve));
      let checks = 0;
      while (running) {
        const report = await verify();
        assert.strictEqual(report.ok, true, JSON.stringify(report.problems));
        checks++;
      }
      assert.strictEqual(await exited, 0);
      const final = await verify();
      assert.deepStrictEqual([final.ok, final.records, checks > 0], [true, 301, true]);
    } finally {
      cleanup();
    }
  });

  it('chains onto what another writer appended since this one last wrote', async () => {
    const { file, home, trail, verify, cleanup } = await trailWith(2);
    try {
      const other = new AuditTrail(file, 'other@test', { home });
      await other.append({ kind: 'cell', cell: 'from-another-window' });
      await trail.append({ kind: 'cell', cell: 'back-here' });
      const report = await verify();
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
      const home = path.join(t.dir, 'home');
      const script = `require('tsx/cjs');const {AuditTrail}=require(${JSON.stringify(path.join(repoRoot, 'src/core/audit/auditTrail.ts'))});
        (async()=>{const t=new AuditTrail(${JSON.stringify(file)},'p'+process.pid,{home:${JSON.stringify(home)}});for(let i=0;i<25;i++)await t.append({kind:'cell',note:'x'.repeat(5000)});})();`;
      const runs = Array.from({ length: 4 }, () => new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['-e', script], { cwd: repoRoot, stdio: 'inherit' });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
      }));
      await Promise.all(runs);
      const report = await verifyAuditTrail(file, { home });
      assert.deepStrictEqual([report.ok, report.records], [true, 100], JSON.stringify(report.problems.slice(0, 3)));
      assert.strictEqual(execFileSync('wc', ['-l', file], { encoding: 'utf8' }).trim().split(' ')[0], '100');
    } finally {
      t.cleanup();
    }
  });
});

describe('sofa-ops audit verify', () => {
  it('exits 0 for an intact trail and 1 with file:line for a tampered one', async () => {
    const { file, home, cleanup } = await trailWith(2);
    try {
      const ok = await cliVerify(file, home);
      assert.strictEqual(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /2 records, chain intact \(signed, head anchored\)/);
      writeFileSync(file, readFileSync(file, 'utf8').replace('echo 2', 'echo 3'));
      const bad = await cliVerify(file, home);
      assert.strictEqual(bad.code, 1);
      assert.ok(bad.stderr.includes(`${file}:2: record 2 was modified`), bad.stderr);
      writeFileSync(file, '');
      const emptied = await cliVerify(file, home);
      assert.strictEqual(emptied.code, 1);
      assert.ok(emptied.stderr.includes(`${file}: the trail is empty, but its head anchor says 2 record(s) were written`), emptied.stderr);
      assert.strictEqual(await main(['audit', 'verify'], captureIO()), 2);
    } finally {
      cleanup();
    }
  });
});
