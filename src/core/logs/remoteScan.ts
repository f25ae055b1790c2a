/**
 * Scan a whole log on its host without downloading it: grep runs there with the matcher's literals
 * (`-F`, sent on stdin) and its literal-less regexes (`-E`), only matching lines travel, and each
 * is checked again by the same matcher a local scan uses, so the findings (pattern, columns,
 * explanation) are the ones `sofa-ops logs scan` gives for the file itself. Logs whose checks need
 * every line (a field format, a regex grep cannot run) are streamed through the scanner instead:
 * the whole file crosses the network then, but is never held in memory.
 */
import type { LogMatcher } from './logMatcher';
import { findingSeverity, type LogFinding, LogScanner, scanText, type ScanTotals, severityRank } from './logScanner';
import { catCommand, remoteGrepCommand, toExtendedRegex } from './remoteLogCommands';
import { describeFailure, RemoteLogError, type RemoteExec } from './remoteLogSource';

export type RemoteScanMode = 'grep' | 'stream';

export interface RemoteScanPlan {
  mode: RemoteScanMode;
  command: string;
  /** What goes to the command's stdin (the literals, one per line), if anything. */
  stdin?: string;
}

/** How a file is scanned on its host with this matcher. */
export function planRemoteScan(matcher: LogMatcher, file: string): RemoteScanPlan {
  const regexes: string[] = [];
  let streamable = matcher.format === undefined;
  for (const index of matcher.linePatterns) {
    const ere = toExtendedRegex(matcher.patterns[index].pattern.match);
    if (ere === undefined) streamable = false;
    else regexes.push(ere);
  }
  if (!streamable) return { mode: 'stream', command: catCommand(file) };
  // A literal holding a line break would split into two grep patterns: still a superset, and the
  // matcher below drops what is not really a match.
  const literals = matcher.literals;
  return {
    mode: 'grep',
    command: remoteGrepCommand(file, { literals: literals.length > 0, regexes }),
    ...(literals.length ? { stdin: literals.join('\n') + '\n' } : {}),
  };
}

export interface RemoteScanOptions {
  signal?: AbortSignal;
  /** Findings in line order, as soon as they are known (stream mode), or all at the end (grep mode). */
  onFinding?: (finding: LogFinding) => void;
}

export interface RemoteScanResult {
  mode: RemoteScanMode;
  totals: ScanTotals;
  /** Bytes that crossed the network (matching lines in grep mode, the file in stream mode). */
  transferred: number;
  durationMs: number;
}

export async function scanRemoteLog(exec: RemoteExec, file: string, matcher: LogMatcher, options: RemoteScanOptions = {}): Promise<RemoteScanResult> {
  const started = Date.now();
  const plan = planRemoteScan(matcher, file);
  let transferred = 0;
  if (plan.mode === 'stream') {
    const scanner = new LogScanner(matcher, { onFinding: options.onFinding });
    const result = await exec(plan.command, {
      signal: options.signal,
      maxBufferBytes: 0,
      onStdout: (chunk) => {
        transferred += chunk.length;
        scanner.push(chunk);
      },
    });
    if (result.outcome !== 'ok') throw new RemoteLogError(describeFailure(file, result), result);
    return { mode: plan.mode, totals: scanner.end(), transferred, durationMs: Date.now() - started };
  }

  const lines = new GrepLines();
  const result = await exec(plan.command, {
    signal: options.signal,
    stdin: plan.stdin,
    maxBufferBytes: 0,
    onStdout: (chunk) => {
      transferred += chunk.length;
      lines.push(chunk);
    },
  });
  if (result.outcome !== 'ok') throw new RemoteLogError(describeFailure(file, result), result);
  const totals: ScanTotals = { findings: 0, perPattern: new Map() };
  for (const [line, text] of lines.end()) {
    for (const finding of scanText(matcher, text).findings) {
      finding.line = line;
      tally(totals, finding);
      options.onFinding?.(finding);
    }
  }
  return { mode: plan.mode, totals, transferred, durationMs: Date.now() - started };
}

function tally(totals: ScanTotals, finding: LogFinding): void {
  totals.findings++;
  for (const m of finding.matches) totals.perPattern.set(m.pattern.id, (totals.perPattern.get(m.pattern.id) ?? 0) + 1);
  const severity = findingSeverity(finding);
  if (!totals.worst || severityRank(severity) > severityRank(totals.worst)) totals.worst = severity;
}

/** A command's output split into lines as it streams in (chunks split anywhere); `line` gets each, without its break. */
export abstract class StreamedLines {
  private carry: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      this.line(buf, start, nl);
      start = nl + 1;
    }
    this.carry = Buffer.from(buf.subarray(start));
  }

  /** The last line, when the output did not end with a line break. */
  protected flush(): void {
    if (this.carry.length) this.line(this.carry, 0, this.carry.length);
    this.carry = Buffer.alloc(0);
  }

  protected abstract line(buf: Buffer, start: number, end: number): void;
}

/** `N:text` lines from one or two greps, merged by line number (a line found by both counts once). */
export class GrepLines extends StreamedLines {
  private readonly byLine = new Map<number, string>();

  /** Lines in file order. */
  end(): [number, string][] {
    this.flush();
    return [...this.byLine].sort((a, b) => a[0] - b[0]);
  }

  protected line(buf: Buffer, start: number, end: number): void {
    const colon = buf.indexOf(0x3a, start);
    if (colon === -1 || colon >= end) return;
    const n = Number(buf.toString('latin1', start, colon));
    if (!Number.isSafeInteger(n) || n < 1) return;
    if (end > colon + 1 && buf[end - 1] === 0x0d) end--;
    this.byLine.set(n, buf.toString('utf8', colon + 1, end));
  }
}
