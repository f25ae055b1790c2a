/**
 * Where the rule model's measurements come from: lines per window counted on the log's own
 * timestamps against the host's own clock (so a host whose clock runs ahead still counts its last
 * minute), and baselines (same time yesterday / last week) from the inspections kept in
 * `.sofa-ops/inspections/`.
 */
import type { CheckResult, Inspection } from './types';
import type { WindowCount } from './ruleModel';

/** `2026-11-02 10:04:05,123` (or `.123`, or no millis) at the start of a line, as the guide's logs write it. */
const LOG_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[,.](\d{1,3}))?/;

/** The host's clock: `date '+%s %z'` → epoch ms and its UTC offset in minutes. */
export function parseHostClock(text: string | undefined): { nowMs: number; offsetMinutes: number } | undefined {
  const m = /(\d{9,})\s+([+-])(\d{2})(\d{2})/.exec(text ?? '');
  if (!m) return undefined;
  return { nowMs: Number(m[1]) * 1000, offsetMinutes: (m[2] === '-' ? -1 : 1) * (Number(m[3]) * 60 + Number(m[4])) };
}

/** A log line's time (local to the host, whose offset is given) as epoch ms. */
export function lineTime(line: string, offsetMinutes: number): number | undefined {
  const m = LOG_TIME.exec(line);
  if (!m) return undefined;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number((m[7] ?? '0').padEnd(3, '0')));
  return utc - offsetMinutes * 60_000;
}

/**
 * Counts matching lines of a log tail per window. A line without a time of its own (a stack
 * trace) belongs to the line before it. The count of a window is complete when the tail reaches
 * back past the window's start, or when it is the whole file (fewer lines than were asked for).
 */
export class LogWindows {
  private readonly times: number[] = [];
  private readonly earliest: number | undefined;
  private readonly wholeFile: boolean;

  constructor(text: string, matches: (line: string) => boolean, private readonly clock: { nowMs: number; offsetMinutes: number }, linesAsked: number) {
    let last: number | undefined;
    let first: number | undefined;
    let read = 0;
    for (const line of text.split('\n')) {
      if (!line) continue;
      read++;
      const t = lineTime(line, clock.offsetMinutes);
      if (t !== undefined) {
        last = t;
        first ??= t;
      }
      if (last !== undefined && matches(line)) this.times.push(last);
    }
    this.earliest = first;
    this.wholeFile = read < linesAsked;
  }

  /** Lines in (now - (offset+1)·window, now - offset·window]. */
  count(windowMs: number, offset: number): WindowCount {
    const to = this.clock.nowMs - offset * windowMs;
    const from = to - windowMs;
    const count = this.times.filter((t) => t > from && t <= to).length;
    return { count, complete: this.wholeFile || (this.earliest !== undefined && this.earliest <= from) };
  }
}

/** How close to "same time yesterday" a past inspection must have started to be its baseline. */
export const BASELINE_TOLERANCE_MS = 30 * 60_000;

const BASELINE_AGO: Record<'yesterday' | 'lastWeek', number> = { yesterday: 86_400_000, lastWeek: 7 * 86_400_000 };

/**
 * The value a past inspection measured for this check on this host (by measure key), from the
 * inspection that started nearest to the same time yesterday / last week (within 30 minutes).
 */
export function historyBaseline(history: readonly Inspection[], now: Date, baseline: 'yesterday' | 'lastWeek', checkId: string, host: string | undefined, key: string): number | undefined {
  const target = now.getTime() - BASELINE_AGO[baseline];
  let best: { distance: number; value: number } | undefined;
  for (const past of history) {
    const distance = Math.abs(Date.parse(past.startedAt) - target);
    if (!(distance <= BASELINE_TOLERANCE_MS)) continue;
    const r = past.results.find((x) => x.checkId === checkId && x.host === host);
    const value = r?.measured?.[key];
    if (typeof value === 'number' && (!best || distance < best.distance)) best = { distance, value };
  }
  return best?.value;
}

/** The last inspections' results of one check on one host, newest first (for consecutive periods). */
export function previousResults(history: readonly Inspection[], checkId: string, host: string | undefined): Array<{ at: number; result: CheckResult }> {
  const out: Array<{ at: number; result: CheckResult }> = [];
  for (const past of history) {
    const r = past.results.find((x) => x.checkId === checkId && x.host === host);
    if (r) out.push({ at: Date.parse(past.startedAt), result: r });
  }
  return out.sort((a, b) => b.at - a.at);
}
