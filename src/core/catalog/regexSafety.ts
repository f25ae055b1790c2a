/**
 * Is a catalog regex safe to run on every line of a production log? JavaScript's engine backtracks,
 * so a regex like `^(a+)+$` or `(a|a)*b` takes exponential time on a line of a few dozen `a`s and
 * hangs a scan. The catalog loader refuses such regexes (with the file:line of the item) instead of
 * running them. The analysis is static and takes milliseconds:
 * - scslre (the analyser behind eslint-plugin-regexp) finds nested quantifiers that can trade
 *   characters with each other (`(a+)+`, `(\w+\s?)+$`): exponential;
 * - an unbounded repetition of alternatives that can start with the same character (`(a|a)*`,
 *   `(\w|\d)+`) can match one text in exponentially many ways, which scslre does not look for;
 * - a counted repetition (`{3,}`, `{20}`) of a part whose own unbounded repetition can also match
 *   what follows it (`(.*a){20}`) costs the n-th power of the line length.
 * Quadratic regexes (`ERROR.*Exception`, unanchored `[^,]+,`) are accepted: they are common and
 * the scanner bounds their cost by running regexes on at most REGEX_INPUT_LIMIT characters a line.
 */
/** Longer regex sources than this are refused: nobody writes one by hand, and analysis cost grows with size. */
export const MAX_REGEX_SOURCE = 2000;

/**
 * Why `source` must not run (invalid, or catastrophic backtracking), or undefined when it is fine.
 * `flags` are the flags the regex runs with (the scanner uses none, field formats `d`).
 */
export function regexProblem(source: string, flags = ''): string | undefined {
  try {
    new RegExp(source, flags);
  } catch (err) {
    return `invalid regex: ${(err as Error).message}`;
  }
  if (source.length > MAX_REGEX_SOURCE) return `regex is ${source.length} characters long; at most ${MAX_REGEX_SOURCE} are accepted`;
  // Loaded on first use; the build ships it as dist/regex-analysis.js (scripts/build.mjs).
  const { backtrackingProblem } = require('./regexAnalysis') as typeof import('./regexAnalysis');
  return backtrackingProblem(source, flags);
}
