/**
 * `grep` over a log (and, optionally, its rotated files) on its host: the pattern travels on stdin,
 * only the matching lines (and their context) come back, each with the file's real line number,
 * the one `grep -n` on the host prints, also inside a time window (see timeWindow.ts).
 *
 * The host prints, per file, a header `SOFA-OPS-FILE<TAB>lines-before<TAB>path` and then grep's
 * own `-n` output for that file. grep's lines start with a digit or are `--`, so a header is
 * never mistaken for a line.
 */
import { shellQuote } from '../shellQuote';
import { REQUIRE_READABLE } from './remoteLogCommands';
import { StreamedLines } from './remoteScan';
import { hasWindow, OUT_OF_WINDOW, type TimeWindow, windowFunctions } from './timeWindow';

export interface GrepQuery {
  /** One pattern: literal text unless `regex` (then a POSIX extended regex, as `grep -E`). */
  pattern: string;
  regex?: boolean;
  /** Lines of context before and after each match (`grep -C`). */
  context?: number;
  /** Also the rotated files next to the log: `NAME.1`, `NAME.2026-11-02`, `NAME.….gz`. */
  rotated?: boolean;
  window?: TimeWindow;
  /** At most this many matches per file (`grep -m`); undefined: all. */
  maxCount?: number;
}

export class GrepQueryError extends Error {}

export function checkQuery(query: GrepQuery): void {
  if (query.pattern === '') throw new GrepQueryError('the pattern is empty (it would match every line)');
  if (/[\r\n]/.test(query.pattern)) throw new GrepQueryError('the pattern has a line break; grep matches one line at a time');
  if (query.context !== undefined && (!Number.isSafeInteger(query.context) || query.context < 0 || query.context > 1000)) throw new GrepQueryError(`--context must be 0..1000, not ${query.context}`);
  if (query.maxCount !== undefined && (!Number.isSafeInteger(query.maxCount) || query.maxCount < 1)) throw new GrepQueryError(`--max-count must be a positive integer, not ${query.maxCount}`);
}

export const FILE_HEADER = 'SOFA-OPS-FILE';

/** The command for `file` on its host; send `query.pattern` on its stdin (`grepStdin`). */
export function logGrepCommand(file: string, query: GrepQuery): string {
  checkQuery(query);
  const window = query.window ?? {};
  const windowed = hasWindow(window);
  const flags = ['-a', '-n', query.regex ? '-E' : '-F'];
  if (query.context) flags.push(`-C ${query.context}`);
  if (query.maxCount) flags.push(`-m ${query.maxCount}`);
  const grep = `grep ${flags.join(' ')} -e "$p"`;
  const lines = [
    'export LC_ALL=C',
    // The pattern, read before anything else can use stdin; "$p" is never parsed by the shell.
    'p=$(cat)',
    `f=${shellQuote(file)}`,
    REQUIRE_READABLE,
    windowed ? windowFunctions(window) : '',
    'set -- "$f"',
    query.rotated ? 'for g in "$f".*; do [ -f "$g" ] && set -- "$@" "$g"; done' : '',
    'r=0',
    'for g in "$@"; do',
    '  case "$g" in',
    // Formats we do not decompress are skipped rather than grepped as binary noise.
    `    *.bz2|*.xz|*.zst|*.zip|*.lz4|*.7z) printf 'SOFA-OPS-SKIP\\t%s\\n' "$g"; continue ;;`,
    `    *.gz) printf '${FILE_HEADER}\\t0\\t%s\\n' "$g"; gzip -dc -- "$g" | ${windowed ? `sofa_filter | ${grep}` : grep} ;;`,
    windowed
      ? `    *) sofa_cut "$g" || continue; printf '${FILE_HEADER}\\t%s\\t%s\\n' "$B" "$g"; if [ "$E" -gt "$S" ]; then sofa_slice "$g" | ${grep}; else false; fi ;;`
      : `    *) printf '${FILE_HEADER}\\t0\\t%s\\n' "$g"; ${grep} -- "$g" ;;`,
    '  esac',
    '  x=$?; if [ "$x" -gt 1 ]; then r=$x; fi',
    'done',
    'exit "$r"',
  ];
  return lines.filter(Boolean).join('\n');
}

export function grepStdin(query: GrepQuery): string {
  return `${query.pattern}\n`;
}

export interface GrepLine {
  /** The file's real line number (1-based). */
  line: number;
  text: string;
  /** A context line (`-C`), not a match. */
  context: boolean;
}

export interface GrepFile {
  path: string;
  lines: GrepLine[];
}

export interface GrepOutput {
  files: GrepFile[];
  /** Rotated files in a compression we do not read. */
  skipped: string[];
}

/** Reads the command's stdout as it streams in; lines may be split anywhere. */
export class GrepOutputParser extends StreamedLines {
  private readonly output: GrepOutput = { files: [], skipped: [] };
  private current?: GrepFile;
  private base = 0;
  /** Matches seen so far (all files). */
  matches = 0;

  constructor(private readonly onLine?: (file: GrepFile, line: GrepLine) => void) {
    super();
  }

  end(): GrepOutput {
    this.flush();
    return this.output;
  }

  protected line(buf: Buffer, start: number, end: number): void {
    const first = buf[start];
    if (first === 0x53 /* S */) {
      const text = buf.toString('utf8', start, end);
      const header = /^SOFA-OPS-FILE\t(\d+)\t(.*)$/.exec(text);
      if (header) {
        this.base = Number(header[1]);
        this.current = { path: header[2], lines: [] };
        this.output.files.push(this.current);
        return;
      }
      const skip = /^SOFA-OPS-SKIP\t(.*)$/.exec(text);
      if (skip) this.output.skipped.push(skip[1]);
      return;
    }
    if (!this.current || first === undefined || first < 0x30 || first > 0x39) return; // `--` group separators
    let i = start;
    while (i < end && buf[i] >= 0x30 && buf[i] <= 0x39) i++;
    const sep = buf[i];
    if (i >= end || (sep !== 0x3a /* : */ && sep !== 0x2d) /* - */) return;
    let textEnd = end;
    if (textEnd > i + 1 && buf[textEnd - 1] === 0x0d) textEnd--;
    const text = buf.toString('utf8', i + 1, textEnd);
    if (text === OUT_OF_WINDOW) return;
    const line: GrepLine = { line: this.base + Number(buf.toString('latin1', start, i)), text, context: sep === 0x2d };
    if (!line.context) this.matches++;
    this.current.lines.push(line);
    this.onLine?.(this.current, line);
  }
}
