/**
 * The rule model judges what the guide's rules say: an AND of a baseline drop, a window drop and
 * a floor; fewer than N lines a minute; exactly one Leader; two severity levels; consecutive
 * periods; and versions a check does not apply to.
 */
import * as assert from 'assert';
import type { Check, Condition } from '../../../../src/core/catalog/types';
import { judgeHostCount, judgeRule, type HostAnswer } from '../../../../src/core/checks/ruleChecks';
import { historyBaseline, LogWindows, parseHostClock } from '../../../../src/core/checks/ruleInputs';
import { applicability, inRange, judgeCondition } from '../../../../src/core/checks/ruleModel';
import type { Inspection } from '../../../../src/core/checks/types';

const SEND_DROP: Condition = {
  all: [
    { window: '5m', drop: 20, baseline: 'yesterday' },
    { window: '5m', drop: 20, baseline: 'previousWindow', strict: true },
    { window: '5m', op: '>', value: 10 },
  ],
};

/** A host clock at 2026-12-03 12:00:00 UTC+08:00 and log lines at the given seconds before it. */
const NOW = Date.UTC(2026, 11, 3, 4, 0, 0);
const clock = { nowMs: NOW, offsetMinutes: 480 };
function logAt(secondsAgo: number[], text = 'sent'): string {
  return secondsAgo
    .map((s) => {
      const local = new Date(NOW - s * 1000 + 480 * 60_000);
      return `${local.toISOString().slice(0, 19).replace('T', ' ')},123 ${text}`;
    })
    .reverse()
    .join('\n');
}
const range = (from: number, to: number, step: number) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

function windows(text: string, asked = 5000): LogWindows {
  return new LogWindows(text, (l) => l.includes('sent'), clock, asked);
}

