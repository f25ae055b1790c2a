/**
 * The incident timeline: for a time window, every known problem (the catalog's patterns and bad
 * field values) in every log of every selected host's component, merged by time into one list,
 * bursts (one pattern, one host, one after another) collapsed into a row with a count. Each log
 * is scanned on its host over the window's bytes only (timeWindow.ts): grep there when the
 * matcher allows it, else the window is streamed through the same scanner `logs scan` uses.
 */
import { translator } from '../l10n';
import { pick } from '../catalog/text';
import type { Lang, LogFile, Severity } from '../catalog/types';
import type { InventoryHost } from '../inventory/inventory';
import { stderrReason } from '../ssh/stderrReason';
import type { SshTarget } from '../ssh/types';
import type { HostExec } from './hostGrep';
import { hostLogPath } from './hostLogPath';
import type { LogCatalog } from './logCatalog';
import { compileLogMatcher, type LogMatcher } from './logMatcher';
import { BAD_FIELD_SEVERITY, badFieldId, findingSeverity, type LogFinding, LogScanner, scanText, severityRank } from './logScanner';
import { REQUIRE_READABLE, toExtendedRegex } from './remoteLogCommands';
import { GrepLines, planRemoteScan } from './remoteScan';
import { lineTimeKey, OUT_OF_WINDOW, type TimeKey, type TimeWindow, windowFunctions } from './timeWindow';
import { shellQuote } from '../shellQuote';

export interface TimelineEvent {
  time: TimeKey;
  host: string;
  file: string;
  line: number;
  severity: Severity;
  /** Pattern id, or `format.field` for a bad field value. */
  pattern: string;
  section: string;
  explanation: string;
  action: string;
  text: string;
}

/** One event, or a burst of the same pattern on the same host: the first event, the count and the last. */
export interface TimelineRow extends TimelineEvent {
  count: number;
  lastTime: TimeKey;
  lastLine: number;
}

export interface TimelineProblem {
  host: string;
  file?: string;
  message: string;
}

export interface Timeline {
  window: TimeWindow;
  hosts: string[];
  rows: TimelineRow[];
  events: number;
  /** Hosts or logs that could not be read (a missing log file is not a problem: not every host writes every log). */
  problems: TimelineProblem[];
}

/** The catalog logs a host's component writes, grouped by their path on the host. */
export function hostLogs(catalog: LogCatalog, host: InventoryHost): { path: string; logs: LogFile[] }[] {
  const byPath = new Map<string, LogFile[]>();
  for (const log of catalog.logs) {
    if (!log.components.some((c) => c === host.component || host.groups.includes(c))) continue;
    const file = hostLogPath(log.path, host.logRoot);
    byPath.set(file, [...(byPath.get(file) ?? []), log]);
  }
  return [...byPath].map(([path, logs]) => ({ path, logs }));
}

const BASE = 'SOFA-OPS-BASE';
const LOGS_PER_HOST = 4;
const MISSING = 'SOFA-OPS-MISSING';

/**
 * The window of one log scanned on its host: a header `SOFA-OPS-BASE lines-before`, then grep's
 * `N:text` lines or the window's bytes. A gzipped rotation is decompressed and filtered by awk
 * (lines outside the window become OUT_OF_WINDOW, so the numbering stays the file's).
 */
