/**
 * Streams a log through a LogMatcher: chunks in (Buffers or strings, split anywhere, from a file,
 * stdin or a remote channel), findings out — one per line that matches a known pattern or holds a
 * field value the guide calls bad, with its 1-based line number, the column range of each match,
 * and the stack trace or wrapped text that belongs to it.
 *
 * Speed comes from not looking at most of the text: the literal searcher jumps through the bytes,
 * lines are decoded only where something hit, and in count-only mode line numbers and entries are
 * not tracked at all (unless a pattern or field format needs every line anyway).
 */
import type { LogPattern, Severity } from '../catalog/types';
import { classifyLine, continuesEntry, LineKind } from './logEntries';
import type { LogMatcher } from './logMatcher';
import { type ParsedLine, regexInput } from './structuredFormat';

export interface PatternMatch {
  pattern: LogPattern;
  /** UTF-16 offsets into the line's text (editor columns, 0-based), half-open. */
  start: number;
  end: number;
}

export interface LogFinding {
  /** 1-based; 0 when line numbers are not tracked (count-only scans). */
  line: number;
  /** The line without its line break. */
  text: string;
  /** Known patterns on the line, in column order. */
  matches: PatternMatch[];
  /** The line split into documented fields, for logs with a field format. */
  structured?: ParsedLine;
  /** Set when the line continues an entry that started on an earlier line (a "Caused by:"…). */
  entry?: { line: number; text: string };
  /** The lines that continue this line's entry (stack trace, wrapped message), at most `maxStackLines`. */
  stack?: string[];
  /** More continuation lines followed than `stack` holds. */
  stackTruncated?: boolean;
}

export interface ScanOptions {
  /** Only totals; no findings are built or reported (the fast mode behind `logs scan --count`). */
  countOnly?: boolean;
  /** Called for each finding, in line order, once its entry is complete. */
  onFinding?: (finding: LogFinding) => void;
  /** Continuation lines kept per finding (default 200). */
  maxStackLines?: number;
}

export interface ScanTotals {
  /** Lines with at least one finding. */
  findings: number;
  /** Per pattern id (and per `formatId.field` for bad field values): lines. */
  perPattern: Map<string, number>;
  /** Lines read, when tracked (undefined in count-only scans that did not need every line). */
  lines?: number;
  /** The most severe finding, if any. */
  worst?: Severity;
}

/** Severity of a bad field value: the catalog's `bad` rules carry no severity of their own. */
export const BAD_FIELD_SEVERITY: Severity = 'warning';

const SEVERITY_RANK: Record<Severity, number> = { ok: 0, info: 1, warning: 2, error: 3, critical: 4 };

export function severityRank(severity: Severity): number {
  return SEVERITY_RANK[severity];
}

/** The finding's severity: its most severe match or bad field. */
export function findingSeverity(finding: LogFinding): Severity {
  let worst: Severity | undefined;
  for (const m of finding.matches) if (!worst || SEVERITY_RANK[m.pattern.severity] > SEVERITY_RANK[worst]) worst = m.pattern.severity;
  if (finding.structured?.fields.some((f) => f.bad) && (!worst || SEVERITY_RANK[BAD_FIELD_SEVERITY] > SEVERITY_RANK[worst])) {
    worst = BAD_FIELD_SEVERITY;
  }
  return worst ?? 'info';
}

