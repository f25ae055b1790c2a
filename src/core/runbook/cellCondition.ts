/**
 * `when=` conditions: a small expression language over earlier cells' per-host results, parsed
 * into a tree and evaluated by walking it (never eval). Grammar:
 *
 *   expr    := or
 *   or      := and (("||" | "or") and)*
 *   and     := unary (("&&" | "and") unary)*
 *   unary   := ("!" | "not") unary | "(" expr ")" | test
 *   test    := CELL "." FIELD [OP VALUE]
 *   FIELD   := ok | failed | skipped | expect | exit | out | err | outcome
 *   OP      := == | != | < | <= | > | >= | contains | matches
 *   VALUE   := number | "text" | 'text' | /regex/flags | bare word
 *
 * `ok`, `failed`, `skipped` and `expect` (the cell's expect held) are true/false and stand alone;
 * `exit` is a number; `out`/`err` are the host's stdout/stderr, trimmed; `outcome` is ok, failed,
 * expect-failed, timeout, … or skipped. A cell name may hold dots: the field is the last segment.
 */
import { regexProblem } from '../catalog/regexSafety';

export const conditionFields = ['ok', 'failed', 'skipped', 'expect', 'exit', 'out', 'err', 'outcome'] as const;
export type ConditionField = (typeof conditionFields)[number];
const booleanFields: ReadonlySet<string> = new Set(['ok', 'failed', 'skipped', 'expect']);
const stringFields: ReadonlySet<string> = new Set(['out', 'err', 'outcome']);

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'matches';

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; operand: Condition }
  | { kind: 'test'; cell: string; field: ConditionField; op?: CompareOp; value?: string | number | RegExp };

/** What a condition sees of one earlier cell on one host. `exit` is null when it did not run there. */
export interface HostView {
  ok: boolean;
  failed: boolean;
  skipped: boolean;
  expect: boolean;
  exit: number | null;
  out: string;
  err: string;
  outcome: string;
}

type Token = { type: 'op' | 'word' | 'string' | 'regex' | 'paren'; text: string; pos: number; flags?: string };

