/**
 * Tokens for mixed Chinese/English catalog text. Latin runs split on punctuation into lowercase
 * words (ports, ids and file names stay whole too: `9529`, `common-error.log`); Chinese has no
 * spaces, so a run of CJK characters becomes its overlapping bigrams (a lone character stays
 * itself): 推送 finds 关闭推送.
 */

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
// A CJK run, or a run of word characters (letters, digits, _ . - : / kept together first).
const RUNS = /[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z0-9_][A-Za-z0-9_.:/@#$-]*/g;

function latinTokens(run: string, out: string[]): void {
  const whole = run.toLowerCase().replace(/[.:/@#$-]+$/, '');
  if (!whole) return;
  const parts = whole.split(/[.:/@#$-]+/).filter(Boolean);
  if (parts.length > 1 && whole.length <= 64) out.push(whole);
  for (const p of parts) out.push(p);
}

function cjkTokens(run: string, out: string[]): void {
  if (run.length === 1) out.push(run);
  for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
}

/**
 * Index-side tokens: words and CJK bigrams. A single-character query finds the bigrams that
 * start with it by prefix search, so the characters themselves need no entries of their own
 * (they would double the index and its build time).
 */
export function indexTokens(text: string): string[] {
  const out: string[] = [];
  for (const [run] of text.matchAll(RUNS)) {
    if (CJK.test(run[0])) cjkTokens(run, out);
    else latinTokens(run, out);
  }
  return out;
}

/** Query-side tokens: the same, without repeats. */
export function queryTokens(text: string): string[] {
  return [...new Set(indexTokens(text))];
}

export function isCjkToken(term: string): boolean {
  return CJK.test(term[0] ?? '');
}
