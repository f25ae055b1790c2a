/**
 * The guide's alarm rules judged in three values: a condition holds, does not hold, or cannot be
 * told (a baseline the history lacks, a log tail too short for its window, a metric only
 * monitoring has). `all` is false as soon as one part is false, so "down 20% on yesterday AND
 * down 20% on the previous 5 minutes AND > 10" is PASS on a steady site even without yesterday's
 * inspection; it is FAIL only when every part holds, and ERROR ("could not check") when the parts
 * that hold are not enough to say. Editor-free; the inspection runner supplies the measurements.
 */
import type { Applicability, Baseline, Bilingual, Check, CompareOp, Condition } from '../catalog/types';
import { bilingual, translator, type Translate } from '../l10n';

/** true: holds (alarm); false: does not; undefined: cannot be told. */
export type Truth = boolean | undefined;

export interface Judged {
  holds: Truth;
  /** One part per leaf, e.g. "lines/5m 12 < 6: no". */
  parts: string[];
}

/** A count of log lines in a window, and whether the log tail reached back to the window's start. */
export interface WindowCount {
  count: number;
  complete: boolean;
}

/** What a condition is judged on; every source is optional (a missing one makes its leaf unknown). */
export interface RuleInputs {
  /** The check's own measured value (a resource). */
  value?: number;
  /** Lines matching the check's pattern in the window ending now (offset 0) or the one before (offset 1). */
  lines?: (windowMs: number, offset: number) => WindowCount | undefined;
  /** The same measurement at the same time yesterday / last week, from the inspection history. */
  history?: (baseline: Exclude<Baseline, 'previousWindow'>, key: string) => number | undefined;
  /** Count of the component's hosts whose field equals the value, with how many could not be read. */
  hosts?: (field: string, equals: string) => { count: number; unknown: number };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5m` → 300000; undefined for anything else. */
export function durationMs(text: string | undefined): number | undefined {
  const m = /^([1-9]\d*)(s|m|h|d)$/.exec(text ?? '');
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

export function compare(op: CompareOp, a: number, b: number): boolean {
  switch (op) {
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '==': return a === b;
    case '!=': return a !== b;
  }
}

/** The key a leaf's measurement is kept under in a result's `measured` (and found in history). */
export function measureKey(leaf: { window?: string; metric?: string }): string {
  return leaf.metric ? `metric:${leaf.metric}` : leaf.window ? `lines/${leaf.window}` : 'value';
}

/**
 * Judges `condition`; `measured` collects the values read (by measureKey), so the next
 * inspections can compare with this one.
 */
export function judgeCondition(condition: Condition, inputs: RuleInputs, measured: Record<string, number> = {}, t: Translate = translator('en')): Judged {
  if ('all' in condition || 'any' in condition) {
    const all = 'all' in condition;
    const parts = (all ? (condition as { all: Condition[] }).all : (condition as { any: Condition[] }).any).map((c) => judgeCondition(c, inputs, measured, t));
    const truths = parts.map((p) => p.holds);
    const holds: Truth = all
      ? truths.includes(false) ? false : truths.includes(undefined) ? undefined : true
      : truths.includes(true) ? true : truths.includes(undefined) ? undefined : false;
    return { holds, parts: parts.flatMap((p) => p.parts) };
  }
  if ('unreachable' in condition) {
    // Port leaves are judged by the port probes themselves; as a condition they only describe.
    return { holds: undefined, parts: [t('ports {0} unreachable', condition.unreachable.join(', '))] };
  }
  if ('hosts' in condition) {
    const what = t('hosts with {0}={1}', condition.hosts.field, condition.hosts.equals);
    const counted = inputs.hosts?.(condition.hosts.field, condition.hosts.equals);
    if (!counted) return { holds: undefined, parts: [t('{0}: not measured', what)] };
    measured[`hosts:${condition.hosts.field}=${condition.hosts.equals}`] = counted.count;
    // Every value the unread hosts could add must give the same answer, or it cannot be told.
    const outcomes = new Set(Array.from({ length: counted.unknown + 1 }, (_, i) => compare(condition.op, counted.count + i, condition.value)));
    const holds: Truth = outcomes.size === 1 ? [...outcomes][0] : undefined;
    const unread = counted.unknown ? t(' (+{0} not read)', counted.unknown) : '';
    return { holds, parts: [t('{0}: {1}', `${what} ${counted.count}${unread} ${condition.op} ${condition.value}`, truthWord(holds, t))] };
  }
  const key = measureKey(condition);
  const label = condition.metric ?? (condition.window ? t('lines/{0}', condition.window) : t('value'));
  if (condition.metric) return { holds: undefined, parts: [t('{0}: only monitoring has it', label)] };
  const current = read(condition.window, 0, inputs);
  if (current === undefined) return { holds: undefined, parts: [t('{0}: not measured', label)] };
  measured[key] = current.count;
  if ('op' in condition) {
    // A count from a tail shorter than the window is a lower bound: enough for "more than", not for "fewer than".
    const holds: Truth = compare(condition.op, current.count, condition.value) ? (current.complete || condition.op === '>' || condition.op === '>=' ? true : undefined) : current.complete || condition.op === '<' || condition.op === '<=' ? false : undefined;
    return { holds, parts: [t('{0}: {1}', `${label} ${current.count}${current.complete ? '' : '+'} ${condition.op} ${condition.value}${condition.unit ?? ''}`, truthWord(holds, t))] };
  }
  const base = condition.baseline === 'previousWindow' ? read(condition.window, 1, inputs) : fromHistory(condition.baseline, key, inputs);
  const against = condition.baseline === 'previousWindow' ? t('the {0} before', condition.window ?? t('window')) : condition.baseline === 'yesterday' ? t('the same time yesterday') : t('the same time last week');
  if (base === undefined || !current.complete || !base.complete) return { holds: undefined, parts: [t('{0}: {1}', t('{0} {1} vs {2}', label, current.count, against), base === undefined ? t('no baseline') : t('log too short for the window'))] };
  if (base.count === 0) return { holds: condition.rise !== undefined ? current.count > 0 : false, parts: [t('{0} {1} vs {2} {3}', label, current.count, against, 0)] };
  const change = ((current.count - base.count) / base.count) * 100;
  const wanted = condition.drop !== undefined ? -condition.drop : condition.rise!;
  const holds = condition.drop !== undefined ? (condition.strict ? change < wanted : change <= wanted) : condition.strict ? change > wanted : change >= wanted;
  return { holds, parts: [t('{0}: {1}', t('{0} {1} vs {2} {3} ({4}%, alarm at {5}%)', label, current.count, against, base.count, `${change >= 0 ? '+' : ''}${change.toFixed(0)}`, condition.drop !== undefined ? `-${condition.drop}` : `+${condition.rise}`), truthWord(holds, t))] };
}

function read(window: string | undefined, offset: number, inputs: RuleInputs): WindowCount | undefined {
  if (window === undefined) return offset === 0 && inputs.value !== undefined ? { count: inputs.value, complete: true } : undefined;
  const ms = durationMs(window);
  return ms === undefined ? undefined : inputs.lines?.(ms, offset);
}

function fromHistory(baseline: Exclude<Baseline, 'previousWindow'>, key: string, inputs: RuleInputs): WindowCount | undefined {
  const v = inputs.history?.(baseline, key);
  return v === undefined ? undefined : { count: v, complete: true };
}

function truthWord(truth: Truth, t: Translate): string {
  return t(truth === undefined ? 'unknown' : truth ? 'yes' : 'no');
}

/** The condition as one line, as a report's "expected" column shows it (the alarm side), in `t`'s language. */
export function describeCondition(condition: Condition, t: Translate = translator('en')): string {
  if ('all' in condition) return condition.all.map((c) => describeCondition(c, t)).join(` ${t('AND')} `);
  if ('any' in condition) return `(${condition.any.map((c) => describeCondition(c, t)).join(` ${t('OR')} `)})`;
  if ('unreachable' in condition) return t('{0} unreachable', condition.unreachable.join(', '));
  if ('hosts' in condition) return t('hosts with {0}={1} {2} {3}', condition.hosts.field, condition.hosts.equals, condition.op, condition.value);
  const label = condition.metric ?? (condition.window ? t('lines/{0}', condition.window) : t('value'));
  if ('op' in condition) return `${label} ${condition.op} ${condition.value}${condition.unit ?? ''}`;
  const against = t(condition.baseline === 'previousWindow' ? 'previous window' : condition.baseline === 'yesterday' ? 'yesterday' : 'last week');
  return t(condition.drop !== undefined ? '{0} down {1} {2}% vs {3}' : '{0} up {1} {2}% vs {3}', label, condition.strict ? '>' : '>=', condition.drop ?? condition.rise!, against);
}

/** Every number a condition holds (values, percents, window lengths, ports), for the catalog walk. */
export function conditionNumbers(condition: Condition | undefined): number[] {
  if (!condition) return [];
  if ('all' in condition) return condition.all.flatMap(conditionNumbers);
  if ('any' in condition) return condition.any.flatMap(conditionNumbers);
  if ('unreachable' in condition) return condition.unreachable;
  if ('hosts' in condition) return [condition.value];
  const window = condition.window ? [Number(condition.window.slice(0, -1))] : [];
  if ('op' in condition) return [condition.value, ...window];
  return [condition.drop ?? condition.rise!, ...window];
}

/** Whether judging the condition needs a monitoring metric SSH cannot read. */
export function needsMonitoring(condition: Condition | undefined): boolean {
  if (!condition) return false;
  if ('all' in condition) return condition.all.some(needsMonitoring);
  if ('any' in condition) return condition.any.some(needsMonitoring);
  return 'metric' in condition && condition.metric !== undefined;
}

/** The longest window a condition reads back from now (a previous-window baseline doubles it). */
export function lookbackMs(condition: Condition | undefined): number {
  if (!condition) return 0;
  if ('all' in condition) return Math.max(0, ...condition.all.map(lookbackMs));
  if ('any' in condition) return Math.max(0, ...condition.any.map(lookbackMs));
  if (!('window' in condition) || !condition.window) return 0;
  const ms = durationMs(condition.window) ?? 0;
  return 'baseline' in condition && condition.baseline === 'previousWindow' ? 2 * ms : ms;
}

// ---- versions ----------------------------------------------------------------------------------

function parts(v: string): number[] {
  return v.split('.').map((x) => Number(x));
}

/** <0, 0, >0, comparing only as many parts as the range names (1.3 covers 1.3.9). */
function cmpPrefix(version: number[], bound: number[]): number {
  for (let i = 0; i < bound.length; i++) {
    const d = (version[i] ?? 0) - bound[i];
    if (d) return d;
  }
  return 0;
}

/** Does `version` lie in `range` (`>=0.7.0`, `<0.7.0`, `1.0 - 1.3`, `1.5.x`, `1.2`)? */
export function inRange(version: string, range: string): boolean {
  const v = parts(version);
  const r = range.trim();
  const span = /^(\d+(?:\.\d+)*)\s*[-~]\s*(\d+(?:\.\d+)*)$/.exec(r);
  if (span) return cmpPrefix(v, parts(span[1])) >= 0 && cmpPrefix(v, parts(span[2])) <= 0;
  const m = /^(>=|<=|>|<|=)?\s*(\d+(?:\.\d+)*)(\.x)?$/.exec(r);
  if (!m) return false;
  const d = cmpPrefix(v, parts(m[2]));
  switch (m[1]) {
    case '>=': return d >= 0;
    case '<=': return d <= 0;
    case '>': return d > 0;
    case '<': return d < 0;
    default: return d === 0;
  }
}

/**
 * Whether a check applies to a host with these versions: false names the range it misses; an
 * unknown version (the inventory does not say) runs the check, and says so.
 */
export function applicability(appliesTo: readonly Applicability[] | undefined, versions: Readonly<Record<string, string>> | undefined): { applies: boolean; detail?: string; text?: Bilingual } {
  if (!appliesTo?.length) return { applies: true };
  const unknown: string[] = [];
  for (const a of appliesTo) {
    const version = versions?.[a.of];
    if (version === undefined) {
      unknown.push(`${a.of} ${a.range}`);
      continue;
    }
    if (!inRange(version, a.range)) {
      const text = bilingual('for {0} {1}; this site runs {0} {2}', a.of, a.range, version);
      return { applies: false, detail: text.en, text };
    }
  }
  if (!unknown.length) return { applies: true };
  const text = bilingual('applies to {0}; the inventory gives no version, so it ran', unknown.join(', '));
  return { applies: true, detail: text.en, text };
}

/** Whether a check's judgement uses the structured rule (else its plain threshold / maxCount). */
export function usesRule(check: Check): boolean {
  return check.condition !== undefined || check.minor !== undefined || (check.sampling?.consecutive ?? 1) > 1;
}
