/**
 * A time window over a SOFA log, cut on the host. The guide's layouts all start an entry with a
 * sortable local time: logback `%d` (`2026-11-02 10:04:05,123`), `[%d{ISO8601}]` in brackets, and
 * the digest logs' `2026-11-02 10:04:05.123`. A line belongs to the entry of the last timestamp
 * at or before it (stack traces go with their message), and the window is half-open:
 * `since <= entry time < until`, so consecutive windows never share a line.
 *
 * On a plain file the window is found by bisecting byte offsets (a few probes of `tail -c +N`,
 * each reading one line or so; logs are appended in time order), so a minute of a 1 GB log costs
 * the minute plus a `wc -l` of the bytes before it (for the real line numbers), not an `awk` over
 * the whole file. A compressed rotated file cannot be bisected; it is filtered by `awk` instead.
 */

/** A window bound as the logs write time: `YYYY-MM-DD HH:MM:SS.mmm` (compares as a string). */
export type TimeKey = string;

export interface TimeWindow {
  since?: TimeKey;
  until?: TimeKey;
}

export class TimeParseError extends Error {}

const TIME_INPUT = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,3}))?)?)?$/;

/**
 * `2026-11-02 03:10`, `2026-11-02T03:10:05`, `2026-11-02 03:10:05,250` or a date alone, in the
 * logs' own (host local) time; no zone conversion, since the logs carry none.
 */
