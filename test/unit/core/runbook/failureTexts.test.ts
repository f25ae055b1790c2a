/**
 * What a failed step says, wherever it is read (the cell's message, the md/JUnit report, the audit
 * note): what was expected in words and what came back, and never one prefix twice
 * ("failed: failed:", "expect failed: expected …").
 */
import * as assert from 'assert';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { AuditTrail } from '../../../../src/core/audit/auditTrail';
import { renderReport } from '../../../../src/core/runbook/runReport';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { runRunbook, type HostOutcome, type RunHooks } from '../../../../src/core/runbook/runbookRunner';

const RUNBOOK = `---
title: Failure texts
product: registry
---
# Steps

\`\`\`sh {name=health target=app expect="$.success==true" continueOnError}
curl -s localhost:9615/health/check
\`\`\`

\`\`\`sh {name=status target=app expect=/^UP$/m continueOnError}
curl -s localhost:9615/status
\`\`\`

\`\`\`sh {name=listen target=app expect="LISTEN" continueOnError}
ss -ltn
\`\`\`

\`\`\`sh {name=exits target=app continueOnError}
false
\`\`\`
`;

const OUTPUT: Record<string, { stdout: string; exitCode: number }> = {
  health: { stdout: '{"success":false,"message":"raftStatus:Candidate"}\n', exitCode: 0 },
  status: { stdout: 'DOWN\n', exitCode: 0 },
  listen: { stdout: '', exitCode: 0 },
  exits: { stdout: 'failed: no such thing\n', exitCode: 1 },
};

function hooks(): RunHooks {
  return {
    resolveTargets: () => ['app-1', 'app-2'],
    async execute({ cell, hosts, onOutput }) {
      const { stdout, exitCode } = OUTPUT[cell.options.name!];
      return hosts.map((host): HostOutcome => {
        onOutput(host, 'stdout', stdout);
        return { host, outcome: exitCode ? 'failed' : 'ok', exitCode, stdout, stderr: '', durationMs: 1 };
      });
    },
    confirm: async () => true,
    manual: async () => true,
  };
}

/** A word that introduces a failure, said twice in a row (with anything but a new sentence between). */
const DOUBLED = /\b(failed|expect failed|expected)\b:?[^.;\n]{0,40}\b\1\b/i;

describe('failure texts of a runbook run', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-texts-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('say what was expected in words, with what was found, on each host', async () => {
    const { runbook } = parseRunbook(RUNBOOK, 'texts.runbook.md');
    const result = await runRunbook(runbook, hooks(), {});
    const message = (name: string) => result.cells.find((c) => c.name === name)!.message!;
    assert.strictEqual(message('health'), 'app-1: expected success: true in the JSON output, found false; app-2: expected success: true in the JSON output, found false');
    assert.match(message('status'), /^app-1: expected output matching \/\^UP\$\/m, found: DOWN;/);
    assert.match(message('listen'), /^app-1: expected "LISTEN" in the output, found no output;/);
  });

  it('never repeat a prefix in the messages, the reports or the audit', async () => {
    const { runbook } = parseRunbook(RUNBOOK, 'texts.runbook.md');
    const trail = new AuditTrail(path.join(dir, 'audit.jsonl'), 'tester', { home: dir });
    const result = await runRunbook(runbook, hooks(), { audit: trail, runbookName: 'texts.runbook.md' });
    trail.close();
    assert.deepStrictEqual(result.cells.map((c) => c.status), ['failed', 'failed', 'failed', 'failed']);
    const texts = [
      ...result.cells.map((c) => c.message ?? ''),
      renderReport('md', 'Failure texts', result),
      renderReport('junit', 'Failure texts', result),
      ...readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { note?: string }).note ?? '')),
    ];
    for (const text of texts) {
      for (const line of text.split('\n')) assert.doesNotMatch(line, DOUBLED, line);
      assert.doesNotMatch(text, /does not match|did not find .* in stdout/, text);
    }
  });
});
