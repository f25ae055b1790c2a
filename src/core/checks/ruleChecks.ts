/**
 * Inspection of the checks that carry a structured rule (`condition`, `minor`, `sampling`): a
 * resource over consecutive periods, lines per window of a log with baselines (previous window
 * from the log itself, yesterday / last week from the inspection history), and counts over a
 * component's hosts (exactly one registry meta Leader). The alarm condition is FAIL (重大), the
 * minor one WARN (次要); a condition that cannot be told is ERROR with the part that is missing.
 */
import type { Bilingual, Check, Condition, Threshold } from '../catalog/types';
import { translator, type Translate } from '../l10n';
import type { InventoryHost } from '../inventory/inventory';
import { describeThreshold } from './conditions';
import { probeHttp, type Forwarder } from './probes';
import { compare, describeCondition, durationMs, judgeCondition, type Judged, type RuleInputs } from './ruleModel';
import { historyBaseline, previousResults } from './ruleInputs';
import type { CheckStatus, Inspection } from './types';

export interface RuleVerdict {
  status: Exclude<CheckStatus, 'manual' | 'na'>;
  value: string;
  threshold: string;
  message: string;
  measured: Record<string, number>;
  /** value, threshold and message in both languages, for the result. */
  text: { value: Bilingual; threshold: Bilingual; message: Bilingual };
}

type Worded = Omit<RuleVerdict, 'text'>;

/** The check's alarm condition: its own, or its plain threshold as one. */
export function alarmCondition(check: Check): Condition | undefined {
  if (check.condition) return check.condition;
  return thresholdCondition(check.threshold);
}

function thresholdCondition(t: Threshold | undefined): Condition | undefined {
  if (!t || t.value === undefined) return undefined;
  if (t.op === '>' || t.op === '>=' || t.op === '<' || t.op === '<=' || t.op === '==' || t.op === '!=') return { op: t.op, value: t.value, unit: t.unit };
  return undefined;
}

export function ruleThreshold(check: Check, t: Translate = translator('en')): string {
  const major = alarmCondition(check);
  const text = major ? describeCondition(major, t) : describeThreshold(check.threshold) ?? '';
  return check.minor ? t('{0} (major); {1} (minor)', text, describeCondition(check.minor, t)) : text;
}

export interface RuleContext {
  host?: string;
  history: readonly Inspection[];
  now: Date;
}

/** The context a run judges rules in: `host` undefined for composite rules. */
export function ruleContext(options: { history?: readonly Inspection[]; now?: () => Date }, host: string | undefined): RuleContext {
  return { host, history: options.history ?? [], now: (options.now ?? (() => new Date()))() };
}

/** History lookups for one check on one host. */
export function historyInputs(check: Check, ctx: RuleContext): NonNullable<RuleInputs['history']> {
  return (baseline, key) => historyBaseline(ctx.history, ctx.now, baseline, check.id, ctx.host, key);
}

/** FAIL when the alarm holds, WARN when only the minor one does, ERROR when it cannot be told. */
export function judgeRule(check: Check, inputs: RuleInputs, ctx: RuleContext): RuleVerdict {
  const english = judgeRuleIn(check, inputs, ctx, translator('en'));
  const chinese = judgeRuleIn(check, inputs, ctx, translator('zh'));
  return { ...english, text: both(english, chinese) };
}

function both(en: Worded, zh: Worded): RuleVerdict['text'] {
  return { value: { en: en.value, zh: zh.value }, threshold: { en: en.threshold, zh: zh.threshold }, message: { en: en.message, zh: zh.message } };
}

function judgeRuleIn(check: Check, inputs: RuleInputs, ctx: RuleContext, t: Translate): Worded {
  const measured: Record<string, number> = {};
  const major = alarmCondition(check);
  const threshold = ruleThreshold(check, t);
  if (!major) return { status: 'error', value: t('no rule'), threshold, message: t('the check has no condition to judge'), measured };
  const judged = judgeCondition(major, inputs, measured, t);
  const minor = check.minor ? judgeCondition(check.minor, inputs, measured, t) : undefined;
  const value = valueText(measured);
  const why = (j: Judged) => j.parts.join(t('; '));
  if (judged.holds === undefined) return { status: 'error', value, threshold, message: t('cannot tell: {0}', why(judged)), measured };
  if (judged.holds) return consecutive(check, ctx, { status: 'fail', value, threshold, message: why(judged), measured }, t);
  if (minor?.holds) return consecutive(check, ctx, { status: 'warn', value, threshold, message: t('minor (次要): {0}', why(minor)), measured }, t);
  if (minor && minor.holds === undefined) return { status: 'warn', value, threshold, message: t('major does not hold ({0}); minor cannot be told: {1}', why(judged), why(minor)), measured };
  return { status: 'pass', value, threshold, message: why(judged), measured };
}