export function parseTimeBound(text: string, what = 'time'): TimeKey {
  const m = TIME_INPUT.exec(text.trim());
  if (!m) throw new TimeParseError(`${what} "${text}" is not a time like 2026-11-02 03:10 or 2026-11-02 03:10:05,250`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', ms = '0'] = m;
  const ranges: [string, number, number, string][] = [
    [mo, 1, 12, 'month'],
    [d, 1, 31, 'day'],
    [h, 0, 23, 'hour'],
    [mi, 0, 59, 'minute'],
    [s, 0, 59, 'second'],
  ];
  for (const [v, lo, hi, name] of ranges) {
    if (Number(v) < lo || Number(v) > hi) throw new TimeParseError(`${what} "${text}": ${name} ${v} is out of range`);
  }
  return `${y}-${mo}-${d} ${h}:${mi}:${s}.${ms.padEnd(3, '0')}`;
}

/** `2026-11-02 03:10:05` in this machine's local time (a default for a window bound the user edits). */
export function localTimeText(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function parseWindow(since: string | undefined, until: string | undefined): TimeWindow {
  const window: TimeWindow = {};
  if (since !== undefined) window.since = parseTimeBound(since, '--since');
  if (until !== undefined) window.until = parseTimeBound(until, '--until');
  if (window.since && window.until && window.since >= window.until) throw new TimeParseError(`--since ${since} is not before --until ${until}`);
  return window;
}

const LINE_TIME = /^\[?(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:[.,](\d{3}))?/;

/** The time a line starts with, as a key; undefined for a line that continues an entry. The same rule as the host-side awk. */
export function lineTimeKey(line: string): TimeKey | undefined {
  const m = LINE_TIME.exec(line);
  return m ? `${m[1]} ${m[2]}.${m[3] ?? '000'}` : undefined;
}

export function hasWindow(window: TimeWindow): boolean {
  return window.since !== undefined || window.until !== undefined;
}

/** awk: `key(line)`, the same rule as lineTimeKey (mawk has no `{n}` intervals, hence the spelled-out classes). */
const AWK_KEY = [
  'function key(s,  m) {',
  '  if (substr(s, 1, 1) == "[") s = substr(s, 2)',
  '  if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][ T][0-9][0-9]:[0-9][0-9]:[0-9][0-9]/) return ""',
  '  m = substr(s, 20, 4)',
  '  return substr(s, 1, 10) " " substr(s, 12, 8) "." (m ~ /^[.,][0-9][0-9][0-9]$/ ? substr(m, 2) : "000")',
  '}',
].join('\n');

/**
 * Probe for the bisection: reads from byte `o` - 1 (`o` > 0; the partial line there is skipped) and
 * prints `POS lt|ge` for the first line starting at or after `o` that has a timestamp, compared
 * with `t`. With `g=1` it reads on past earlier lines to the first one at or after `t`. Prints
 * nothing when no such line follows.
 */
const AWK_PROBE = `${AWK_KEY}
BEGIN { p = o > 0 ? o - 1 : 0 }
NR == 1 && o > 0 { p += length($0) + 1; next }
{ k = key($0); if (k != "" && (!g || k >= t)) { print p, (k < t ? "lt" : "ge"); exit } p += length($0) + 1 }`;

/** Below this many bytes between the bounds, a linear read beats more probes (each costs a few processes). */
const LINEAR_BYTES = 256 * 1024;

/**
 * The stream filter for files that cannot be bisected: lines outside the window become a lone
 * \\001, so `grep -n` after it still counts the real lines and the reader drops those lines.
 */
const AWK_FILTER = `${AWK_KEY}
{ k = key($0); if (k != "") c = k
  if ((s != "" && (c == "" || c < s)) || (u != "" && c != "" && c >= u)) printf "\\001\\n"; else print }`;

/** A line the window filter blanked out (never real log text the reader should show). */
export const OUT_OF_WINDOW = '\x01';

function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function checkedKey(key: TimeKey | undefined): string {
  if (key === undefined) return '';
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/.test(key)) throw new Error(`bad time key "${key}"`);
  return key;
}

/**
 * Shell functions for the window (POSIX sh, `LC_ALL=C` so awk counts bytes):
 *  - `sofa_cut FILE` sets `S` and `E` (the window's byte range) and `B` (lines before `S`);
 *  - `sofa_slice FILE` writes those bytes;
 *  - `sofa_filter` is the awk filter for streams (compressed files).
 * Keys contain only digits, `-`, `:`, `.` and one space: safe inside the quotes used.
 */
export function windowFunctions(window: TimeWindow): string {
  const since = checkedKey(window.since);
  const until = checkedKey(window.until);
  return [
    `sofa_probe() { tail -c +$(( $2 > 0 ? $2 : 1 )) -- "$1" | awk -v o="$2" -v t="$3" -v g="$4" ${sq(AWK_PROBE)}; }`,
    // The first line with time >= $2 (its offset, or the size `$s`): bisection while the range is
    // large, then one read forward from `lo` (no such line starts before `lo`).
    `sofa_lb() {`,
    `  lo=0; hi=$s`,
    `  while [ $(( hi - lo )) -gt ${LINEAR_BYTES} ]; do`,
    `    mid=$(( (lo + hi) / 2 ))`,
    `    r=$(sofa_probe "$1" "$mid" "$2" 0)`,
    `    case "$r" in`,
    `      *' ge') hi=$mid ;;`,
    `      *' lt') lo=$(( \${r% lt} + 1 )) ;;`,
    `      *) hi=$mid ;;`,
    `    esac`,
    `  done`,
    `  r=$(sofa_probe "$1" "$lo" "$2" 1)`,
    `  case "$r" in *' ge') echo "\${r% ge}" ;; *) echo "$s" ;; esac`,
    `}`,
    `sofa_cut() {`,
    `  s=$(stat -L -c %s -- "$1") || return 2`,
    `  S=0; E=$s; B=0`,
    since ? `  S=$(sofa_lb "$1" '${since}')` : '',
    until ? `  E=$(sofa_lb "$1" '${until}')` : '',
    `  [ "$E" -ge "$S" ] || E=$S`,
    // Lines before the window, for the real line numbers; not counted when the window is empty.
    `  if [ "$S" -gt 0 ] && [ "$E" -gt "$S" ]; then B=$(( $(head -c "$S" -- "$1" | wc -l) )); fi`,
    `}`,
    `sofa_slice() { tail -c +$(( S + 1 )) -- "$1" | head -c $(( E - S )); }`,
    `sofa_filter() { awk -v s='${since}' -v u='${until}' ${sq(AWK_FILTER)}; }`,
  ]
    .filter(Boolean)
    .join('\n');
}
