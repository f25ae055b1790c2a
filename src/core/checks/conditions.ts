/**
 * Judging measured values against the catalog: resource thresholds (`cpu_usage > 80%`), the
 * body conditions of the guide's health URLs (`"success":true`, `passed:true`, `status: UP`) and
 * `expect` on a command's output.
 */
import type { Check, Threshold } from '../catalog/types';

export type Verdict = 'pass' | 'warn' | 'fail';

/** A value within this share of an alarm threshold is WARN: close enough to look at today. */
export const WARN_RATIO = 0.9;

/** Whether `value` is on the alarm side of `threshold` (ops without a number never breach here). */
export function breaches(threshold: Threshold, value: number): boolean {
  const limit = threshold.value;
  if (limit === undefined) return false;
  switch (threshold.op) {
    case '>': return value > limit;
    case '>=': return value >= limit;
    case '<': return value < limit;
    case '<=': return value <= limit;
    case '==': return value === limit;
    case '!=': return value !== limit;
    default: return false;
  }
}

/** FAIL past the alarm threshold, WARN within 10% of it (for `>`/`>=` thresholds), else PASS. */
export function judgeThreshold(threshold: Threshold, value: number): Verdict {
  if (breaches(threshold, value)) return 'fail';
  if ((threshold.op === '>' || threshold.op === '>=') && threshold.value !== undefined && threshold.value > 0 && value >= threshold.value * WARN_RATIO) return 'warn';
  return 'pass';
}

/** `> 80%` */
export function describeThreshold(threshold: Threshold | undefined): string | undefined {
  if (!threshold || threshold.value === undefined) return undefined;
  return `${threshold.op} ${threshold.value}${threshold.unit ?? ''}`;
}

const KEY_VALUE = /^\s*"?([\w.-]+)"?\s*:\s*"?([^"\s]*)"?\s*$/;

/**
 * A body condition of the form `key:value` (quoted or not) holds when the key occurs and *every*
 * occurrence has that value: checkService prints one `passed:` per dependency and one
 * `passed:false` is a failure even though `passed:true` appears too; a readiness document is UP
 * only when each of its parts is. Anything else is a plain substring.
 */
export function bodyCondition(condition: string, body: string): { ok: boolean; detail: string } {
  const kv = KEY_VALUE.exec(condition);
  if (!kv) {
    const ok = body.includes(condition);
    return { ok, detail: ok ? `contains ${condition}` : `does not contain ${condition}` };
  }
  const [, key, want] = kv;
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const occurrences = [...body.matchAll(new RegExp(`(?<![\\w.-])"?${escaped}"?\\s*[:=]\\s*"?([^",}\\]\\s]*)`, 'g'))].map((m) => m[1]);
  if (!occurrences.length) return { ok: false, detail: `no ${key} in the response` };
  const bad = occurrences.filter((v) => v.toLowerCase() !== want.toLowerCase());
  if (bad.length) return { ok: false, detail: `${key}:${bad[0]}${occurrences.length > 1 ? ` (${bad.length} of ${occurrences.length})` : ''}` };
  return { ok: true, detail: `${key}:${want}${occurrences.length > 1 ? ` (all ${occurrences.length})` : ''}` };
}

/** `expect` of a command check on its stdout. */
export function commandExpectation(expect: NonNullable<Check['expect']>, stdout: string): { ok: boolean; detail: string; wanted: string } {
  const wanted = [
    expect.contains !== undefined ? `contains "${expect.contains}"` : '',
    expect.notContains !== undefined ? `no "${expect.notContains}"` : '',
    expect.regex !== undefined ? `/${expect.regex}/` : '',
  ].filter(Boolean).join(', ');
  if (expect.contains !== undefined && !stdout.includes(expect.contains)) return { ok: false, detail: `"${expect.contains}" not in the output`, wanted };
  if (expect.notContains !== undefined && stdout.includes(expect.notContains)) {
    const line = stdout.split('\n').find((l) => l.includes(expect.notContains!)) ?? '';
    return { ok: false, detail: `output has "${expect.notContains}": ${line.trim().slice(0, 160)}`, wanted };
  }
  if (expect.regex !== undefined && !new RegExp(expect.regex).test(stdout)) return { ok: false, detail: `output does not match /${expect.regex}/`, wanted };
  return { ok: true, detail: 'as expected', wanted };
}