export function windowScanCommand(file: string, matcher: LogMatcher, window: TimeWindow): { command: string; stdin?: string; mode: 'grep' | 'stream' } {
  const plan = planRemoteScan(matcher, file);
  const gz = file.endsWith('.gz');
  const source = gz ? 'gzip -dc -- "$f" | sofa_filter' : 'sofa_slice "$f"';
  const lines = [
    'export LC_ALL=C',
    plan.stdin !== undefined ? 'p=$(cat)' : '',
    `f=${shellQuote(file)}`,
    `[ -e "$f" ] || { echo ${MISSING}; exit 0; }`,
    REQUIRE_READABLE,
    windowFunctions(window),
    gz ? `echo '${BASE} 0'` : `sofa_cut "$f" || exit 2; printf '${BASE} %s\\n' "$B"; [ "$E" -gt "$S" ] || exit 0`,
  ];
  if (plan.mode === 'stream') lines.push(source);
  else {
    lines.push('r=0');
    if (plan.stdin !== undefined) lines.push(`${source} | grep -a -n -F -e "$p" || r=$?`, '[ "$r" -le 1 ] || exit "$r"');
    // The same regexes the whole-file plan greps for (planRemoteScan chose grep, so each has an ERE form).
    const regexes = matcher.linePatterns.map((i) => toExtendedRegex(matcher.patterns[i].pattern.match)!);
    if (regexes.length) lines.push(`${source} | grep -a -n -E ${regexes.map((re) => `-e ${shellQuote(re)}`).join(' ')} || r=$?`, '[ "$r" -le 1 ] || exit "$r"');
    lines.push('exit 0');
  }
  return { command: lines.filter(Boolean).join('\n'), ...(plan.stdin !== undefined ? { stdin: plan.stdin } : {}), mode: plan.mode };
}

/** Seconds of slack when a rotated file is skipped by its modification time (log clocks drift, see acvip-clock-skew). */
const MTIME_SLACK_S = 3600;

/**
 * The rotated files next to `file` that can hold the window: plain or gzipped, not last written
 * (mtime, with an hour's slack) before the window starts. One name per line.
 */
export function rotatedFilesCommand(file: string, window: TimeWindow): string {
  const since = window.since?.slice(0, 19);
  if (since !== undefined && !/^[\d: -]+$/.test(since)) throw new Error(`bad time key "${since}"`);
  return [
    `f=${shellQuote(file)}`,
    since ? `se=$(date -d '${since}' +%s 2>/dev/null) || se=` : 'se=',
    'for g in "$f".*; do',
    '  [ -f "$g" ] || continue',
    '  case "$g" in *.bz2|*.xz|*.zst|*.zip|*.lz4|*.7z) continue ;; esac',
    `  if [ -n "$se" ] && m=$(stat -L -c %Y -- "$g" 2>/dev/null) && [ "$m" -lt $(( se - ${MTIME_SLACK_S} )) ]; then continue; fi`,
    `  printf '%s\\n' "$g"`,
    'done',
  ].join('\n');
}

/** Splits the header line off a stream, then passes the rest on. */
class HeaderFirst {
  private head: Buffer | undefined = Buffer.alloc(0);
  header?: string;
  constructor(private readonly rest: (chunk: Buffer) => void) {}
  push(chunk: Buffer): void {
    if (!this.head) return this.rest(chunk);
    const buf = Buffer.concat([this.head, chunk]);
    const nl = buf.indexOf(0x0a);
    if (nl === -1) {
      this.head = buf;
      return;
    }
    this.header = buf.toString('utf8', 0, nl);
    this.head = undefined;
    if (nl + 1 < buf.length) this.rest(buf.subarray(nl + 1));
  }
}

