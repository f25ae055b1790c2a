import * as assert from 'assert';
import { appendFileSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { AuditTrail } from '../../../../src/core/audit/auditTrail';
import { readRunHistory, runHistoryReport } from '../../../../src/core/audit/runHistory';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { runRunbook, type HostOutcome, type RunHooks } from '../../../../src/core/runbook/runbookRunner';

const RUNBOOK = `---
title: History
product: registry
---
# Steps

\`\`\`sh {name=check target=app expect="UP"}
curl -s localhost:9615/status
\`\`\`

\`\`\`sh {name=restart target=app}
systemctl restart registry
\`\`\`
`;

function hooks(status: string): RunHooks {
  return {
    resolveTargets: () => ['app-1', 'app-2'],
    async execute({ hosts, onOutput }) {
      return hosts.map((host): HostOutcome => {
        onOutput(host, 'stdout', status);
        return { host, outcome: 'ok', exitCode: 0, stdout: status, stderr: '', durationMs: 2 };
      });
    },
    confirm: async () => true,
    manual: async () => true,
  };
}

describe('run history from the audit trail', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-history-'));
    file = path.join(dir, 'audit.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(who: string, status: string, name = 'ops/history.runbook.md'): Promise<void> {
    const trail = new AuditTrail(file, who, { home: dir });
    try {
      await runRunbook(parseRunbook(RUNBOOK, 'history.runbook.md').runbook, hooks(status), { audit: trail, runbookName: name });
    } finally {
      trail.close();
    }
  }

  it('lists each run with who, when, hosts and outcome, newest first', async () => {
    await run('alice', 'UP');
    await run('bob', 'DOWN');
    const { runs, problems } = await readRunHistory(file);
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(runs.map((r) => [r.who, r.runbook, r.outcome, r.hosts.join(',')]), [
      ['bob', 'ops/history.runbook.md', 'failed', 'app-1,app-2'],
      ['alice', 'ops/history.runbook.md', 'passed', 'app-1,app-2'],
    ]);
    assert.deepStrictEqual(runs[1].steps.map((s) => [s.name, s.status]), [['check', 'ok'], ['restart', 'ok']]);
    assert.deepStrictEqual(runs[0].steps.map((s) => [s.name, s.status]), [['check', 'failed'], ['restart', 'skipped']]);
    assert.ok(runs[0].startedAt >= runs[1].endedAt);
  });

  it('keeps interleaved runs of two people apart and names a broken line', async () => {
    await run('alice', 'UP', 'a.runbook.md');
    // An interleaving: bob's run starts before alice's next step is written.
    const trail = new AuditTrail(file, 'bob', { home: dir });
    await trail.append({ kind: 'run-start', runbook: 'b.runbook.md', note: '1 cell(s)' });
    trail.close();
    const alice = new AuditTrail(file, 'alice', { home: dir });
    await alice.append({ kind: 'run-start', runbook: 'a.runbook.md', note: '1 cell(s)' });
    await alice.append({ kind: 'cell', runbook: 'a.runbook.md', cell: 'only', targets: ['h1'], results: [{ host: 'h1', outcome: 'ok', exitCode: 0 }], note: 'ok' });
    alice.close();
    appendFileSync(file, '{"kind":"cell","seq":\n');
    const { runs, problems } = await readRunHistory(file);
    assert.deepStrictEqual(runs.map((r) => [r.who, r.runbook, r.outcome, r.steps.length]), [
      ['alice', 'a.runbook.md', 'passed', 1],
      ['bob', 'b.runbook.md', 'incomplete', 0],
      ['alice', 'a.runbook.md', 'passed', 2],
    ]);
    assert.deepStrictEqual(problems, [`${file}:7: not JSON (a truncated or edited line)`]);
  });

  it('no trail yet is no runs', async () => {
    assert.deepStrictEqual(await readRunHistory(path.join(dir, 'missing.jsonl')), { runs: [], problems: [] });
  });

  it('renders a run report with who, hosts, each step and the failure in words, in English and Chinese', async () => {
    await run('bob', 'DOWN');
    const [failed] = (await readRunHistory(file)).runs;
    const en = runHistoryReport(failed, 'en');
    assert.match(en, /^# ops\/history\.runbook\.md\n/);
    assert.match(en, /Result: \*\*failed\*\*/);
    assert.match(en, /Run by bob/);
    assert.match(en, /Hosts: app-1, app-2/);
    assert.match(en, /\| 1 \| check \| ❌ failed \| app-1, app-2 \|/);
    assert.match(en, /> app-1: expected "UP" in the output, found: DOWN/);
    assert.match(en, /```sh\ncurl -s localhost:9615\/status\n```/);
    const zh = runHistoryReport(failed, 'zh');
    assert.match(zh, /结果：\*\*失败\*\*/);
    assert.ok(!/Run by|Hosts:|Result:/.test(zh), zh);
  });
});
