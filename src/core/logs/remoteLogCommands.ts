/**
 * The shell commands the log viewer and the remote scan run on a host. Each is POSIX sh with
 * GNU/busybox coreutils (`stat -c`, `tail -c +N`, `head -c`), reads only the bytes it needs, and
 * takes every value (path, offsets, patterns) as one shell-quoted word: a file name such as
 * `a'$(rm -rf ~)'.log` is a file name, never code. Patterns for grep travel on stdin.
 *
 * Commands that read a byte range print one header line first, `SOFA-OPS-LOG size inode start`,
 * so the caller knows which file (inode) and which offsets the bytes after it came from.
 */
import { shellQuote } from '../shellQuote';

export const HEADER_TAG = 'SOFA-OPS-LOG';

/**
 * Exits 2 when file `$f` cannot be read, with the system's reason on stderr (`FILE: No such file
 * or directory`, `FILE: Permission denied`: cat's message without its `cat: ` prefix).
 */
export const REQUIRE_READABLE = `[ -r "$f" ] || { r=$(LC_ALL=C cat -- "$f" 2>&1 >/dev/null); printf '%s\\n' "\${r#cat: }" >&2; exit 2; }`;

/** Sets the size and inode of file `$f` (for the header); fails when `$f` is unreadable. */
const STAT = `${REQUIRE_READABLE}\nout=$(LC_ALL=C stat -L -c '%s %i' -- "$f") || exit 2; set -- $out; s=$1; i=$2`;