describe('the rule model', () => {
  it('reads the host clock and log times in the host\'s own zone', () => {
    assert.deepStrictEqual(parseHostClock('1764734400 +0800\n'), { nowMs: 1764734400000, offsetMinutes: 480 });
    // Two lines read of the two asked for: the tail reaches back 90 s, enough for the last minute only.
    const w = windows(logAt([30, 90]), 2);
    assert.deepStrictEqual(w.count(60_000, 0), { count: 1, complete: true });
    assert.deepStrictEqual(w.count(120_000, 0), { count: 2, complete: false });
    assert.strictEqual(w.count(60_000, 1).count, 1);
    // The whole file (fewer lines than asked for) is complete for any window.
    assert.deepStrictEqual(windows(logAt([30, 90])).count(600_000, 0), { count: 2, complete: true });
  });

  it('§2.2.1.2: FAIL only when every part holds; a steady site passes without yesterday; no baseline is "cannot tell"', () => {
    // 1 a second for the previous 5 minutes, 1 every 10 s for the last 5: down 90%.
    const dropped = windows(logAt([...range(301, 900, 1), ...range(0, 299, 10)]));
    const steady = windows(logAt(range(0, 900, 1)));
    const yesterday = (v: number) => () => v;
    const inputs = (w: LogWindows, history?: () => number | undefined) => ({ lines: (ms: number, o: number) => w.count(ms, o), history });
    assert.strictEqual(judgeCondition(SEND_DROP, inputs(dropped, yesterday(300))).holds, true);
    assert.strictEqual(judgeCondition(SEND_DROP, inputs(steady, yesterday(300))).holds, false);
    assert.strictEqual(judgeCondition(SEND_DROP, inputs(steady)).holds, false, 'the window part is false: no need for yesterday');
    assert.strictEqual(judgeCondition(SEND_DROP, inputs(dropped)).holds, undefined, 'the drop holds but yesterday is unknown');
    // Yesterday was as low as today: no alarm.
    assert.strictEqual(judgeCondition(SEND_DROP, inputs(dropped, yesterday(31))).holds, false);
    // Down to 10 or fewer in 5 minutes: the guide's floor (> 10) keeps it quiet.
    const nearlyNone = windows(logAt([...range(301, 900, 1), ...range(0, 299, 60)]));
    assert.strictEqual(judgeCondition(SEND_DROP, inputs(nearlyNone, yesterday(300))).holds, false);
  });

  it('drop "超过 20%" is strict, "下跌 20%" is not', () => {
    const base = { lines: (_ms: number, o: number) => ({ count: o === 0 ? 80 : 100, complete: true }) };
    assert.strictEqual(judgeCondition({ window: '5m', drop: 20, baseline: 'previousWindow', strict: true }, base).holds, false);
    assert.strictEqual(judgeCondition({ window: '5m', drop: 20, baseline: 'previousWindow' }, base).holds, true);
  });

  it('§4.2.1.2: fewer than 6 heartbeat lines a minute; a tail too short cannot prove the absence', () => {
    const rule: Condition = { window: '1m', op: '<', value: 6 };
    const at = (w: LogWindows) => judgeCondition(rule, { lines: (ms, o) => w.count(ms, o) }).holds;
    assert.strictEqual(at(windows(logAt(range(0, 300, 5)))), false, '12 a minute');
    assert.strictEqual(at(windows(logAt(range(0, 300, 20)))), true, '3 a minute');
    // Only the last 3 lines were read (asked for 3): the minute may hold more.
    assert.strictEqual(at(windows(logAt(range(0, 300, 20)).split('\n').slice(-3).join('\n'), 3)), undefined);
  });

  it('counts hosts: exactly one Leader passes, two (split brain) fail, an unread node that could decide it is ERROR', () => {
    const check = { id: 'one-leader', condition: { hosts: { field: 'raftStatus', equals: 'Leader' }, op: '!=', value: 1 } } as unknown as Check;
    const ctx = { history: [], now: new Date(NOW) };
    const answers = (...s: Array<string | undefined>): HostAnswer[] => s.map((v, i) => ({ host: `meta-${i + 1}`, values: v === undefined ? undefined : [v], error: v === undefined ? 'refused' : undefined }));
    assert.strictEqual(judgeHostCount(check, answers('Leader', 'Follower', 'Follower'), ctx).status, 'pass');
    const split = judgeHostCount(check, answers('Leader', 'Leader', 'Follower'), ctx);
    assert.deepStrictEqual([split.status, split.value, /meta-1, meta-2/.test(split.message)], ['fail', '2 of 3 hosts raftStatus=Leader', true]);
    assert.strictEqual(judgeHostCount(check, answers('Leader', undefined, 'Follower'), ctx).status, 'error');
    assert.strictEqual(judgeHostCount(check, answers('Leader', 'Leader', undefined), ctx).status, 'fail', 'two Leaders already: the third cannot mend it');
    assert.strictEqual(judgeHostCount(check, answers('Follower', 'Candidate', 'Follower'), ctx).status, 'fail', 'no Leader');
  });

  it('two levels: 重大 is FAIL, 次要 is WARN', () => {
    const check = { id: 'backlog', condition: { op: '>', value: 10 }, minor: { op: '>', value: 6 } } as unknown as Check;
    const ctx = { history: [], now: new Date(NOW) };
    assert.deepStrictEqual([12, 8, 5].map((value) => judgeRule(check, { value }, ctx).status), ['fail', 'warn', 'pass']);
  });

  it('consecutive periods: breaching now but not yet three minutes in a row is WARN; three in a row is FAIL', () => {
    const check = { id: 'dds-cpu', kind: 'resource', threshold: { op: '>', value: 60, text: { zh: '', en: '' } }, sampling: { interval: '1m', consecutive: 3 } } as unknown as Check;
    const past = (minutesAgo: number, value: number): Inspection => ({ startedAt: new Date(NOW - minutesAgo * 60_000).toISOString(), durationMs: 0, scope: {}, hosts: ['h'], results: [{ checkId: 'dds-cpu', host: 'h', measured: { value } } as never] });
    const judge = (history: Inspection[], value = 75) => judgeRule(check, { value }, { host: 'h', history, now: new Date(NOW) }).status;
    assert.strictEqual(judge([]), 'warn');
    assert.strictEqual(judge([past(1, 70), past(2, 65)]), 'fail');
    assert.strictEqual(judge([past(1, 70), past(2, 40)]), 'warn', 'the run two minutes ago was fine');
    assert.strictEqual(judge([past(1, 70), past(9, 65)]), 'warn', 'a gap of 8 minutes is no consecutive period');
    assert.strictEqual(judge([past(1, 70), past(2, 65)], 50), 'pass');
  });

  it('takes yesterday\'s value from the inspection that started nearest the same time (within 30 minutes)', () => {
    const run = (hoursAgo: number, value: number): Inspection => ({ startedAt: new Date(NOW - hoursAgo * 3_600_000).toISOString(), durationMs: 0, scope: {}, hosts: [], results: [{ checkId: 'c', host: 'h', measured: { 'lines/5m': value } } as never] });
    const now = new Date(NOW);
    assert.strictEqual(historyBaseline([run(1, 1), run(24.2, 250), run(23.9, 300)], now, 'yesterday', 'c', 'h', 'lines/5m'), 300);
    assert.strictEqual(historyBaseline([run(25, 250)], now, 'yesterday', 'c', 'h', 'lines/5m'), undefined);
    assert.strictEqual(historyBaseline([run(168, 99)], now, 'lastWeek', 'c', 'h', 'lines/5m'), 99);
    assert.strictEqual(historyBaseline([run(24, 99)], now, 'yesterday', 'c', 'other-host', 'lines/5m'), undefined);
  });

  it('versions: AntStack 1.0 - 1.3, ACVIP < 0.7.0, registry from 1.5.x; unknown runs the check and says so', () => {
    assert.deepStrictEqual(['1.0', '1.2.5', '1.3.9', '1.4', '0.9'].map((v) => inRange(v, '1.0 - 1.3')), [true, true, true, false, false]);
    assert.deepStrictEqual(['0.6.9', '0.7.0', '0.7.2'].map((v) => inRange(v, '<0.7.0')), [true, false, false]);
    assert.deepStrictEqual(['1.4.9', '1.5.0', '1.5.3', '2.0'].map((v) => inRange(v, '>=1.5')), [false, true, true, true]);
    assert.deepStrictEqual(['1.5.0', '1.5.7', '1.6'].map((v) => inRange(v, '1.5.x')), [true, true, false]);
    const legacy = [{ of: 'acvip', range: '<0.7.0' }];
    assert.deepStrictEqual(applicability(legacy, { acvip: '0.7.2' }), {
      applies: false,
      detail: 'for acvip <0.7.0; this site runs acvip 0.7.2',
      text: { en: 'for acvip <0.7.0; this site runs acvip 0.7.2', zh: '适用于 acvip <0.7.0；本站点运行 acvip 0.7.2' },
    });
    assert.strictEqual(applicability(legacy, { acvip: '0.6.1' }).applies, true);
    const unknown = applicability(legacy, {});
    assert.deepStrictEqual([unknown.applies, /no version/.test(unknown.detail ?? '')], [true, true]);
  });
});