/** Id under which a bad field value is counted and reported. */
export function badFieldId(formatId: string, field: string): string {
  return `${formatId}.${field}`;
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class LogScanner {
  readonly totals: ScanTotals = { findings: 0, perPattern: new Map() };
  private readonly countOnly: boolean;
  private readonly trackLines: boolean;
  private readonly maxStack: number;
  private carry: Buffer = EMPTY;
  private lineNo = 0;
  private ended = false;
  // The entry (a line and its continuation lines) the scan is in.
  private entryLine = 0;
  private entryText: string | undefined;
  private entryTimestamped = false;
  /** Findings of the current entry, held until it ends so they can collect its stack. */
  private pending: LogFinding[] = [];
  /** The finding on the current entry's first line, while it still collects continuation lines. */
  private collecting: LogFinding | undefined;
  // Reused between blocks.
  private hitPositions: number[] = [];
  private hitLiterals: number[] = [];
  /** Count-only fast path: per pattern, the stamp of the last line that checked it. */
  private seenStamp: Uint32Array;
  private stamp = 0;
  /** Count-only fast path: per-pattern counts by index, folded into `totals` at the end. */
  private patternCounts: Uint32Array;

  constructor(private readonly matcher: LogMatcher, private readonly options: ScanOptions = {}) {
    this.countOnly = !!options.countOnly;
    this.trackLines = !this.countOnly || matcher.needsEveryLine;
    this.maxStack = options.maxStackLines ?? 200;
    if (this.trackLines) this.totals.lines = 0;
    this.seenStamp = new Uint32Array(matcher.patterns.length);
    this.patternCounts = new Uint32Array(matcher.patterns.length);
  }

  /** Feed the next piece of the log; lines may span pieces. The chunk is not kept. */
  push(chunk: Buffer | Uint8Array | string): void {
    if (this.ended) throw new Error('push after end');
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) return;
    if (this.carry.length) {
      const nl = buf.indexOf(NEWLINE);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, buf]);
        return;
      }
      // Only the line that spans the boundary is copied.
      this.scanBlock(Buffer.concat([this.carry, buf.subarray(0, nl + 1)]));
      this.carry = EMPTY;
      buf = buf.subarray(nl + 1);
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.carry = Buffer.from(buf);
      return;
    }
    this.scanBlock(buf.subarray(0, last + 1));
    if (last + 1 < buf.length) this.carry = Buffer.from(buf.subarray(last + 1));
  }

  /** The log ended: scan its last line (even without a line break) and report what is held. */
  end(): ScanTotals {
    if (this.ended) return this.totals;
    if (this.carry.length) this.scanBlock(this.carry);
    this.carry = EMPTY;
    this.ended = true;
    this.closeEntry();
    this.foldPatternCounts();
    return this.totals;
  }

  /**
   * Report held findings now, without waiting for their entry to end (a followed log that went
   * quiet). Continuation lines that arrive later are no longer attached to them.
   */
  flush(): void {
    this.closeEntry();
  }

  /** `block` holds whole lines (the last one may lack its line break only at the end). */
  private scanBlock(block: Buffer): void {
    const positions = this.hitPositions;
    const literals = this.hitLiterals;
    positions.length = 0;
    literals.length = 0;
    if (this.matcher.literals.length) {
      this.matcher.literalSearcher(block).search(block, 0, block.length, (literal, position) => {
        positions.push(position);
        literals.push(literal);
      });
      if (positions.length > 1) sortHits(positions, literals);
    }
    if (this.trackLines) this.scanEveryLine(block, positions, literals);
    else this.scanHitLines(block, positions, literals);
  }

  /** Count-only and no pattern needs every line: visit just the lines that hold a hit. */
  private scanHitLines(block: Buffer, positions: number[], literals: number[]): void {
    let h = 0;
    while (h < positions.length) {
      const start = block.lastIndexOf(NEWLINE, positions[h]) + 1;
      let end = block.indexOf(NEWLINE, positions[h]);
      if (end === -1) end = block.length;
      const first = h;
      while (h < positions.length && positions[h] < end) h++;
      this.countHitLine(block, start, end, literals, first, h);
    }
  }

  /**
   * `lineWithHits` for count-only scans without every-line checks, where hits can be dense (a
   * broker log is one heartbeat line in six): no finding, match list or set is built per line;
   * a literal hit counts as it is, a regex is run only on its line's text.
   */
  private countHitLine(block: Buffer, start: number, end: number, literals: number[], first: number, last: number): void {
    const { patterns, literalPatterns } = this.matcher;
    const seen = this.seenStamp;
    const counts = this.patternCounts;
    const stamp = ++this.stamp === 0xffffffff ? this.resetStamps() : this.stamp;
    let text: string | undefined;
    let worst = -1;
    let worstSeverity: Severity | undefined;
    for (let k = first; k < last; k++) {
      const indexes = literalPatterns[literals[k]];
      for (let i = 0; i < indexes.length; i++) {
        const index = indexes[i];
        if (seen[index] === stamp) continue;
        seen[index] = stamp;
        const compiled = patterns[index];
        if (compiled.regex) {
          text ??= decode(block, start, end);
          if (!compiled.regex.test(regexInput(text))) continue;
        }
        counts[index]++;
        const rank = SEVERITY_RANK[compiled.pattern.severity];
        if (rank > worst) {
          worst = rank;
          worstSeverity = compiled.pattern.severity;
        }
      }
    }
    if (!worstSeverity) return;
    this.totals.findings++;
    if (!this.totals.worst || worst > SEVERITY_RANK[this.totals.worst]) this.totals.worst = worstSeverity;
  }

  private resetStamps(): number {
    this.seenStamp.fill(0);
    return (this.stamp = 1);
  }

  private foldPatternCounts(): void {
    const perPattern = this.totals.perPattern;
    this.patternCounts.forEach((n, index) => {
      if (!n) return;
      const id = this.matcher.patterns[index].pattern.id;
      perPattern.set(id, (perPattern.get(id) ?? 0) + n);
    });
    this.patternCounts.fill(0);
  }

  private scanEveryLine(block: Buffer, positions: number[], literals: number[]): void {
    const everyLine = this.matcher.needsEveryLine;
    const entries = !this.countOnly;
    let h = 0;
    let start = 0;
    let entryStart = -1;
    let entryEnd = -1;
    while (start < block.length) {
      let end = block.indexOf(NEWLINE, start);
      if (end === -1) end = block.length;
      this.lineNo++;
      let continues = false;
      if (entries) {
        const kind = classifyLine(block, start, end);
        continues = this.entryLine > 0 && continuesEntry(kind, this.entryTimestamped);
        if (!continues) {
          this.closeEntry();
          this.entryLine = this.lineNo;
          this.entryText = undefined;
          this.entryTimestamped = kind === LineKind.Timestamped;
          entryStart = start;
          entryEnd = end;
        } else if (this.collecting) {
          this.attach(this.collecting, decode(block, start, end));
        }
      }
      const first = h;
      while (h < positions.length && positions[h] < end) h++;
      if (h > first || everyLine) {
        const finding = this.lineWithHits(block, start, end, literals, first, h);
        if (finding && entries) {
          if (continues) {
            if (this.entryText === undefined && entryStart >= 0) this.entryText = decode(block, entryStart, entryEnd);
            finding.entry = { line: this.entryLine, text: this.entryText ?? '' };
            this.hold(finding);
          } else {
            this.hold(finding);
            this.collecting = finding;
          }
        }
      }
      start = end + 1;
    }
    // The entry may go on in the next block, which will not have its first line.
    if (entries && entryStart >= 0 && this.entryText === undefined) this.entryText = decode(block, entryStart, entryEnd);
    this.totals.lines = this.lineNo;
  }

  /** Check one line against the patterns its hits point at (and the every-line checks). */
  private lineWithHits(block: Buffer, start: number, end: number, literals: number[], first: number, last: number): LogFinding | undefined {
    const matcher = this.matcher;
    let text: string | undefined;
    const line = () => (text ??= decode(block, start, end));
    const matches: PatternMatch[] = [];
    const seen = new Set<number>();
    const check = (index: number) => {
      if (seen.has(index)) return;
      seen.add(index);
      const compiled = matcher.patterns[index];
      if (compiled.regex) {
        const m = compiled.regex.exec(regexInput(line()));
        if (m) matches.push({ pattern: compiled.pattern, start: m.index, end: m.index + m[0].length });
      } else if (!this.countOnly) {
        // Found in the bytes, so in the text too (barring invalid UTF-8 right before it).
        const at = Math.max(0, line().indexOf(compiled.literal!));
        matches.push({ pattern: compiled.pattern, start: at, end: at + compiled.literal!.length });
      } else {
        // Counting: the byte hit is proof enough, no need to decode the line.
        matches.push({ pattern: compiled.pattern, start: 0, end: 0 });
      }
    };
    for (let k = first; k < last; k++) for (const index of matcher.literalPatterns[literals[k]]) check(index);
    for (const index of matcher.linePatterns) check(index);
    let structured: ParsedLine | undefined;
    if (matcher.format) {
      structured = matcher.format.parse(line());
      if (structured && !matches.length && !structured.fields.some((f) => f.bad)) structured = undefined;
    }
    if (!matches.length && !structured) return undefined;
    matches.sort((a, b) => a.start - b.start || a.end - b.end);
    const finding: LogFinding = { line: this.trackLines ? this.lineNo : 0, text: text ?? '', matches };
    if (structured) finding.structured = structured;
    this.count(finding);
    return finding;
  }

  private count(finding: LogFinding): void {
    const totals = this.totals;
    totals.findings++;
    const bump = (id: string) => totals.perPattern.set(id, (totals.perPattern.get(id) ?? 0) + 1);
    for (const m of finding.matches) bump(m.pattern.id);
    if (finding.structured) for (const f of finding.structured.fields) if (f.bad) bump(badFieldId(finding.structured.format.id, f.name));
    const severity = findingSeverity(finding);
    if (!totals.worst || SEVERITY_RANK[severity] > SEVERITY_RANK[totals.worst]) totals.worst = severity;
  }

  private hold(finding: LogFinding): void {
    if (this.options.onFinding) this.pending.push(finding);
  }

  private attach(finding: LogFinding, line: string): void {
    finding.stack ??= [];
    if (finding.stack.length < this.maxStack) {
      finding.stack.push(line);
      return;
    }
    // The stack is full: report the entry's findings now rather than hold them for ever.
    finding.stackTruncated = true;
    this.collecting = undefined;
    this.emitPending();
  }

  private closeEntry(): void {
    this.collecting = undefined;
    this.emitPending();
  }

  private emitPending(): void {
    const pending = this.pending;
    if (!pending.length) return;
    this.pending = [];
    for (const finding of pending) this.options.onFinding!(finding);
  }
}

function decode(block: Buffer, start: number, end: number): string {
  if (end > start && block[end - 1] === CR) end--;
  return block.toString('utf8', start, end);
}

/** Sort hit positions (and their literal indexes alongside); hits come nearly sorted. */
function sortHits(positions: number[], literals: number[]): void {
  for (let i = 1; i < positions.length; i++) {
    const p = positions[i];
    const l = literals[i];
    let j = i - 1;
    while (j >= 0 && positions[j] > p) {
      positions[j + 1] = positions[j];
      literals[j + 1] = literals[j];
      j--;
    }
    positions[j + 1] = p;
    literals[j + 1] = l;
  }
}

/** Scan a whole text (a viewer window, a test) and return its findings. */
export function scanText(matcher: LogMatcher, text: string | Buffer, options: Omit<ScanOptions, 'onFinding'> = {}): { findings: LogFinding[]; totals: ScanTotals } {
  const findings: LogFinding[] = [];
  const scanner = new LogScanner(matcher, { ...options, onFinding: (f) => findings.push(f) });
  scanner.push(text);
  return { findings, totals: scanner.end() };
}