function int(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, not ${n}`);
  return n;
}

/**
 * The last lines of a file: the last `maxBytes` bytes, cut on the host to the last `maxLines`
 * lines (so only those travel). The header's start is where the byte range began; the body is
 * shorter than the range when the host cut at a line start.
 */
export function tailWindowCommand(file: string, maxLines: number, maxBytes: number): string {
  return [
    `f=${shellQuote(file)}`,
    STAT,
    `st=$(( s > ${int(maxBytes, 'maxBytes')} ? s - ${maxBytes} : 0 ))`,
    `printf '${HEADER_TAG} %s %s %s\\n' "$s" "$i" "$st"`,
    `tail -c +$(( st + 1 )) -- "$f" | head -c $(( s - st )) | tail -n ${int(maxLines, 'maxLines')}`,
  ].join('\n');
}

/** The bytes [start, start+length) of a file, with the header (so a rotated file is noticed). */
export function byteRangeCommand(file: string, start: number, length: number): string {
  return [
    `f=${shellQuote(file)}`,
    STAT,
    `printf '${HEADER_TAG} %s %s %s\\n' "$s" "$i" ${int(start, 'start')}`,
    `tail -c +${start + 1} -- "$f" | head -c ${int(length, 'length')}`,
  ].join('\n');
}

/** How many line breaks come before byte `offset` (the window's first line number, minus one). */
export function linesBeforeCommand(file: string, offset: number): string {
  return `head -c ${int(offset, 'offset')} -- ${shellQuote(file)} | wc -l`;
}

/**
 * Follow a file from byte `offset` on (`tail -F`: survives rotation and truncation, waits for a
 * missing file). When the file at the path is no longer the one the offset belongs to (another
 * inode, or shorter than the offset: rotated or truncated while we were away) it starts at 0 of
 * the new file instead. The header's start says which offset was used. tail's notices ("has been
 * replaced; following new file") come in the same stream as the data (`2>&1`, C locale), in the
 * order tail wrote them, so the reader knows exactly which bytes belong to the new file.
 */
export function followCommand(file: string, offset: number, inode: string | undefined): string {
  if (inode !== undefined && !/^\d*$/.test(inode)) throw new Error(`bad inode "${inode}"`);
  return [
    `f=${shellQuote(file)}`,
    `o=${int(offset, 'offset')}`,
    `s=0; i=`,
    `if out=$(LC_ALL=C stat -L -c '%s %i' -- "$f" 2>/dev/null); then set -- $out; s=$1; i=$2; fi`,
    inode ? `if [ "$i" != ${inode} ] || [ "$s" -lt "$o" ]; then o=0; fi` : `if [ "$s" -lt "$o" ]; then o=0; fi`,
    `printf '${HEADER_TAG} %s %s %s\\n' "$s" "$i" "$o"`,
    `LC_ALL=C exec tail -F -c +$(( o + 1 )) -- "$f" 2>&1`,
  ].join('\n');
}

/**
 * A line of the follow stream that is tail's own notice about the file (GNU coreutils and busybox
 * wording), not log text: what happened, or undefined for a log line.
 */
export function tailNotice(line: string): 'new-file' | 'other' | undefined {
  if (!line.startsWith('tail: ')) return undefined;
  if (/has been replaced;\s+following new file|has appeared;\s+following new file|file truncated|following new file/.test(line)) return 'new-file';
  if (/has become inaccessible|cannot open|No such file or directory|directory containing watched file was removed|giving up on this name|cannot watch|inotify|has been replaced with an untailable|Permission denied/.test(line)) return 'other';
  return undefined;
}

/** Parsed header line. */
export interface RangeHeader {
  size: number;
  inode: string;
  start: number;
}

/**
 * Split the header line off the start of a command's output. Undefined while the header line is
 * not complete yet (streaming) or when the output does not start with one.
 */
export function parseHeader(buf: Buffer): { header: RangeHeader; bodyOffset: number } | undefined {
  const nl = buf.indexOf(0x0a);
  if (nl === -1) return undefined;
  const m = /^SOFA-OPS-LOG (\d+) (\d*) (\d+)$/.exec(buf.toString('latin1', 0, nl));
  if (!m) return undefined;
  return { header: { size: Number(m[1]), inode: m[2], start: Number(m[3]) }, bodyOffset: nl + 1 };
}

/**
 * The whole-file scan on the host: `grep -F` with the literals (sent on stdin, one per line) and
 * `grep -E` with the regexes that have no literal to look for; only matching lines come back,
 * as `N:text`. Byte-wise (`LC_ALL=C`), binary-safe (`-a`); grep's "no match" is not a failure.
 */
export function remoteGrepCommand(file: string, options: { literals: boolean; regexes: readonly string[] }): string {
  const lines = [`f=${shellQuote(file)}`, REQUIRE_READABLE, 'export LC_ALL=C', 'r=0'];
  if (options.literals) lines.push(`grep -a -n -F -f - -- "$f" || r=$?`, `[ "$r" -le 1 ] || exit "$r"`);
  if (options.regexes.length) {
    lines.push(`grep -a -n -E ${options.regexes.map((re) => `-e ${shellQuote(re)}`).join(' ')} -- "$f" </dev/null || r=$?`, `[ "$r" -le 1 ] || exit "$r"`);
  }
  lines.push('exit 0');
  return lines.join('\n');
}

/** The whole file, streamed (for logs whose checks need every line, e.g. field formats). */
export function catCommand(file: string): string {
  return `exec cat -- ${shellQuote(file)}`;
}

/**
 * A JavaScript regex (as the catalog writes them) as a POSIX extended regex GNU grep runs the
 * same way over bytes, or undefined when it uses what ERE lacks (lookaround, lazy quantifiers,
 * back references, escapes inside brackets). `\d` becomes `[0-9]`; `\s \S \w \W` are GNU grep's.
 */
export function toExtendedRegex(source: string): string | undefined {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (inClass) {
      if (c === '\\') return undefined;
      if (c === ']' && !(source[i - 1] === '[' || (source[i - 1] === '^' && source[i - 2] === '['))) inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      continue;
    }
    if (c === '(' && source[i + 1] === '?') return undefined;
    if ((c === '?' || c === '+' || c === '*' || c === '}') && source[i + 1] === '?') return undefined;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = source[++i];
    if (next === undefined) return undefined;
    if (next === 'd') out += '[0-9]';
    else if (next === 'D') out += '[^0-9]';
    else if ('sSwW'.includes(next)) out += `\\${next}`;
    else if ('.[]()*+?{}|^$\\'.includes(next)) out += `\\${next}`;
    else if (next === 't') out += '\t';
    else if (/[A-Za-z0-9]/.test(next)) return undefined;
    else out += next;
  }
  return inClass ? undefined : out;
}
