/**
 * The reason a remote command failed, as users see it: taken from its stderr (which remoteExec
 * keeps head and tail of, with a cut mark between), whole and on one line.
 */

const CUT_MARK = /^\[… \d+ more bytes not kept\]$/;

/**
 * Why a command failed, from its stderr, for a user: the last lines (whole, joined on one line),
 * as many as fit in `maxChars` and at least the last one; BoundedBuffer's cut mark never shows.
 * Undefined when stderr says nothing.
 */
export function stderrReason(stderr: string, maxChars = 1000): string | undefined {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !CUT_MARK.test(l));
  const kept: string[] = [];
  let length = 0;
  for (let i = lines.length - 1; i >= 0 && kept.length < 5; i--) {
    if (kept.length && length + lines[i].length > maxChars) break;
    kept.unshift(lines[i]);
    length += lines[i].length + 3;
  }
  return kept.length ? kept.join(' · ') : undefined;
}
