/**
 * Every alarm and check rule of the guide is either held with its full condition or explicitly
 * MANUAL with a reason: the catalog walk fails on a rule whose zh text has a number (a threshold,
 * percentage, count, minutes, port) that appears nowhere in its structured form. For an alert
 * (metric) that inspection evaluates, the checks it names must hold its numbers too.
 */
import * as assert from 'assert';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import type { Catalog, Check, Metric, Sampling } from '../../../../src/core/catalog/types';
import { conditionNumbers } from '../../../../src/core/checks/ruleModel';

const ROOT = path.resolve(__dirname, '../../../../runbooks');

/**
 * The guide's slips the catalog keeps verbatim (part of issue 13's guide fixes: they move to the
 * item's `note` field): §10.5.1.1's table cell "2022 3 不通" has a stray 3 nobody can explain.
 */
const GUIDE_SLIPS: Record<string, number[]> = { 'acvip-basic-port-2022': [3] };

/**
 * Numbers of a zh text: `80%`, `4000 条`, `60w` (= 600000), `1/2`; not section references
 * (`5.4.3`, `2.6`), not digits inside identifiers (`load5`, `mem_usage`, `{0(推送成功)` is kept).
 */
export function proseNumbers(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/(?<![a-z_\d.])(\d+(?:\.\d+)*)(\s*[w万])?(?![a-z_]|\.\d)/gi)) {
    const token = m[1];
    // Dotted numbers in the guide's prose are section references (5.4.3, 2.6), not thresholds;
    // `1.` before a list item is its number.
    if (token.includes('.') || text[m.index! + token.length] === '.') continue;
    const n = Number(token);
    out.push(m[2] ? n * 10_000 : n);
  }
  return out;
}

function samplingNumbers(s: Sampling | undefined): number[] {
  if (!s) return [];
  return [s.interval, s.window, s.repeat].filter((x): x is string => !!x).map((x) => Number(x.slice(0, -1))).concat(s.consecutive ? [s.consecutive] : []);
}

function digitsOf(text: string | undefined): number[] {
  return [...(text ?? '').matchAll(/\d+/g)].map((m) => Number(m[0]));
}

/** Numbers a check's structured form holds. */
function checkNumbers(catalog: Catalog, c: Check): number[] {
  const field = c.log ? fieldBadValues(catalog, c.log.pattern) : [];
  return [
    ...(c.threshold?.value !== undefined ? [c.threshold.value] : []),
    ...(c.ports ?? []),
    ...(c.http ? [c.http.port, ...digitsOf(c.http.expectBody)] : []),
    ...(c.log ? [c.log.maxCount ?? 0, c.log.lastLines ?? 200] : []),
    ...field,
    ...digitsOf(c.command),
    ...digitsOf(JSON.stringify(c.expect ?? {})),
    // Output that must show something (a connection, a LISTEN line) alarms when it shows it 0 times.
    ...(c.kind === 'command' && (c.expect?.contains !== undefined || c.expect?.regex !== undefined) ? [0] : []),
    ...conditionNumbers(c.condition),
    ...conditionNumbers(c.minor),
    ...samplingNumbers(c.sampling),
    ...(c.rule === 'majority-alive' ? [1, 2] : c.rule === 'at-least-two-per-service' ? [2] : []),
    ...(c.appliesTo ?? []).flatMap((a) => digitsOf(a.range)),
  ];
}

/** A log-format field's bad values, when a log check counts them (drmdata-push's `1` = failed). */
function fieldBadValues(catalog: Catalog, pattern: string): number[] {
  const dot = pattern.lastIndexOf('.');
  if (dot < 0) return [];
  const log = catalog.products.flatMap((p) => p.logs).find((l) => l.format?.id === pattern.slice(0, dot));
  const field = log?.format?.fields.find((f) => f.name === pattern.slice(dot + 1));
  return (field?.bad?.equals ?? []).flatMap(digitsOf);
}

/** Numbers a metric's own condition holds (what an inspecting check must also hold). */
function metricRuleNumbers(m: Metric): number[] {
  return [...(m.threshold?.value !== undefined ? [m.threshold.value] : []), ...(m.ports ?? []), ...conditionNumbers(m.condition), ...(m.sampling?.consecutive ? [m.sampling.consecutive] : [])];
}

