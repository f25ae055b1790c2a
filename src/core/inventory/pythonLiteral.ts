/**
 * The two bits of Python that decide what an Ansible INI inventory line means: `shlex.split`
 * (posix, comments on) for host lines, and `ast.literal_eval` for every `key=value` value. Ansible
 * keeps the raw text when literal_eval fails, so "is this exactly a Python literal?" must be
 * answered the way CPython answers it: `22` is an int, `022` stays the text "022", `'a' 'b'` is "ab".
 * Values Python can build but an inventory cannot hold (sets, complex numbers, bytes beyond ASCII,
 * `...`, dicts with non-text keys, infinities) are reported as unsupported rather than guessed.
 */

export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

export type LiteralResult =
  | { kind: 'value'; value: PyValue }
  /** Not a literal: Ansible keeps the text as it is. */
  | { kind: 'text' }
  /** A literal SOFA Ops does not model; the caller reports it. */
  | { kind: 'unsupported'; what: string };

/** Python's `str.isspace()` characters (what `str.strip()` removes). */
export const PY_SPACE = '\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000';

export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && PY_SPACE.includes(s[a])) a++;
  while (b > a && PY_SPACE.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

/** `str.splitlines()`: every line boundary Python knows, `\r\n` counted once. */
export function pySplitLines(text: string): string[] {
  // eslint-disable-next-line no-control-regex -- \x1c-\x1e are line boundaries to Python
  const lines = text.split(/\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return text === '' ? [] : lines;
}

/** Python's `int(text)` for the decimal strings Ansible passes it (sign, `_` between digits, spaces). */
export function pyInt(text: string): number | undefined {
  const t = pyStrip(text);
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** `shlex.split(line, comments)` (posix mode). Throws a message like Python's ValueError. */
export function pyShlexSplit(line: string, comments = true): string[] {
  const ws = ' \t\r\n';
  const out: string[] = [];
  let token = '';
  let quoted = false;
  let state: ' ' | 'a' | '"' | "'" = ' ';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (state === '"' || state === "'") {
      quoted = true;
      if (c === state) state = 'a';
      else if (c === '\\' && state === '"') {
        if (i + 1 >= line.length) throw new Error('No escaped character');
        const n = line[++i];
        if (n !== '"' && n !== '\\') token += '\\';
        token += n;
      } else token += c;
      continue;
    }
    if (ws.includes(c)) {
      if (state === 'a' && (token || quoted)) out.push(token);
      token = '';
      quoted = false;
      state = ' ';
    } else if (c === '#' && comments) {
      break;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('No escaped character');
      token += line[++i];
      state = 'a';
    } else if (c === '"' || c === "'") {
      state = c;
    } else {
      token += c;
      state = 'a';
    }
  }
  if (state === '"' || state === "'") throw new Error('No closing quotation');
  if (state === 'a' && (token || quoted)) out.push(token);
  return out;
}

class NotLiteral extends Error {}
class Unsupported extends Error {}
/** Thrown for every non-literal; one instance, as building a stack trace per value is the main cost. */
const NOT_LITERAL = new NotLiteral();

type Py =
  | { t: 'int' | 'float'; v: number }
  | { t: 'str'; v: string }
  | { t: 'bytes'; v: string }
  | { t: 'const'; v: boolean | null }
  | { t: 'list' | 'tuple'; v: Py[] }
  | { t: 'dict'; v: Array<[Py, Py]> };

const MAX_NESTING = 200;

/** `ast.literal_eval(text)` as Ansible's INI plugin calls it. */
export function pyLiteralEval(text: string): LiteralResult {
  if (text.includes('\0')) return { kind: 'text' };
  try {
    const p = new LiteralParser(text.replace(/^[ \t]+/, ''));
    return { kind: 'value', value: toValue(p.parseAll()) };
  } catch (err) {
    if (err instanceof NotLiteral) return { kind: 'text' };
    if (err instanceof Unsupported) return { kind: 'unsupported', what: err.message };
    throw err;
  }
}

function toValue(p: Py): PyValue {
  switch (p.t) {
    case 'int':
    case 'float':
      if (!Number.isFinite(p.v)) throw new Unsupported('an infinite or NaN float');
      return p.v;
    case 'str':
    case 'bytes':
    case 'const':
      return p.v;
    case 'list':
    case 'tuple':
      return p.v.map(toValue);
    case 'dict': {
      const o: { [key: string]: PyValue } = {};
      for (const [k, v] of p.v) {
        if (k.t !== 'str' && k.t !== 'bytes') throw new Unsupported('a dict whose keys are not text');
        Object.defineProperty(o, k.v, { value: toValue(v), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
  }
}

const D = '[0-9](?:_?[0-9])*';
/** Python's number tokens (imaginary suffix included, to refuse it). */
const NUMBER = new RegExp(`(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:${D})?\\.${D}|${D}\\.)(?:[eE][+-]?${D})?|${D}[eE][+-]?${D}|${D})[jJ]?`, 'y');
const WORD = /[\p{L}\p{N}_]*/uy;

/** Python ints are exact at any size; a JS number is not past 2^53, so such a value is not guessed. */
function safeInt(n: number): number {
  if (!Number.isSafeInteger(n)) throw new Unsupported('an integer beyond 2^53');
  return n;
}

class LiteralParser {
  private i = 0;
  private depth = 0;
  private readonly signed = new WeakSet<Py>();
  constructor(private readonly s: string) {}

  parseAll(): Py {
    const v = this.parseTupleOrExpr(true);
    this.skip();
    if (this.i < this.s.length) throw NOT_LITERAL;
    return v;
  }

  /** Whitespace and comments between tokens (no newlines in an INI value). */
  private skip(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\f') this.i++;
      else if (c === '#') this.i = this.s.length;
      else return;
    }
  }

  private peek(): string | undefined {
    this.skip();
    return this.s[this.i];
  }

  private parseTupleOrExpr(top: boolean): Py {
    const first = this.parseExpr();
    if (this.peek() !== ',') return first;
    const items = [first];
    while (this.peek() === ',') {
      this.i++;
      const c = this.peek();
      if (c === undefined || (!top && c === ')')) break;
      items.push(this.parseExpr());
    }
    return { t: 'tuple', v: items };
  }

  private open(): void {
    if (++this.depth > MAX_NESTING) throw NOT_LITERAL;
    this.i++;
  }

  private parseExpr(): Py {
    const c = this.peek();
    if (c === undefined) throw NOT_LITERAL;
    if (c === '-' || c === '+') {
      this.i++;
      const operand = this.parseExpr();
      // Only a number (or a parenthesised one) may be signed, and only once: `--1` is not a literal.
      if ((operand.t !== 'int' && operand.t !== 'float') || this.signed.has(operand)) throw NOT_LITERAL;
      this.checkNoBinOp();
      const result: Py = { t: operand.t, v: c === '-' ? -operand.v : operand.v };
      this.signed.add(result);
      return result;
    }
    let v: Py;
    if (c === '(') {
      this.open();
      if (this.peek() === ')') v = { t: 'tuple', v: [] };
      else {
        const inner = this.parseTupleOrExpr(false);
        if (this.peek() !== ')') throw NOT_LITERAL;
        v = inner;
      }
      this.i++;
      this.depth--;
    } else if (c === '[') {
      this.open();
      const items: Py[] = [];
      while (this.peek() !== ']') {
        items.push(this.parseExpr());
        if (this.peek() === ',') this.i++;
        else if (this.peek() !== ']') throw NOT_LITERAL;
      }
      this.i++;
      this.depth--;
      v = { t: 'list', v: items };
    } else if (c === '{') {
      this.open();
      const pairs: Array<[Py, Py]> = [];
      let set = false;
      while (this.peek() !== '}') {
        const k = this.parseExpr();
        if (this.peek() === ':' && !set) {
          this.i++;
          pairs.push([k, this.parseExpr()]);
        } else if (pairs.length === 0) set = true;
        else throw NOT_LITERAL;
        if (this.peek() === ',') this.i++;
        else if (this.peek() !== '}') throw NOT_LITERAL;
      }
      this.i++;
      this.depth--;
      if (set) throw new Unsupported('a set');
      v = { t: 'dict', v: pairs };
    } else if (/[0-9.]/.test(c) && (c !== '.' || /[0-9]/.test(this.s[this.i + 1] ?? ''))) {
      v = this.number();
    } else if (/[a-zA-Z_'"]/.test(c) || c.charCodeAt(0) > 127) {
      v = this.wordOrString();
    } else if (c === '.' && this.s.startsWith('...', this.i)) {
      throw new Unsupported('Ellipsis');
    } else {
      throw NOT_LITERAL;
    }
    // Subscripts, calls, attributes, operators: valid Python, but not literals.
    const next = this.peek();
    if (next !== undefined && !',:)]}'.includes(next)) {
      if (next === '+' || next === '-') this.checkComplexBinOp();
      throw NOT_LITERAL;
    }
    return v;
  }

  /** `-1 + 2` and friends are not literals unless the right side is complex (unsupported anyway). */
  private checkNoBinOp(): void {
    const next = this.peek();
    if (next === '+' || next === '-') this.checkComplexBinOp();
  }

  private checkComplexBinOp(): never {
    const rest = this.s.slice(this.i + 1).trim();
    if (/^[0-9._]+(?:[eE][+-]?[0-9_]+)?[jJ]$/.test(rest)) throw new Unsupported('a complex number');
    throw NOT_LITERAL;
  }

  private number(): Py {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) throw NOT_LITERAL;
    const tok = m[0];
    const after = this.s[this.i + tok.length];
    if (after !== undefined && /[\p{L}\p{N}_.]/u.test(after)) throw NOT_LITERAL;
    if (/[jJ]$/.test(tok)) throw new Unsupported('a complex number');
    this.i += tok.length;
    const clean = tok.replace(/_/g, '');
    if (/^0[xXoObB]/.test(clean)) return { t: 'int', v: safeInt(Number(clean.toLowerCase())) };
    if (/[.eE]/.test(clean)) return { t: 'float', v: Number(clean) };
    // Leading zeros are a SyntaxError for non-zero decimals; CPython refuses > 4300 digits.
    if (/^0+[1-9]/.test(clean) || clean.length > 4300) throw NOT_LITERAL;
    return { t: 'int', v: safeInt(Number(clean)) };
  }

  private wordOrString(): Py {
    const start = this.i;
    WORD.lastIndex = this.i;
    const word = WORD.exec(this.s)![0];
    const q = this.s[this.i + word.length];
    if ((q === "'" || q === '"') && /^(?:[rRuUbBfF]|[bB][rR]|[rR][bB]|[fF][rR]|[rR][fF])?$/.test(word)) return this.strings();
    this.i = start + word.length;
    if (word === 'True') return { t: 'const', v: true };
    if (word === 'False') return { t: 'const', v: false };
    if (word === 'None') return { t: 'const', v: null };
    if (word === 'set' && /^\s*\(\s*\)/.test(this.s.slice(this.i))) throw new Unsupported('a set');
    throw NOT_LITERAL;
  }

  /** One or more adjacent string literals, concatenated as Python does. */
  private strings(): Py {
    let kind: 'str' | 'bytes' | undefined;
    let value = '';
    let fString = false;
    for (;;) {
      this.skip();
      const m = /^([rRuUbBfF]{0,2})('''|"""|'|")/.exec(this.s.slice(this.i));
      if (!m || !/^(?:[rRuUbBfF]|[bB][rR]|[rR][bB]|[fF][rR]|[rR][fF])?$/.test(m[1])) break;
      const prefix = m[1].toLowerCase();
      const quote = m[2];
      const isBytes = prefix.includes('b');
      if (kind && (kind === 'bytes') !== isBytes) throw NOT_LITERAL;
      kind = isBytes ? 'bytes' : 'str';
      if (prefix.includes('f')) fString = true;
      this.i += m[0].length;
      value += this.stringBody(quote, prefix.includes('r'), isBytes);
    }
    if (fString) throw NOT_LITERAL;
    if (kind === 'bytes' && [...value].some((ch) => ch.charCodeAt(0) > 0x7f)) throw new Unsupported('bytes beyond ASCII');
    return { t: kind!, v: value };
  }

  private stringBody(quote: string, raw: boolean, bytes: boolean): string {
    let out = '';
    const s = this.s;
    for (;;) {
      if (this.i >= s.length) throw NOT_LITERAL;
      if (s.startsWith(quote, this.i)) {
        this.i += quote.length;
        return out;
      }
      const c = s[this.i];
      if (bytes && c.charCodeAt(0) > 127) throw NOT_LITERAL;
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const n = s[this.i + 1];
      if (n === undefined) throw NOT_LITERAL;
      if (raw) {
        out += c + n;
        this.i += 2;
        continue;
      }
      this.i += 2;
      const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };
      if (n in simple) out += simple[n];
      else if (/[0-7]/.test(n)) {
        const oct = /^[0-7]{1,3}/.exec(s.slice(this.i - 1))![0];
        this.i += oct.length - 1;
        const code = parseInt(oct, 8);
        if (bytes && code > 0xff) throw NOT_LITERAL;
        out += String.fromCharCode(bytes ? code & 0xff : code);
      } else if (n === 'x') {
        const hex = /^[0-9a-fA-F]{2}/.exec(s.slice(this.i));
        if (!hex) throw NOT_LITERAL;
        this.i += 2;
        out += String.fromCharCode(parseInt(hex[0], 16));
      } else if (!bytes && (n === 'u' || n === 'U')) {
        const len = n === 'u' ? 4 : 8;
        const hex = new RegExp(`^[0-9a-fA-F]{${len}}`).exec(s.slice(this.i));
        if (!hex) throw NOT_LITERAL;
        const code = parseInt(hex[0], 16);
        if (code > 0x10ffff) throw NOT_LITERAL;
        if (code >= 0xd800 && code <= 0xdfff) throw new Unsupported('a lone surrogate escape');
        this.i += len;
        out += String.fromCodePoint(code);
      } else if (!bytes && n === 'N') {
        throw new Unsupported('a \\N{...} escape');
      } else {
        // Unknown escapes keep their backslash (a DeprecationWarning in Python, not an error).
        out += '\\' + n;
      }
    }
  }
}
