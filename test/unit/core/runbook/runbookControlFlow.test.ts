/**
 * Runbook control flow: when= per host, gated cleanup (after=), mode: check, and their diagnostics,
 * on the shipped runbooks with a scripted executor (the demo-site test drives the same over SSH).
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import * as path from 'path';
import { evaluateCondition, parseCondition, type HostView } from '../../../../src/core/runbook/cellCondition';
import type { CodeCell } from '../../../../src/core/runbook/runbookFormat';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { serializeRunbook } from '../../../../src/core/runbook/runbookSerializer';
import { runRunbook, type HostOutcome, type RunHooks } from '../../../../src/core/runbook/runbookRunner';

const ROOT = path.resolve(__dirname, '../../../..');
const HOSTS: Record<string, string[]> = {
  'registry-meta': ['registry-meta-1', 'registry-meta-2', 'registry-meta-3'],
  'registry-meta[0]': ['registry-meta-1'],
  'registry-data': ['registry-data-1', 'registry-data-2'],
  'registry-session': ['registry-session-1'],
};

/** Each executed command per host; `answer` scripts stdout/exit per host and command. */
function scripted(answer: (host: string, command: string) => { stdout: string; exitCode?: number }) {
  const ran: Array<{ cell: string; hosts: string[]; command: string }> = [];
  const hooks: RunHooks = {
    resolveTargets: (s) => HOSTS[s] ?? [s],
    execute: async ({ cell, command, hosts }) => {
      ran.push({ cell: cell.options.name ?? '', hosts, command });
      return hosts.map((host): HostOutcome => {
        const a = answer(host, command);
        const exitCode = a.exitCode ?? 0;
        return { host, outcome: exitCode === 0 ? 'ok' : 'failed', exitCode, stdout: a.stdout, stderr: '', durationMs: 1 };
      });
    },
    confirm: async () => true,
    manual: async () => true,
  };
  return { ran, hooks };
}

const load = (rel: string) => {
  const file = path.join(ROOT, 'runbooks', rel);
  const { runbook, problems } = parseRunbook(readFileSync(file, 'utf8'), file);
  assert.deepStrictEqual(problems, []);
  return runbook;
};

