/**
 * `expect=` on a cell: what stdout must show for the step to count as done. Three forms (see
 * runbookFormat.ts): substring, `/regex/flags`, and `$.path==value` on JSON stdout.
 *
 * The check reads the whole stream as it arrives, in bounded memory, so a marker printed after
 * 500 MB of output still counts (the cell's kept output is capped, the check is not):
 * - substring: carries only the last (length - 1) characters from chunk to chunk;
 * - regex: tested on a sliding window of REGEX_WINDOW characters; a match must fit in the window,
 *   and lookbehind sees one character before it (`^` without `m` still means the stream's start);
 * - JSON: the whole stdout must be one JSON document of at most JSON_LIMIT characters.
 * Failure details name the expectation as written in the runbook (`{{token}}`), never its value,
 * and say in words what was expected and what was found ("expected success: true in the JSON
 * output, found false"), never a bare regex or "does not match".
 */
import type { Bilingual } from '../catalog/types';
import { bilingual } from '../l10n';

export type Expectation =
  | { kind: 'substring'; text: string }
  | { kind: 'regex'; regex: RegExp }
  | { kind: 'json'; path: Array<string | number>; op: '==' | '!=' | 'present'; value?: unknown; text: string };

export interface ExpectationResult {
  ok: boolean;
  /** Why, in a few words, for the cell output and the audit (English). */
  detail: string;
  /** `detail` in both languages. */
  text: Bilingual;
}

function said(ok: boolean, text: Bilingual): ExpectationResult {
  return { ok, detail: text.en, text };
}

/** The first non-blank line of what was seen, short: enough to tell what came back instead. */
function seen(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return line.length > 120 ? `${line.slice(0, 120)}…` : line;
}

/** Characters of output a regex expectation sees at once (a match longer than this is not found). */
export const REGEX_WINDOW = 1 << 20;
/** Largest stdout a JSON-path expectation parses. */
export const JSON_LIMIT = 16 << 20;

export function parseExpectation(text: string): { expectation?: Expectation; error?: string } {
  if (text === '') return { error: 'expect is empty' };
  const regex = /^\/([\s\S]+)\/([a-z]*)$/.exec(text);
  if (regex) {
    const [, body, flags] = regex;
    const bad = [...flags].find((f) => !'imsu'.includes(f));
    if (bad) return { error: `expect regex flag "${bad}" is not one of i, m, s, u` };
    try {
      return { expectation: { kind: 'regex', regex: new RegExp(body, flags) } };
    } catch (err) {
      return { error: `expect is not a valid regex: ${(err as Error).message.replace(/^Invalid regular expression: \/[\s\S]*\/[a-z]*: /, '')}` };
    }
  }
  if (/^\$(?=[.[\s=!]|$)/.test(text)) return parseJsonExpectation(text);
  return { expectation: { kind: 'substring', text } };
}

function parseJsonExpectation(text: string): { expectation?: Expectation; error?: string } {
  const path: Array<string | number> = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\.([^.[\s=!]+)/.exec(rest))) {
      path.push(m[1]);
    } else if ((m = /^\[(\d+)\]/.exec(rest))) {
      path.push(Number(m[1]));
    } else if ((m = /^\[("(?:[^"\\]|\\.)*")\]/.exec(rest))) {
      path.push(JSON.parse(m[1]) as string);
    } else {
      break;
    }
    i += m[0].length;
  }
  const tail = text.slice(i).trim();
  if (tail === '') return { expectation: { kind: 'json', path, op: 'present', text } };
  const op = /^(==|!=)\s*/.exec(tail);
  if (!op) return { error: `expect JSON path: expected ==, != or the end after "${text.slice(0, i)}", found "${tail}"` };
  const valueText = tail.slice(op[0].length).trim();
  if (valueText === '') return { error: `expect JSON path: nothing after ${op[1]}` };
  let value: unknown;
  try {
    value = JSON.parse(valueText);
  } catch {
    value = valueText; // a bare word: UP, running
  }
  return { expectation: { kind: 'json', path, op: op[1] as '==' | '!=', value, text } };
}

/** The whole of `stdout` at once (unit tests, callers that already hold the output). */
export function checkExpectation(expectation: Expectation, stdout: string, label?: string): ExpectationResult {
  const matcher = expectationMatcher(expectation, label);
  matcher.push(stdout);
  return matcher.result();
}

export interface ExpectationMatcher {
  /** The next piece of stdout, in order. */
  push(text: string): void;
  /** The verdict over everything pushed so far (call at the end of the stream). */
  result(): ExpectationResult;
}

/**
 * A streaming check. `label` is how messages name the expectation: the text as written in the
 * runbook (with `{{param}}` placeholders), so a secret value is never repeated in a failure.
 */