export interface TimelineOptions {
  window: TimeWindow;
  lang: Lang;
  /** Leave out lines less severe than this (default warning: the catalog's ok/info lines, such as healthy heartbeats, are not problems). */
  minSeverity?: Severity;
  /** Also the rotated files next to each log (`.1`, date suffixes, `.gz`) that can hold the window. */
  rotated?: boolean;
  parallel?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function collectTimeline(exec: HostExec, catalog: LogCatalog, hosts: readonly InventoryHost[], targets: readonly SshTarget[], options: TimelineOptions): Promise<Timeline> {
  const perHost: TimelineEvent[][] = hosts.map(() => []);
  const problems: TimelineProblem[] = [];
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const index = next++;
      const host = hosts[index];
      if (host.notSsh) {
        problems.push({ host: host.name, message: host.notSsh });
        continue;
      }
      const tasks: { path: string; logs: LogFile[]; rotation?: boolean }[] = hostLogs(catalog, host);
      let unreachable = false;
      // A few logs at once on one connection (sshd allows 10 sessions per connection by default).
      const logWorker = async () => {
        for (let task = tasks.shift(); task && !unreachable && !options.signal?.aborted; task = tasks.shift()) {
          const { path, logs } = task;
          const matcher = compileLogMatcher(catalog, logs);
          try {
            if (options.rotated && !task.rotation) {
              // Its rotated files join the queue (the scan of the log itself reports a host that is gone).
              const listed = await exec(targets[index], rotatedFilesCommand(path, options.window), { signal: options.signal, timeoutMs: options.timeoutMs });
              if (listed.outcome === 'ok') for (const name of listed.stdout.split('\n').filter(Boolean)) tasks.push({ path: name, logs, rotation: true });
            }
            const findings = await scanWindowOnHost(exec, targets[index], path, matcher, options);
            // A line without its own time (a trace line grep found alone) happened with the entry before it.
            let previous = options.window.since ?? '';
            const floor = severityRank(options.minSeverity ?? 'warning');
            for (const f of findings) {
              const event = eventOf(host.name, path, f, logs, options, previous);
              previous = event.time;
              if (severityRank(event.severity) >= floor) perHost[index].push(event);
            }
          } catch (err) {
            // An unreachable host fails every log the same way: say it once.
            if ((err as { unreachable?: boolean }).unreachable) {
              if (!unreachable) problems.push({ host: host.name, message: (err as Error).message });
              unreachable = true;
            } else problems.push({ host: host.name, file: path, message: (err as Error).message });
          }
        }
      };
      await Promise.all(Array.from({ length: LOGS_PER_HOST }, logWorker));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? 32, hosts.length)) }, worker));
  const rows = perHost.flatMap((events) => collapseBursts(events));
  const order = new Map(hosts.map((h, i) => [h.name, i]));
  rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : order.get(a.host)! - order.get(b.host)! || a.file.localeCompare(b.file) || a.line - b.line));
  return { window: options.window, hosts: hosts.map((h) => h.name), rows, events: perHost.reduce((n, e) => n + e.length, 0), problems };
}

async function scanWindowOnHost(exec: HostExec, target: SshTarget, file: string, matcher: LogMatcher, options: TimelineOptions): Promise<LogFinding[]> {
  const plan = windowScanCommand(file, matcher, options.window);
  const findings: LogFinding[] = [];
  const scanner = plan.mode === 'stream' ? new LogScanner(matcher, { onFinding: (f) => findings.push(f) }) : undefined;
  const grepLines = plan.mode === 'grep' ? new GrepLines() : undefined;
  const split = new HeaderFirst((chunk) => (scanner ? scanner.push(chunk) : grepLines!.push(chunk)));
  const result = await exec(target, plan.command, { stdin: plan.stdin, signal: options.signal, timeoutMs: options.timeoutMs, maxBufferBytes: 0, onStdout: (chunk) => split.push(chunk) });
  if (result.outcome !== 'ok') {
    const reason = result.outcome === 'exit' ? (stderrReason(result.stderr) ?? `exit code ${result.exitCode}`) : (result.message ?? result.outcome);
    throw Object.assign(new Error(reason), { unreachable: result.outcome !== 'exit' });
  }
  if (split.header === MISSING) return [];
  const base = Number(/^SOFA-OPS-BASE (\d+)$/.exec(split.header ?? '')?.[1] ?? NaN);
  if (!Number.isSafeInteger(base)) throw new Error(`unexpected output from the host while scanning ${file}`);
  if (scanner) scanner.end();
  else {
    for (const [line, text] of grepLines!.end()) {
      for (const f of scanText(matcher, text).findings) findings.push({ ...f, line });
    }
  }
  for (const f of findings) {
    if (f.stack) f.stack = f.stack.filter((l) => l !== OUT_OF_WINDOW);
    f.line += base;
    if (f.entry) f.entry = { ...f.entry, line: f.entry.line + base };
  }
  return findings;
}

