/**
 * The literal text every match of a regex must contain, read from the regex source. The matcher
 * uses it as a cheap prefilter: the regex only runs on lines that contain it. Conservative by
 * design: anything it does not fully understand (groups, classes, alternation, back references)
 * ends a run of literal text, so a returned literal is always required.
 */

const CLASS_ESCAPES = new Set('dDwWsSbBpPkc0123456789'.split(''));
const CONTROL_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f', v: '\v' };

/** The longest run of literal text the regex requires (by UTF-8 length), or undefined. */
export function requiredLiteral(source: string): string | undefined {
  const runs = literalRuns(source);
  if (!runs) return undefined;
  let best: string | undefined;
  for (const run of runs) if (run && (!best || Buffer.byteLength(run) > Buffer.byteLength(best))) best = run;
  return best;
}

/** Runs of literal text in order; undefined when the regex has a top-level alternation. */
export function literalRuns(source: string): string[] | undefined {
  const runs: string[] = [];
  let run = '';
  /** Length of the last atom appended to `run` (0 when the last atom was not literal). */
  let lastAtom = 0;
  const endRun = () => {
    if (run) runs.push(run);
    run = '';
    lastAtom = 0;
  };
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '|') return undefined;
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) return undefined;
      if (CLASS_ESCAPES.has(next)) {
        endRun();
        i += 2;
        continue;
      }
      let literal: string;
      let width = 2;
      if (next in CONTROL_ESCAPES) literal = CONTROL_ESCAPES[next];
      else if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 2, i + 4))) {
        literal = String.fromCharCode(parseInt(source.slice(i + 2, i + 4), 16));
        width = 4;
      } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
        literal = String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
        width = 6;
      } else if (/[A-Za-z]/.test(next)) {
        // An escape we do not model: treat as unknown.
        endRun();
        i += 2;
        continue;
      } else literal = next;
      run += literal;
      lastAtom = literal.length;
      i += width;
      continue;
    }
    if (c === '[') {
      endRun();
      i = skipClass(source, i);
      continue;
    }
    if (c === '(') {
      const end = skipGroup(source, i);
      if (end < 0) return undefined;
      endRun();
      i = end;
      continue;
    }
    if (c === '*' || c === '?' || c === '{' || c === '+') {
      const quantifier = readQuantifier(source, i);
      if (!quantifier) {
        // A "{" that is not a quantifier is a literal brace.
        run += c;
        lastAtom = 1;
        i++;
        continue;
      }
      // The atom before an optional quantifier may be absent; a repeated one is only certain once.
      if (quantifier.min === 0 && lastAtom) run = run.slice(0, run.length - lastAtom);
      endRun();
      i = quantifier.end;
      continue;
    }
    if (c === '.' || c === '^' || c === '$') {
      endRun();
      i++;
      continue;
    }
    // Keep surrogate pairs whole so a quantifier after one removes the whole character.
    const code = source.codePointAt(i)!;
    const ch = String.fromCodePoint(code);
    run += ch;
    lastAtom = ch.length;
    i += ch.length;
  }
  endRun();
  return runs;
}

function skipClass(source: string, start: number): number {
  let i = start + 1;
  if (source[i] === '^') i++;
  if (source[i] === ']') i++;
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Index after the group's closing parenthesis, or -1 when unbalanced. */
function skipGroup(source: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === '[') i = skipClass(source, i);
    else {
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        // A quantifier after the group belongs to it, not to the text after it.
        const q = readQuantifier(source, i + 1);
        return q ? q.end : i + 1;
      }
      i++;
    }
  }
  return -1;
}

function readQuantifier(source: string, i: number): { min: number; end: number } | undefined {
  const c = source[i];
  let min: number;
  let end: number;
  if (c === '*' || c === '?') {
    min = 0;
    end = i + 1;
  } else if (c === '+') {
    min = 1;
    end = i + 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(?:,(\d*))?\}/.exec(source.slice(i));
    if (!m) return undefined;
    min = Number(m[1]);
    end = i + m[0].length;
  } else return undefined;
  if (source[end] === '?') end++;
  return { min, end };
}
