/**
 * The part of a large log a viewer holds: a window of whole lines at known byte offsets, cut from
 * what the host sent. Offsets are what make paging and following exact: "load earlier" asks for
 * the bytes before `start`, follow resumes at `end`, and neither ever needs the whole file.
 */

const NEWLINE = 0x0a;

export interface LogWindow {
  /** File offset of the first byte of `text`. */
  start: number;
  /** File offset just past the last complete line of `text` (where following resumes). */
  end: number;
  /** Complete lines, each with its line break. */
  text: string;
  /** Bytes after the last line break: a line still being written (shown, not yet final). */
  partial: string;
  /** Number of complete lines in `text`. */
  lines: number;
}

/**
 * Cut a window from `body`, the file's bytes from offset `bodyStart` on: at most `maxLines`
 * complete lines, the last ones. When `bodyStart` is not the file's start the first line of
 * `body` may be the tail of a longer line, so it is dropped unless `firstLineComplete` says the
 * host already cut at a line start. A body without any line break is kept whole (a line longer
 * than the fetch is still shown, in pieces).
 */
export function cutWindow(body: Buffer, bodyStart: number, maxLines: number, firstLineComplete = bodyStart === 0): LogWindow {
  let from = 0;
  if (!firstLineComplete) {
    const nl = body.indexOf(NEWLINE);
    if (nl !== -1 && nl + 1 < body.length) from = nl + 1;
  }
  const lastNl = body.lastIndexOf(NEWLINE);
  const completeEnd = lastNl >= from ? lastNl + 1 : from;
  let cut = completeEnd;
  let lines = 0;
  while (lines < maxLines && cut > from) {
    const previous = cut >= 2 ? body.lastIndexOf(NEWLINE, cut - 2) : -1;
    cut = previous >= from ? previous + 1 : from;
    lines++;
  }
  return {
    start: bodyStart + cut,
    end: bodyStart + completeEnd,
    text: body.toString('utf8', cut, completeEnd),
    partial: body.toString('utf8', completeEnd),
    lines,
  };
}

/** Where the page before a window starts: at most `pageBytes` back, never before the file. */
export function earlierRange(windowStart: number, pageBytes: number): { start: number; length: number } {
  const start = Math.max(0, windowStart - pageBytes);
  return { start, length: windowStart - start };
}

/** Where a tail fetch starts: the last `maxBytes` of a file of `size` bytes. */
export function tailRange(size: number, maxBytes: number): { start: number; length: number } {
  const start = Math.max(0, size - maxBytes);
  return { start, length: size - start };
}

/** Count the line breaks in a string (lines added to a window). */
export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * A growing window (a followed log): appended text is split into complete lines and the partial
 * rest; when the window holds more than `maxLines` lines, the oldest are dropped so memory stays
 * bounded however long the log is followed.
 */
export class WindowText {
  private head: string;
  private partialText: string;
  private lineCount: number;
  /** Lines and bytes dropped from the top since the window was opened (to keep offsets exact). */
  dropped = 0;
  droppedBytes = 0;

  constructor(window: Pick<LogWindow, 'text' | 'partial' | 'lines'>, private readonly maxLines: number) {
    this.head = window.text;
    this.partialText = window.partial;
    this.lineCount = window.lines;
  }

  get text(): string {
    return this.head + this.partialText;
  }

  get lines(): number {
    return this.lineCount;
  }

  get partial(): string {
    return this.partialText;
  }

  /** Following starts at the last complete line: the partial line will arrive again, whole. */
  dropPartial(): void {
    this.partialText = '';
  }

  prepend(text: string, lines: number): void {
    this.head = text + this.head;
    this.lineCount += lines;
  }

  /** Append streamed text (which may end mid-line). Returns the number of lines dropped at the top. */
  append(text: string): number {
    const joined = this.partialText + text;
    const lastNl = joined.lastIndexOf('\n');
    if (lastNl === -1) {
      this.partialText = joined;
      return 0;
    }
    const complete = joined.slice(0, lastNl + 1);
    this.partialText = joined.slice(lastNl + 1);
    this.head += complete;
    this.lineCount += countLines(complete);
    return this.trim();
  }

  private trim(): number {
    const excess = this.lineCount - this.maxLines;
    if (excess <= 0) return 0;
    // Drop a quarter more than needed so trimming (a copy of the window) happens rarely.
    const drop = Math.min(this.lineCount, excess + Math.floor(this.maxLines / 4));
    let at = -1;
    for (let i = 0; i < drop; i++) at = this.head.indexOf('\n', at + 1);
    this.droppedBytes += Buffer.byteLength(this.head.slice(0, at + 1));
    this.head = this.head.slice(at + 1);
    this.lineCount -= drop;
    this.dropped += drop;
    return drop;
  }
}