function eventOf(host: string, file: string, f: LogFinding, logs: LogFile[], options: TimelineOptions, previous: TimeKey): TimelineEvent {
  const time = lineTimeKey(f.entry?.text ?? f.text) ?? lineTimeKey(f.text) ?? previous;
  const severity = findingSeverity(f);
  // The most severe pattern match; a bad field value when that is all there is.
  let best = f.matches[0];
  for (const m of f.matches) if (severityRank(m.pattern.severity) > severityRank(best.pattern.severity)) best = m;
  if (best && severityRank(best.pattern.severity) >= severityRank(severity)) {
    return { time, host, file, line: f.line, severity, pattern: best.pattern.id, section: best.pattern.section, explanation: pick(best.pattern.explanation, options.lang), action: pick(best.pattern.action, options.lang), text: f.text };
  }
  const field = f.structured?.fields.find((x) => x.bad);
  const format = f.structured?.format;
  const log = logs.find((l) => l.format === format) ?? logs[0];
  return {
    time,
    host,
    file,
    line: f.line,
    severity: BAD_FIELD_SEVERITY,
    pattern: format && field ? badFieldId(format.id, field.name) : 'unknown',
    section: log?.section ?? '',
    explanation: field?.bad ? `${field.name}=${field.value}: ${pick(field.bad, options.lang)}` : '',
    action: '',
    text: f.text,
  };
}

/**
 * One host's events: a run of the same pattern, one after another in the same log, becomes one
 * row (lines of the host's other logs in between do not break it). Rows come in time order.
 */
export function collapseBursts(events: TimelineEvent[]): TimelineRow[] {
  const sorted = [...events].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.file.localeCompare(b.file) || a.line - b.line));
  const rows: TimelineRow[] = [];
  const open = new Map<string, TimelineRow>();
  for (const e of sorted) {
    const key = `${e.host}\n${e.file}`;
    const last = open.get(key);
    if (last && last.pattern === e.pattern) {
      last.count++;
      last.lastTime = e.time;
      last.lastLine = e.line;
      continue;
    }
    const row = { ...e, count: 1, lastTime: e.time, lastLine: e.line };
    open.set(key, row);
    rows.push(row);
  }
  return rows;
}

function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/`/g, "'");
}

/** For the incident ticket. */
export function timelineMarkdown(timeline: Timeline, lang: Lang): string {
  const zh = lang === 'zh';
  const w = timeline.window;
  const out: string[] = [];
  out.push(`# ${zh ? '事件时间线' : 'Incident timeline'} ${w.since ?? '…'} – ${w.until ?? '…'}`, '');
  out.push(`${zh ? '主机' : 'Hosts'}: ${timeline.hosts.join(', ')}  `);
  out.push(zh ? `${timeline.events} 条已知问题日志，合并为 ${timeline.rows.length} 行` : `${timeline.events} known problem line(s) in ${timeline.rows.length} row(s)`, '');
  if (timeline.rows.length) {
    out.push(zh ? '| 时间 | 主机 | 文件:行 | 级别 | 次数 | 说明 | 处理 |' : '| Time | Host | File:line | Severity | Count | Explanation | Action |', '|---|---|---|---|---|---|---|');
    for (const r of timeline.rows) {
      const count = r.count > 1 ? `${r.count} (${zh ? '至' : 'to'} ${r.lastTime.slice(11)})` : '1';
      const what = `${r.explanation}${r.section ? ` (§${r.section})` : ''}`;
      out.push(`| ${r.time} | ${cell(r.host)} | \`${cell(r.file)}:${r.line}\` | ${translator(lang)(r.severity)} | ${count} | ${cell(what)}<br>\`${cell(r.text.slice(0, 200))}\` | ${cell(r.action)} |`);
    }
  } else out.push(zh ? '窗口内没有已知问题。' : 'No known problems in the window.');
  if (timeline.problems.length) {
    out.push('', zh ? '## 未能读取' : '## Not read', '');
    for (const p of timeline.problems) out.push(`- ${cell(p.host)}${p.file ? ` \`${cell(p.file)}\`` : ''}: ${cell(p.message)}`);
  }
  return out.join('\n') + '\n';
}
