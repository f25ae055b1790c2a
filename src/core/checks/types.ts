/** Shapes of an inspection (巡检): which checks ran where, and what each one found. Editor-free. */
import type { Bilingual, CheckKind, Lang } from '../catalog/types';

/**
 * PASS / WARN / FAIL as the guide judges a measured value; ERROR when the check could not run
 * (unreachable host, refused host key, timeout, a command the container lacks); MANUAL for the
 * guide's checks a person does in another console (listed, never run); NA for a check written for
 * other versions than the site runs (AntStack 1.0–1.3, ACVIP < 0.7.0, registry 1.5.x…): not run,
 * and never counted as a PASS.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'error' | 'manual' | 'na';

export const STATUS_ORDER: readonly CheckStatus[] = ['fail', 'error', 'warn', 'pass', 'manual', 'na'];

/** Listed but not run: a person's check, or one that does not apply to this site's versions. */
export function notRun(status: CheckStatus): boolean {
  return status === 'manual' || status === 'na';
}

/** The worse of two statuses, for roll-ups (manual never outweighs a result). */
export function worse(a: CheckStatus | undefined, b: CheckStatus): CheckStatus {
  if (a === undefined) return b;
  return STATUS_ORDER.indexOf(a) <= STATUS_ORDER.indexOf(b) ? a : b;
}

export interface CheckResult {
  checkId: string;
  /** Catalog product the check belongs to. */
  product: string;
  kind: CheckKind;
  /** Catalog component the check names that this host serves (or the check's first component). */
  component: string;
  /** Inventory host name; undefined for a composite rule over several hosts. */
  host?: string;
  status: CheckStatus;
  /** What was measured, e.g. "93%", "connection refused", "HTTP 500". */
  value?: string;
  /** What the guide expects or alarms at, e.g. "> 80%", "LISTEN", "\"success\":true". */
  threshold?: string;
  /** One line for the operator: why this status. */
  message: string;
  section: string;
  title: Bilingual;
  passWhen: Bilingual;
  /** The guide's action, for FAIL/WARN. */
  action?: Bilingual;
  /** Catalog log id, for a check about a log (the editor links it). */
  logId?: string;
  /** Numbers the check measured, by measure key (`value`, `lines/5m`): later inspections' baselines. */
  measured?: Record<string, number>;
  /** Milliseconds this check itself took (the host's shared round trip for batched checks). */
  durationMs: number;
  /**
   * `message`, `value` and `threshold` in Chinese where the runner worded them (host output and
   * the guide's own strings stay as they are): a result is kept in the history and shown again
   * after the reader switches language, so it carries both.
   */
  zh?: { message?: string; value?: string; threshold?: string };
}

/** A result's message, value or threshold in the reader's language. */
export function resultText(r: CheckResult, field: 'message' | 'value' | 'threshold', lang: Lang): string | undefined {
  return (lang === 'zh' ? r.zh?.[field] : undefined) ?? r[field];
}

export interface InspectionScope {
  product?: string;
  component?: string;
  /** Inventory selector, as `--target` takes it. */
  target?: string;
  /** Only this check (the products tree's "Run This Check on a Host…"). */
  check?: string;
}

export interface Inspection {
  /** ISO time the inspection started. */
  startedAt: string;
  durationMs: number;
  scope: InspectionScope;
  /** Inventory hosts the inspection covered. */
  hosts: string[];
  results: CheckResult[];
}

export type StatusCounts = Record<CheckStatus, number>;

export function emptyCounts(): StatusCounts {
  return { pass: 0, warn: 0, fail: 0, error: 0, manual: 0, na: 0 };
}

export function countStatuses(results: readonly CheckResult[]): StatusCounts {
  const counts = emptyCounts();
  for (const r of results) counts[r.status]++;
  return counts;
}

/** The status a group of results rolls up to; undefined when nothing was run or listed. */
export function rollUp(results: readonly CheckResult[]): CheckStatus | undefined {
  let status: CheckStatus | undefined;
  for (const r of results) status = worse(status, r.status);
  return status;
}
