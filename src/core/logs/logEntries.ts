/**
 * Where a log entry starts: a Java stack trace, a "Caused by:" chain or a wrapped message belongs
 * to the line that started it. Works on raw bytes so the scanner can classify every line of a
 * large log without decoding it.
 */

export enum LineKind {
  /** Starts with a timestamp ("2024-05-06 10:11:12,345 …", "[2024-05-06 …]", "10:11:12.345 …"). */
  Timestamped,
  /** Certainly continues the entry before it: "\tat …", "Caused by: …", "\t... 12 more". */
  Continuation,
  /** Anything else: continues a timestamped entry, starts one in a log without timestamps. */
  Plain,
}

const SPACE = 0x20;
const TAB = 0x09;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

const CAUSED_BY = Buffer.from('Caused by:');
const SUPPRESSED = Buffer.from('Suppressed:');
const AT = Buffer.from('at ');
const ELLIPSIS = Buffer.from('... ');

export function classifyLine(buf: Uint8Array, start: number, end: number): LineKind {
  const first = buf[start];
  if (first === SPACE || first === TAB) {
    let i = start + 1;
    while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
    if (startsWith(buf, i, end, AT) || startsWith(buf, i, end, ELLIPSIS) || startsWith(buf, i, end, SUPPRESSED) || startsWith(buf, i, end, CAUSED_BY)) {
      return LineKind.Continuation;
    }
    return LineKind.Plain;
  }
  if (first === 0x43 /* C */ && startsWith(buf, start, end, CAUSED_BY)) return LineKind.Continuation;
  return startsWithTimestamp(buf, start, end) ? LineKind.Timestamped : LineKind.Plain;
}

/** "yyyy-mm-dd" or "hh:mm:ss", optionally after "[". */
function startsWithTimestamp(buf: Uint8Array, start: number, end: number): boolean {
  let i = start;
  if (buf[i] === 0x5b /* [ */) i++;
  if (end - i < 8) return false;
  if (isDigit(buf[i]) && isDigit(buf[i + 1]) && isDigit(buf[i + 2]) && isDigit(buf[i + 3]) && buf[i + 4] === 0x2d /* - */) {
    return end - i >= 10 && isDigit(buf[i + 5]) && isDigit(buf[i + 6]) && buf[i + 7] === 0x2d && isDigit(buf[i + 8]) && isDigit(buf[i + 9]);
  }
  return isDigit(buf[i]) && isDigit(buf[i + 1]) && buf[i + 2] === 0x3a /* : */ && isDigit(buf[i + 3]) && isDigit(buf[i + 4]) && buf[i + 5] === 0x3a;
}

function isDigit(b: number): boolean {
  return b >= DIGIT_0 && b <= DIGIT_9;
}

function startsWith(buf: Uint8Array, at: number, end: number, prefix: Uint8Array): boolean {
  if (end - at < prefix.length) return false;
  for (let j = 0; j < prefix.length; j++) if (buf[at + j] !== prefix[j]) return false;
  return true;
}

/** Does a line of this kind continue the current entry (whose start was or was not timestamped)? */
export function continuesEntry(kind: LineKind, entryTimestamped: boolean): boolean {
  return kind === LineKind.Continuation || (kind === LineKind.Plain && entryTimestamped);
}
