/**
 * The runner under faults, with fake SSH: `expect` over the whole stream (a marker after 500 MB),
 * failure messages that name `{{token}}` and never its value, an audit trail that cannot be
 * written (nothing runs) or breaks mid-run (finally still runs, the run fails and says why).
 */
import * as assert from 'assert';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { setFlagsFromString } from 'v8';
import { runInNewContext } from 'vm';
import { AuditTrail, type AuditEvent, type AuditRecord } from '../../../../src/core/audit/auditTrail';
import { checkExpectation, expectationMatcher, parseExpectation, type Expectation } from '../../../../src/core/runbook/expectation';
import { renderReport } from '../../../../src/core/runbook/runReport';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { AuditUnavailableError, runRunbook, type HostOutcome, type RunHooks } from '../../../../src/core/runbook/runbookRunner';

const CANARY = 'canary-Xq7-unit-secret';

/** A full collection, so heapUsed counts what is kept rather than garbage not yet collected. */
function collectedHeap(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

function expectation(text: string): Expectation {
  const { expectation: e, error } = parseExpectation(text);
  assert.strictEqual(error, undefined);
  return e!;
}

/** Every way of cutting `text` in two pieces (and in single characters) must give the same verdict. */
function verdictsOverSplits(e: Expectation, text: string, window?: number): boolean[] {
  const out: boolean[] = [];
  for (let cut = 0; cut <= text.length; cut++) {
    const m = expectationMatcher(e, undefined, { window });
    m.push(text.slice(0, cut));
    m.push(text.slice(cut));
    out.push(m.result().ok);
  }
  const bytewise = expectationMatcher(e, undefined, { window });
  for (const ch of text) bytewise.push(ch);
  out.push(bytewise.result().ok);
  return out;
}

describe('expect over the whole stream', () => {
  it('finds a substring across every chunk boundary', () => {
    assert.ok(verdictsOverSplits(expectation('READY now'), 'booting… READY now, serving').every(Boolean));
    assert.ok(verdictsOverSplits(expectation('READY now'), 'booting… READY no, serving').every((v) => !v));
  });

  it('keeps regex semantics across boundaries and window slides (^, $, m flag, lookbehind of one character)', () => {
    const w = 12; // a tiny window (longer than each match) makes the slide happen inside these short texts
    const long = 'x'.repeat(60);
    assert.ok(verdictsOverSplits(expectation('/status=UP/'), `${long}status=UP${long}`, w).every(Boolean), 'a match across a slide');
    assert.ok(verdictsOverSplits(expectation('/^boot/'), `boot${long}`, w).every(Boolean), '^ is the stream start');
    assert.ok(verdictsOverSplits(expectation('/^x/'), `${long}x`, w).every(Boolean), '^x at the start');
    assert.ok(verdictsOverSplits(expectation('/^UP/'), `${long}UP`, w).every((v) => !v), '^ without m does not match after the start');
    assert.ok(verdictsOverSplits(expectation('/^UP$/m'), `${long}\nUP\n${long}`, w).every(Boolean), '^…$ with m on a later line');
    assert.ok(verdictsOverSplits(expectation('/done$/'), `done${long}`, w).every((v) => !v), '$ without m is the stream end');
    assert.ok(verdictsOverSplits(expectation('/done$/'), `${long}done`, w).every(Boolean));
    assert.ok(verdictsOverSplits(expectation('/(?<=a)UP/'), `${long}aUP${long}`, w).every(Boolean), 'one character of lookbehind');
  });

  it('sees a marker printed after 500 MB of output, in bounded memory', function () {
    this.timeout(120_000); // reads 1.5 GB of text: generous so a busy machine does not fail it
    // 500 pushes of one 1 MiB string: the matcher must neither stop reading nor keep it all.
    const chunk = 'x'.repeat(1 << 20);
    for (const text of ['MARKER-7f3', '/MARKER-\\w+/', '$.state==done']) {
      const m = expectationMatcher(expectation(text));
      const before = collectedHeap();
      let grown = 0;
      for (let i = 0; i < 500; i++) {
        m.push(chunk);
        // What the matcher keeps, measured after a collection every 100 MiB (not how fast GC runs).
        if (i % 100 === 99) grown = Math.max(grown, collectedHeap() - before);
      }
      m.push(text.startsWith('$') ? '' : '\nMARKER-7f3\n');
      grown = Math.max(grown, collectedHeap() - before);
      const verdict = m.result();
      if (text.startsWith('$')) {
        // JSON needs the whole document: refused with a reason beyond its documented limit, never a crash.
        assert.strictEqual(verdict.ok, false);
        assert.match(verdict.detail, /larger than 16 MiB/);
      } else {
        assert.ok(verdict.ok, `${text}: ${verdict.detail}`);
      }
      assert.ok(grown < 64 << 20, `${text}: heap grew by ${(grown / 1048576).toFixed(0)} MiB`);
    }
  });

  it('names the expectation as written, not the value that filled it', () => {
    assert.strictEqual(checkExpectation(expectation(CANARY), 'nothing', '{{token}}').detail, 'expected "{{token}}" in the output, found: nothing');
    assert.strictEqual(checkExpectation(expectation(`/${CANARY}/`), 'nothing', '/{{token}}/').detail, 'expected output matching /{{token}}/, found: nothing');
    // A regex made invalid by a value: the error does not repeat the pattern.
    const bad = parseExpectation(`/${CANARY}(/`);
    assert.ok(bad.error && !bad.error.includes(CANARY), bad.error);
  });
});

const RUNBOOK = `---
title: Faults
product: registry
parameters:
  token: { type: string, secret: true }
---
# Steps

\`\`\`sh {name=first target=app expect="{{token}}"}
echo hello
\`\`\`

\`\`\`sh {name=second target=app expect=/MARKER/ continueOnError}
big
\`\`\`

\`\`\`sh {name=cleanup target=app finally}
cleanup
\`\`\`
`;

/** Fake SSH: stdout per command, streamed in pieces through onOutput; `kept` is what the result holds. */
function hooks(outputs: Record<string, string[]>, ran: string[]): RunHooks {
  return {
    resolveTargets: () => ['app'],
    async execute({ cell, hosts, onOutput }) {
      const key = cell.options.name!;
      ran.push(key);
      const pieces = outputs[key] ?? [''];
      for (const p of pieces) onOutput('app', 'stdout', p);
      // What an executor keeps is capped: the result's stdout is only the first piece.
      return hosts.map((host): HostOutcome => ({ host, outcome: 'ok', exitCode: 0, stdout: pieces[0], stderr: '', durationMs: 1 }));
    },
    confirm: async () => true,
    manual: async () => true,
  };
}

describe('runner: secrets in expect, streamed expect, audit faults', () => {
  const { runbook } = parseRunbook(RUNBOOK, 'faults.runbook.md');
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-faults-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a failing expect that uses a secret names {{token}} in the result, reports and audit, never the value', async () => {
    const ran: string[] = [];
    const trail = new AuditTrail(path.join(dir, 'audit.jsonl'));
    const result = await runRunbook(runbook, hooks({ first: [`hello, ${CANARY.slice(0, 5)}`], second: ['a'.repeat(3 << 20), 'tail MARKER'], cleanup: ['ok'] }, ran), { params: { token: CANARY }, audit: trail });
    trail.close();
    assert.strictEqual(result.ok, false);
    assert.deepStrictEqual(ran, ['first', 'cleanup']);
    assert.match(result.cells[0].message!, /expected "\{\{token\}\}" in the output, found: /);
    const everything = [JSON.stringify(result), ...(['md', 'junit', 'json'] as const).map((f) => renderReport(f, 'Faults', result)), require('fs').readFileSync(path.join(dir, 'audit.jsonl'), 'utf8') as string];
    for (const text of everything) assert.ok(!text.includes(CANARY), `the secret leaked:\n${text.slice(0, 400)}`);
  });

  it('checks expect on the whole streamed output, not on the capped copy', async () => {
    const ran: string[] = [];
    const result = await runRunbook(runbook, hooks({ first: ['x', `…${CANARY}…`], second: ['a'.repeat(3 << 20), 'tail MARK', 'ER'], cleanup: ['ok'] }, ran), { params: { token: CANARY } });
    assert.deepStrictEqual(result.cells.map((c) => [c.name, c.status]), [['first', 'ok'], ['second', 'ok'], ['cleanup', 'ok']]);
    assert.strictEqual(result.ok, true);
  });

  it('redacts live output even when a secret is split across chunks, at every split point', async () => {
    const full = `before ${CANARY} middle ${JSON.stringify(CANARY).slice(1, -1)} after\n`;
    for (let cut = 1; cut < full.length; cut++) {
      let live = '';
      const h = hooks({ first: [full.slice(0, cut), full.slice(cut)], second: ['MARKER'], cleanup: ['ok'] }, []);
      h.onOutput = (_i, _host, stream, text) => {
        if (stream === 'stdout') live += text;
      };
      await runRunbook(runbook, h, { params: { token: CANARY }, only: [runbook.cells.findIndex((c) => c.kind === 'code' && c.options.name === 'first')] });
      assert.strictEqual(live, 'before *** middle *** after\n', `cut at ${cut}`);
    }
  });

  it('refuses to start when the audit trail cannot be written: no cell runs', async () => {
    const ran: string[] = [];
    // The trail path is a directory.
    const trail = new AuditTrail(dir);
    await assert.rejects(runRunbook(runbook, hooks({}, ran), { params: { token: CANARY }, audit: trail }), (err: unknown) => {
      assert.ok(err instanceof AuditUnavailableError);
      assert.match(err.message, /cannot be written \(it is a directory\); nothing was run$/);
      return true;
    });
    trail.close();
    assert.deepStrictEqual(ran, []);
  });

  it('keeps running finally when the trail breaks mid-run, and fails the run with the reasons', async () => {
    const ran: string[] = [];
    const records: AuditEvent[] = [];
    // A trail that works for the preflight and the first cell, then reports a full disk.
    const breaking = {
      file: '/var/audit.jsonl',
      async append(event: AuditEvent): Promise<AuditRecord> {
        if (records.length >= 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        records.push(event);
        return event as AuditRecord;
      },
    } as unknown as AuditTrail;
    const result = await runRunbook(runbook, hooks({ first: [CANARY], second: ['MARKER'], cleanup: ['ok'] }, ran), { params: { token: CANARY }, audit: breaking });
    assert.deepStrictEqual(ran, ['first', 'second', 'cleanup']);
    assert.deepStrictEqual(records.map((r) => r.kind), ['run-start', 'cell']);
    assert.strictEqual(result.ok, false);
    assert.deepStrictEqual(result.auditErrors, ['second: no space left on the device', 'cleanup: no space left on the device']);
    assert.match(renderReport('md', 'Faults', result), /Audit trail incomplete[\s\S]*second: no space left/);
    assert.match(renderReport('junit', 'Faults', result), /<testcase [^>]*name="audit trail"[^>]*><failure message="2 audit record\(s\) could not be written"/);
  });
});