function valueText(measured: Record<string, number>): string {
  const entries = Object.entries(measured);
  if (entries.length === 1 && entries[0][0] === 'value') return String(entries[0][1]);
  return entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

/**
 * The guide alarms after `consecutive` periods in a row: this inspection is one period, the
 * history's recent ones of the same check and host (each within two intervals of the next) the
 * others. Too few of them: WARN, breaching now but not yet for as long as the guide waits.
 */
function consecutive(check: Check, ctx: RuleContext, verdict: Worded, t: Translate): Worded {
  const n = check.sampling?.consecutive ?? 1;
  if (n <= 1) return verdict;
  const interval = durationMs(check.sampling?.interval) ?? 60_000;
  let at = ctx.now.getTime();
  let periods = 1;
  for (const past of previousResults(ctx.history, check.id, ctx.host)) {
    if (periods >= n) break;
    if (at - past.at > 2 * interval || !breached(check, past.result.measured)) break;
    periods++;
    at = past.at;
  }
  const span = t('{0} consecutive {1} periods', n, check.sampling?.interval ?? '1m');
  if (periods >= n) return { ...verdict, message: t('{0} ({1} in a row)', verdict.message, span) };
  return { ...verdict, status: 'warn', message: t('{0}, in {1} of the {2} the guide alarms after: inspect again in {3}, or see the monitoring', verdict.message, periods, span, check.sampling?.interval ?? '1m') };
}

function breached(check: Check, measured: Record<string, number> | undefined): boolean {
  const major = alarmCondition(check);
  const value = measured?.value;
  if (!major || value === undefined || !('op' in major)) return false;
  return compare(major.op, value, major.value);
}

// ---- counts over a component's hosts -------------------------------------------------------------

/** `raftStatus:Leader` / `"raftStatus":"Leader"` / `raftStatus=Leader`: every value of `field` in an answer. */
export function fieldValues(body: string, field: string): string[] {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...body.matchAll(new RegExp(`(?<![\\w.-])"?${escaped}"?\\s*[:=]\\s*"?([^",}\\]\\s]*)`, 'g'))].map((m) => m[1]);
}

export interface HostAnswer {
  host: string;
  /** The field's values in the host's answer; undefined: the host gave no HTTP answer. */
  values?: string[];
  error?: string;
}

/** Asks each host of the group its HTTP answer (the check's `http`), all at once. */
export async function readHostFields(check: Check, hosts: readonly InventoryHost[], forwarder: (h: InventoryHost) => Promise<Forwarder>, field: string): Promise<HostAnswer[]> {
  const http = check.http!;
  return Promise.all(
    hosts.map(async (h): Promise<HostAnswer> => {
      try {
        const probe = await probeHttp(await forwarder(h), http);
        if (probe.status === undefined) return { host: h.name, error: probe.error ?? 'no answer' };
        return { host: h.name, values: fieldValues(probe.body, field) };
      } catch (err) {
        return { host: h.name, error: (err as Error)?.message ?? String(err) };
      }
    }),
  );
}

/** The hosts condition of a count-hosts rule (the first one found in it). */
export function hostsLeaf(condition: Condition | undefined): { field: string; equals: string } | undefined {
  if (!condition) return undefined;
  if ('all' in condition) return condition.all.map(hostsLeaf).find(Boolean);
  if ('any' in condition) return condition.any.map(hostsLeaf).find(Boolean);
  return 'hosts' in condition ? condition.hosts : undefined;
}

/** Judges a count-hosts rule from the hosts' answers; names the hosts that hold the value. */
export function judgeHostCount(check: Check, answers: readonly HostAnswer[], ctx: RuleContext): RuleVerdict {
  const leaf = hostsLeaf(check.condition)!;
  const holding = answers.filter((a) => a.values?.some((v) => v.toLowerCase() === leaf.equals.toLowerCase())).map((a) => a.host);
  const unread = answers.filter((a) => a.values === undefined);
  const verdict = judgeRule(check, { hosts: () => ({ count: holding.length, unknown: unread.length }) }, ctx);
  const word = (t: Translate, judged: string) => {
    const detail = [t('{0}: {1}', `${leaf.field}=${leaf.equals}`, holding.length ? holding.join(', ') : t('none')), unread.length ? t('no answer: {0}', unread.map((u) => `${u.host} (${u.error})`).join(', ')) : ''].filter(Boolean).join(t('; '));
    return { value: t('{0} of {1} hosts {2}', holding.length, answers.length, `${leaf.field}=${leaf.equals}`), message: `${detail} — ${judged}` };
  };
  const en = word(translator('en'), verdict.text.message.en);
  const zh = word(translator('zh'), verdict.text.message.zh);
  return { ...verdict, ...en, text: { threshold: verdict.text.threshold, value: { en: en.value, zh: zh.value }, message: { en: en.message, zh: zh.message } } };
}