export function expectationMatcher(expectation: Expectation, label?: string, options: { window?: number; jsonLimit?: number } = {}): ExpectationMatcher {
  switch (expectation.kind) {
    case 'substring':
      return substringMatcher(expectation.text, label ?? expectation.text);
    case 'regex':
      return regexMatcher(expectation.regex, label ?? String(expectation.regex), options.window ?? REGEX_WINDOW);
    case 'json':
      return jsonMatcher(expectation, label ?? expectation.text, options.jsonLimit ?? JSON_LIMIT);
  }
}

function substringMatcher(needle: string, label: string): ExpectationMatcher {
  let found = false;
  let carry = '';
  let first = '';
  return {
    push(text) {
      if (!first) first = seen(text);
      if (found || text === '') return;
      const hay = carry + text;
      if (hay.includes(needle)) {
        found = true;
        carry = '';
        return;
      }
      // Only a match that straddles the next boundary can still appear: keep what it could start with.
      carry = needle.length > 1 ? hay.slice(-(needle.length - 1)) : '';
    },
    result: () => said(found, found ? bilingual('found {0} in the output', JSON.stringify(label)) : first === '' ? bilingual('expected {0} in the output, found no output', JSON.stringify(label)) : bilingual('expected {0} in the output, found: {1}', JSON.stringify(label), first)),
  };
}

function regexMatcher(regex: RegExp, label: string, window: number): ExpectationMatcher {
  // A global copy so the search can start after the one character of context kept before the window.
  const re = new RegExp(regex.source, regex.flags.replace(/[gy]/g, '') + 'g');
  let found = false;
  let first = '';
  let buffer = '';
  /** 0 at the stream's start; 1 once the window has slid (buffer[0] is context only). */
  let from = 0;
  const test = (final: boolean): boolean => {
    re.lastIndex = from;
    const m = re.exec(buffer);
    if (!m) return false;
    // A match that touches the end of what has arrived may change with more input ($, greedy
    // quantifiers): decide it later, it is still inside the kept window.
    return final || m.index + m[0].length < buffer.length;
  };
  return {
    push(text) {
      if (!first) first = seen(text);
      if (found || text === '') return;
      buffer += text;
      if (buffer.length < 2 * window + from) return;
      if (test(false)) {
        found = true;
        buffer = '';
        return;
      }
      buffer = buffer.slice(-(window + 1));
      from = 1;
    },
    result() {
      if (!found && test(true)) found = true;
      if (found) return said(true, bilingual('the output matches {0}', label));
      return said(false, first === '' ? bilingual('expected output matching {0}, found no output', label) : bilingual('expected output matching {0}, found: {1}', label, first));
    },
  };
}

function jsonMatcher(expectation: Extract<Expectation, { kind: 'json' }>, label: string, limit: number): ExpectationMatcher {
  const parts: string[] = [];
  let length = 0;
  return {
    push(text) {
      length += text.length;
      if (length <= limit) parts.push(text);
      else parts.length = 0;
    },
    result() {
      if (length > limit) return said(false, bilingual('the output is larger than {0} MiB, so {1} was not checked (a JSON expect reads at most {0} MiB)', limit >> 20, label));
      return checkJson(expectation, parts.join(''), label);
    },
  };
}

function checkJson(expectation: Extract<Expectation, { kind: 'json' }>, stdout: string, label: string): ExpectationResult {
  const wanted = jsonWanted(expectation, label);
  let data: unknown;
  try {
    data = JSON.parse(stdout.trim());
  } catch {
    const found = seen(stdout);
    return said(false, found ? bilingual('expected {0} in the JSON output, but the output is not JSON: {1}', wanted, found) : bilingual('expected {0} in the JSON output, found no output', wanted));
  }
  let node: unknown = data;
  for (const key of expectation.path) {
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  const shown = node === undefined ? bilingual('nothing') : { en: JSON.stringify(node), zh: JSON.stringify(node) };
  let ok: boolean;
  if (expectation.op === 'present') ok = node !== undefined && node !== null && node !== false;
  else {
    const equal = JSON.stringify(node) === JSON.stringify(expectation.value);
    ok = expectation.op === '==' ? equal : !equal;
  }
  return said(ok, ok ? bilingual('{0} as expected', wanted) : bilingual('expected {0} in the JSON output, found {1}', wanted, shown));
}

/**
 * `$.data.status == UP` as words: `data.status: "UP"`; `!=`: `data.status other than "UP"`. Taken
 * from the label (the text as written) when it parses, so a `{{param}}` stays a placeholder.
 */
function jsonWanted(expectation: Extract<Expectation, { kind: 'json' }>, label: string): Bilingual {
  const written = label === expectation.text ? expectation : parseExpectation(label).expectation;
  const e = written?.kind === 'json' ? written : expectation;
  const path = e.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : /^[\w$-]+$/.test(k) ? `${i ? '.' : ''}${k}` : `[${JSON.stringify(k)}]`)).join('') || '$';
  const value = typeof e.value === 'string' ? e.value : JSON.stringify(e.value);
  if (e.op === 'present') return bilingual('{0}', path);
  return e.op === '==' ? bilingual('{0}: {1}', path, value) : bilingual('{0} other than {1}', path, value);
}