export function parseCondition(text: string): { condition: Condition } | { error: string } {
  const tokens = tokenize(text);
  if ('error' in tokens) return tokens;
  if (!tokens.length) return { error: 'when= is empty; write e.g. when=check-meta.failed' };
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (t: Token | undefined, ...words: string[]) => t?.type === 'word' && words.includes(t.text);
  const isOp = (t: Token | undefined, ...ops: string[]) => t?.type === 'op' && ops.includes(t.text);
  const fail = (message: string): never => {
    throw new ConditionSyntax(message);
  };
  const or = (): Condition => {
    let left = and();
    while (isOp(peek(), '||') || isWord(peek(), 'or')) {
      i++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const and = (): Condition => {
    let left = unary();
    while (isOp(peek(), '&&') || isWord(peek(), 'and')) {
      i++;
      left = { kind: 'and', left, right: unary() };
    }
    return left;
  };
  const unary = (): Condition => {
    const t = peek();
    if (!t) return fail('when=: the expression ends where a test was expected');
    if (isOp(t, '!') || isWord(t, 'not')) {
      i++;
      return { kind: 'not', operand: unary() };
    }
    if (t.type === 'paren' && t.text === '(') {
      i++;
      const inner = or();
      if (!(peek()?.type === 'paren' && peek()!.text === ')')) fail(`when=: missing ) for the ( at column ${t.pos + 1}`);
      i++;
      return inner;
    }
    return test();
  };
  const test = (): Condition => {
    const t = tokens[i++];
    if (t.type !== 'word' || ['and', 'or', 'not', 'contains', 'matches'].includes(t.text)) return fail(`when=: expected CELL.FIELD at column ${t.pos + 1}, found "${t.text}"`);
    const dot = t.text.lastIndexOf('.');
    const cell = dot > 0 ? t.text.slice(0, dot) : '';
    const field = dot > 0 ? t.text.slice(dot + 1) : '';
    if (!cell || !(conditionFields as readonly string[]).includes(field)) return fail(`when=: "${t.text}" is not CELL.FIELD; fields are ${conditionFields.join(', ')} (e.g. check-meta.failed, check-meta.exit != 0)`);
    const next = peek();
    const op = next && ((next.type === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(next.text)) || isWord(next, 'contains', 'matches')) ? (next.text as CompareOp) : undefined;
    if (!op) {
      if (!booleanFields.has(field)) fail(`when=: ${t.text} is not true/false: compare it, e.g. ${field === 'exit' ? `${t.text} != 0` : `${t.text} contains "DOWN"`}`);
      return { kind: 'test', cell, field: field as ConditionField };
    }
    i++;
    const v = tokens[i++];
    if (!v || v.type === 'op' || v.type === 'paren') return fail(`when=: ${t.text} ${op} needs a value`);
    if (op === 'matches') {
      if (v.type !== 'regex') fail(`when=: matches takes a /regex/, e.g. ${t.text} matches /DOWN|LOST/`);
      if (!stringFields.has(field)) fail(`when=: ${t.text} is a ${booleanFields.has(field) ? 'true/false' : 'number'}; matches works on out, err and outcome`);
      const unsafe = regexProblem(v.text, v.flags ?? '');
      if (unsafe) fail(`when=: ${unsafe}`);
      let regex: RegExp;
      try {
        regex = new RegExp(v.text, v.flags);
      } catch (err) {
        return fail(`when=: ${(err as Error).message}`);
      }
      return { kind: 'test', cell, field: field as ConditionField, op, value: regex };
    }
    if (v.type === 'regex') fail(`when=: a /regex/ goes with matches, not ${op}`);
    const numeric = v.type === 'word' && /^-?\d+(?:\.\d+)?$/.test(v.text);
    if (field === 'exit') {
      if (!numeric || op === 'contains') fail(`when=: ${t.text} is a number: compare it with ==, !=, <, <=, > or >= and a number, e.g. ${t.text} != 0`);
      return { kind: 'test', cell, field: 'exit', op, value: Number(v.text) };
    }
    if (booleanFields.has(field)) {
      if (!(op === '==' || op === '!=') || !(v.text === 'true' || v.text === 'false') || v.type !== 'word') fail(`when=: ${t.text} is true/false: write ${t.text} or !${t.text}`);
      return { kind: 'test', cell, field: field as ConditionField, op, value: v.text };
    }
    if (['<', '<=', '>', '>='].includes(op)) fail(`when=: ${t.text} is text: compare it with ==, != or contains (or matches /regex/)`);
    return { kind: 'test', cell, field: field as ConditionField, op, value: v.text };
  };
  try {
    const condition = or();
    if (i < tokens.length) return { error: `when=: unexpected "${tokens[i].text}" at column ${tokens[i].pos + 1} (join tests with and / or)` };
    return { condition };
  } catch (err) {
    if (err instanceof ConditionSyntax) return { error: err.message };
    throw err;
  }
}

class ConditionSyntax extends Error {}

function tokenize(text: string): Token[] | { error: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      tokens.push({ type: 'op', text: two, pos: i });
      i += 2;
      continue;
    }
    if ('<>!'.includes(ch)) {
      tokens.push({ type: 'op', text: ch, pos: i++ });
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push({ type: 'paren', text: ch, pos: i++ });
      continue;
    }
    if (ch === '"' || ch === "'") {
      let value = '';
      let j = i + 1;
      while (j < text.length && text[j] !== ch) {
        if (text[j] === '\\' && (text[j + 1] === ch || text[j + 1] === '\\')) j++;
        value += text[j++];
      }
      if (j >= text.length) return { error: `when=: unterminated ${ch} quote at column ${i + 1}` };
      tokens.push({ type: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    }
    if (ch === '/') {
      const m = /^\/((?:[^/\\]|\\.)+)\/([a-z]*)/.exec(text.slice(i));
      if (!m) return { error: `when=: unterminated /regex/ at column ${i + 1}` };
      if (/[^imsu]/.test(m[2])) return { error: `when=: regex flags may be i, m, s and u, not "${m[2]}"` };
      tokens.push({ type: 'regex', text: m[1], flags: m[2], pos: i });
      i += m[0].length;
      continue;
    }
    const m = /^[^\s()<>!=&|"'/]+/.exec(text.slice(i));
    if (!m) return { error: `when=: unexpected "${ch}" at column ${i + 1}` };
    tokens.push({ type: 'word', text: m[0], pos: i });
    i += m[0].length;
  }
  return tokens;
}

/** The cell names a condition reads, in order of appearance. */
export function conditionCells(condition: Condition): string[] {
  const out: string[] = [];
  const walk = (c: Condition) => {
    if (c.kind === 'test') {
      if (!out.includes(c.cell)) out.push(c.cell);
    } else if (c.kind === 'not') {
      walk(c.operand);
    } else {
      walk(c.left);
      walk(c.right);
    }
  };
  walk(condition);
  return out;
}

/**
 * True/false for one host. `view` gives a cell's result on that host, or a reason it has none
 * (then the whole condition cannot be decided: an error, never a guess).
 */
export function evaluateCondition(condition: Condition, view: (cell: string) => HostView | { error: string }): boolean | { error: string } {
  try {
    return evaluate(condition, view);
  } catch (err) {
    if (err instanceof ConditionSyntax) return { error: err.message };
    throw err;
  }
}

function evaluate(c: Condition, view: (cell: string) => HostView | { error: string }): boolean {
  if (c.kind === 'not') return !evaluate(c.operand, view);
  if (c.kind !== 'test') return c.kind === 'and' ? evaluate(c.left, view) && evaluate(c.right, view) : evaluate(c.left, view) || evaluate(c.right, view);
  const v = view(c.cell);
  if ('error' in v) throw new ConditionSyntax(v.error);
  const actual = v[c.field];
  if (!c.op) return actual === true;
  if (typeof actual === 'boolean') return (String(actual) === c.value) === (c.op === '==');
  // A cell that did not run on this host has no exit code: no comparison with it holds.
  if (actual === null) return false;
  if (typeof actual === 'number') {
    const n = c.value as number;
    switch (c.op) {
      case '==': return actual === n;
      case '!=': return actual !== n;
      case '<': return actual < n;
      case '<=': return actual <= n;
      case '>': return actual > n;
      case '>=': return actual >= n;
      default: return false;
    }
  }
  if (c.op === 'matches') return (c.value as RegExp).test(actual);
  if (c.op === 'contains') return actual.includes(String(c.value));
  if (c.op === '==') return actual === String(c.value);
  if (c.op === '!=') return actual !== String(c.value);
  return false;
}