describe('runbook control flow', () => {
  it('restarts only the abnormal meta node (fault on one of three)', async () => {
    const { ran, hooks } = scripted((host, cmd) => (cmd.includes('health/check') ? { stdout: host === 'registry-meta-2' ? '{"success":false,"message":"raftStatus:Candidate"}' : '{"success":true}' } : { stdout: `${host} is abnormal` }));
    const result = await runRunbook(load('registry/restart-abnormal-meta.runbook.md'), hooks);
    assert.deepStrictEqual(ran.map((r) => [r.cell, r.hosts]), [
      ['check-health', ['registry-meta-1', 'registry-meta-2', 'registry-meta-3']],
      ['abnormal-node', ['registry-meta-2']],
      ['recheck-health', ['registry-meta-2']],
    ]);
    const abnormal = result.cells.find((c) => c.name === 'abnormal-node')!;
    assert.deepStrictEqual(abnormal.skippedHosts?.map((h) => h.host), ['registry-meta-1', 'registry-meta-3']);
    assert.match(abnormal.skippedHosts![0].reason, /when=check-health\.failed does not hold on registry-meta-1/);
    // check-health failed on one host but is continueOnError; the recheck also failed (scripted): the run fails.
    assert.strictEqual(result.ok, false);
  });

  it('skips the restart everywhere, and passes, when every node is healthy', async () => {
    const { ran, hooks } = scripted(() => ({ stdout: '{"success":true}' }));
    const result = await runRunbook(load('registry/restart-abnormal-meta.runbook.md'), hooks);
    assert.deepStrictEqual(ran.map((r) => r.cell), ['check-health']);
    const skipped = result.cells.filter((c) => c.status === 'skipped').map((c) => [c.name, c.skip?.by]);
    assert.deepStrictEqual(skipped, [['abnormal-node', 'when'], ['recheck-health', 'when']]);
    assert.strictEqual(result.ok, true);
  });

  it('upgrade with a failing verification leaves push closed and says why', async () => {
    const { ran, hooks } = scripted((host, cmd) => {
      if (cmd.includes('9622/health/check')) return { stdout: host === 'registry-data-2' ? '{"success":false}' : '{"success":true}' };
      if (cmd.includes('pushSwitch')) return { stdout: '{"pushSwitch":"closed"}' };
      return { stdout: '{"success":true}' };
    });
    const result = await runRunbook(load('registry/version-upgrade.runbook.md'), hooks, { params: { ticket: 'CHG-1' } });
    assert.strictEqual(result.ok, false);
    assert.ok(!ran.some((r) => r.command.includes('stopPushDataSwitch/close')), 'push must not be reopened');
    const reopen = result.cells.find((c) => c.name === 'reopen-push')!;
    assert.strictEqual(reopen.status, 'skipped');
    assert.match(reopen.message!, /^push stays closed .*not run because .*"data-health" failed \(registry-data-2: expected success: true in the JSON output, found false\)/);
    assert.match(result.cells.find((c) => c.name === 'verify-open')!.message!, /push was not reopened.*"reopen-push" was skipped/);
  });

  it('upgrade that passes every check reopens push', async () => {
    const { ran, hooks } = scripted((_h, cmd) => ({ stdout: cmd.includes('pushSwitch') ? `{"pushSwitch":"${ran.some((r) => r.command.includes('stopPushDataSwitch/close')) ? 'open' : 'closed'}"}` : '{"success":true}' }));
    const result = await runRunbook(load('registry/version-upgrade.runbook.md'), hooks, { params: { ticket: 'CHG-1' } });
    assert.strictEqual(result.ok, true, JSON.stringify(result.cells.map((c) => [c.name, c.status, c.message])));
    assert.ok(ran.some((r) => r.cell === 'reopen-push'));
  });

  it('mode: check runs every check on every host after a failure', async () => {
    const text = '---\ntitle: t\nproduct: registry\nmode: check\n---\n\n```sh {name=a target=registry-meta expect=OK}\necho\n```\n\n```sh {name=b target=registry-data}\necho\n```\n';
    const { runbook } = parseRunbook(text, 'x.runbook.md');
    const { ran, hooks } = scripted((host) => ({ stdout: host === 'registry-meta-1' ? 'DOWN' : 'OK' }));
    const result = await runRunbook(runbook, hooks);
    assert.deepStrictEqual(ran.map((r) => r.cell), ['a', 'b']);
    assert.strictEqual(result.ok, false);
    const change = parseRunbook(text.replace('mode: check\n', ''), 'x.runbook.md').runbook;
    const second = scripted((host) => ({ stdout: host === 'registry-meta-1' ? 'DOWN' : 'OK' }));
    const stopped = await runRunbook(change, second.hooks);
    assert.deepStrictEqual(second.ran.map((r) => r.cell), ['a']);
    assert.match(stopped.cells[1].skip!.reason, /"a" failed and stopped the run/);
  });

  it('reports unknown, later and self references and bad syntax at the fence line', () => {
    const text = [
      '```sh {name=a target=x when=nope.failed}', 'true', '```', '',
      '```sh {name=b target=x when=c.ok}', 'true', '```', '',
      '```sh {name=c target=x when="a.exit !="}', 'true', '```', '',
      '```sh {name=d target=x after=d}', 'true', '```', '',
      '```sh {name=e target=x after=a finally}', 'true', '```', '',
      '```sh {name=f target=x otherwise=x}', 'true', '```', '',
      '```sh {name=g target=x when="a.out > 3"}', 'true', '```', '',
    ].join('\n');
    const { problems } = parseRunbook(text, 'r.runbook.md');
    const got = problems.map((p) => `${p.line}: ${p.message}`);
    assert.match(got[0], /^1: when=: no earlier cell is named "nope" \(earlier cells: none/);
    assert.match(got[1], /^5: when=: no earlier cell is named "c" \(earlier cells: a\)/);
    assert.match(got[2], /^9: .*a\.exit != needs a value/);
    assert.match(got[3], /^13: after=: "d" is this cell itself/);
    assert.match(got[4], /^17: finally runs always and after= runs only/);
    assert.match(got[5], /^21: otherwise= says what a skipped after= cell means/);
    assert.match(got[6], /^25: .*is text: compare it with ==, != or contains/);
    assert.strictEqual(got.length, 7);
  });

  it('evaluates and/or/not, comparisons and regexes per host without eval', () => {
    const view: HostView = { ok: false, failed: true, skipped: false, expect: false, exit: 7, out: 'raftStatus:Candidate', err: '', outcome: 'failed' };
    const cases: Array<[string, boolean]> = [
      ['m.failed', true], ['!m.failed', false], ['not m.ok', true], ['m.exit != 0', true], ['m.exit >= 8', false],
      ['m.out contains "Candidate"', true], ["m.out matches /leader/i", false], ['m.ok or (m.exit == 7 and m.outcome == failed)', true],
      ['m.failed && m.out == "x"', false], ['m.failed == true', true], ['a.b.c.failed', true],
    ];
    for (const [text, want] of cases) {
      const parsed = parseCondition(text);
      assert.ok('condition' in parsed, `${text}: ${JSON.stringify(parsed)}`);
      assert.strictEqual(evaluateCondition(parsed.condition, () => view), want, text);
    }
    for (const bad of ['', 'm', 'm.nope', 'm.out', 'm.exit contains 1', '(m.ok', 'm.ok m.ok', 'm.out matches "x"', 'process.exit()', 'm.out matches /(a+)+$/']) {
      assert.ok('error' in parseCondition(bad), bad);
    }
    // A cell with no exit code on this host (did not run there): no comparison holds.
    const notRun = parseCondition('m.exit != 0') as { condition: never };
    assert.strictEqual(evaluateCondition(notRun.condition, () => ({ ...view, exit: null })), false);
  });

  it('keeps the bytes of new options on save, and writes them canonically on edit', () => {
    const text = "```sh {name=r target=x when='c.out contains \"DOWN\"' after=c,d otherwise=\"push stays closed\"}\ntrue\n```\n";
    const { runbook } = parseRunbook(text, 'r.runbook.md');
    assert.strictEqual(serializeRunbook(runbook), text);
    const cell = runbook.cells[0] as CodeCell;
    assert.strictEqual(cell.options.when, 'c.out contains "DOWN"');
    assert.strictEqual(cell.options.after, 'c,d');
  });
});