describe('the catalog holds every rule of the guide in structured form, or says why not', () => {
  let catalog: Catalog;
  before(async () => {
    const loaded = await loadCatalog(ROOT);
    assert.deepStrictEqual(loaded.problems, []);
    catalog = loaded.catalog;
  });

  it('reads the numbers of the guide\'s prose (and not its section references)', () => {
    assert.deepStrictEqual(proseNumbers('触发条件：\n1. 当前时间昨日同比下跌 20%；\n2. 最近 5 分钟求和与上 5 分钟求和环比下跌超过 20%；\n3. 最近 5 分钟求和 >10；'), [20, 5, 5, 20, 5, 10]);
    assert.deepStrictEqual(proseNumbers('每分钟超过 60w，参见 5.4.3 与 2.6，load5 不超过 3'), [600000, 3]);
  });

  it('walks every alert and check: structured with all its numbers, or MANUAL with a reason', () => {
    const checks = new Map(catalog.products.flatMap((p) => p.checks).map((c) => [c.id, c]));
    const missing: string[] = [];
    let structured = 0;
    let manual = 0;
    let walked = 0;
    for (const p of catalog.products) {
      for (const m of p.metrics) {
        walked++;
        const prose = proseNumbers(m.threshold?.text.zh ?? '');
        if (m.manual) {
          assert.ok(m.manual.zh.trim() && m.manual.en.trim(), `${m.id}: a manual rule says why`);
          manual++;
          continue;
        }
        const own = new Set([...metricRuleNumbers(m), ...samplingNumbers(m.sampling), ...(m.threshold?.unit ? digitsOf(m.threshold.unit) : [])]);
        const lacking = prose.filter((n) => !own.has(n));
        if (lacking.length) missing.push(`metric ${m.id} §${m.section}: ${lacking.join(', ')} in "${m.threshold?.text.zh}" are not in its condition`);
        if (!m.inspectedBy?.length) {
          missing.push(`metric ${m.id} §${m.section}: neither inspectedBy a check nor manual with a reason`);
          continue;
        }
        const byChecks = new Set(m.inspectedBy.flatMap((id) => (checks.has(id) ? checkNumbers(catalog, checks.get(id)!) : [])));
        const notInChecks = metricRuleNumbers(m).filter((n) => !byChecks.has(n));
        if (notInChecks.length) missing.push(`metric ${m.id} §${m.section}: inspectedBy ${m.inspectedBy.join(', ')}, which do not hold ${notInChecks.join(', ')}`);
        else if (!lacking.length) structured++;
      }
      for (const c of p.checks) {
        walked++;
        const prose = [c.passWhen.zh, c.threshold?.text.zh ?? '', c.title.zh].flatMap(proseNumbers);
        if (c.kind === 'manual') {
          // A console check without numbers is a person's look, and says so; with numbers it says why it is not inspected.
          if (prose.length && !c.manualReason) missing.push(`check ${c.id} §${c.section}: manual with numbers (${prose.join(', ')}) but no manualReason`);
          manual++;
          continue;
        }
        const own = new Set([...checkNumbers(catalog, c), ...(GUIDE_SLIPS[c.id] ?? [])]);
        const lacking = prose.filter((n) => !own.has(n));
        if (lacking.length) missing.push(`check ${c.id} §${c.section}: ${[...new Set(lacking)].join(', ')} in its zh text are not in its structured form`);
        else structured++;
      }
    }
    for (const line of missing) console.log(`      ${line.replace(/\n/g, ' ')}`);
    console.log(`      rules walked: ${walked}; structured: ${structured}; manual: ${manual}; missing: ${missing.length}`);
    assert.deepStrictEqual(missing, []);
  });

  it('re-encodes the rules the issue names with their full condition', () => {
    const check = (id: string) => catalog.products.flatMap((p) => p.checks).find((c) => c.id === id);
    const metric = (id: string) => catalog.products.flatMap((p) => p.metrics).find((m) => m.id === id);
    // §2.2.1.2: three conditions, all at once.
    const drop = check('microservice-scheduler-msg-sent-drop')!;
    assert.deepStrictEqual(drop.condition, {
      all: [
        { window: '5m', drop: 20, baseline: 'yesterday' },
        { window: '5m', drop: 20, baseline: 'previousWindow', strict: true },
        { window: '5m', op: '>', value: 10 },
      ],
    });
    assert.deepStrictEqual(metric('microservice-scheduler-msg-sent-cluster')!.inspectedBy, ['microservice-scheduler-msg-sent-drop']);
    // §4.2.1.2: fewer than 6 heartbeat lines a minute.
    assert.deepStrictEqual(check('mq-broker-heartbeat-rate')!.condition, { window: '1m', op: '<', value: 6 });
    // §7.7.2: exactly one Leader among the meta nodes.
    assert.deepStrictEqual(check('registry-meta-one-leader')!.condition, { hosts: { field: 'raftStatus', equals: 'Leader' }, op: '!=', value: 1 });
    // §5.2.1.2: two levels.
    assert.deepStrictEqual([metric('dtx-tx-backlog-major')!.severity, metric('dtx-tx-backlog-minor')!.severity], ['major', 'minor']);
    // §3.1.1: sampled every minute, three minutes in a row.
    assert.deepStrictEqual(check('dds-ddsconsole-cpu')!.sampling, { interval: '1m', consecutive: 3 });
  });
});
