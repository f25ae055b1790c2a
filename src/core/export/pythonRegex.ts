/**
 * A JavaScript regex (what runbooks write in expect=/…/, when= `matches`, parameter patterns) as a
 * Python `re` pattern that matches the same strings, for exported playbooks. Where the two engines
 * read a construct differently (`.`, `$`, `\s`, `\w`, `\b`, named groups, lookbehind, `[^]`…), the
 * construct is rewritten to JavaScript's meaning or the regex is refused with why: an export never
 * checks something other than what `sofa-ops run` checks.
 */

/** JavaScript's \s: WhiteSpace and LineTerminator (ECMA-262), as a class body for Python. */
const JS_SPACE = String.raw`\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff`;
const JS_LINE_END = String.raw`\n\r\u2028\u2029`;

export function pythonRegex(source: string, flags: string): { pattern: string } | { error: string } {
  const bad = /[^imsu]/.exec(flags);
  if (bad) return { error: `regex flag "${bad[0]}" has no Python equivalent here` };
  const multiline = flags.includes('m');
  const dotAll = flags.includes('s');
  const unicode = flags.includes('u');
  if (flags.includes('i') && /[^ -~\t\n\r]/.test(source)) return { error: 'a case-insensitive regex with non-ASCII letters folds case differently in Python' };
  let out = '';
  let inClass = false;
  let classStart = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      const next = source[i + 1];
      if (next === undefined) return { error: 'the regex ends with a lone backslash' };
      i++;
      const escaped = translateEscape(next, source, i, inClass, unicode);
      if ('error' in escaped) return escaped;
      out += escaped.text;
      i += escaped.consumed;
      classStart = false;
      continue;
    }
    if (inClass) {
      if (ch === ']' && !classStart) {
        inClass = false;
        out += ']';
        continue;
      }
      if (ch === ']' && classStart) return { error: 'an empty class [] (or [^]) means something else in Python' };
      classStart = false;
      // Python warns on (and may one day reinterpret) a nested [ and doubled set operators.
      if (ch === '[' || ((ch === '-' || ch === '&' || ch === '~' || ch === '|') && source[i + 1] === ch)) out += `\\${ch}`;
      else out += ch;
      continue;
    }
    switch (ch) {
      case '[':
        // The any-character idiom: \S cannot be spelt out inside a class, but [\s\S] is everything.
        if (source.startsWith(String.raw`[\s\S]`, i) || source.startsWith(String.raw`[\S\s]`, i)) {
          out += String.raw`[\s\S]`;
          i += 5;
          continue;
        }
        inClass = true;
        classStart = true;
        out += '[';
        if (source[i + 1] === '^') {
          out += '^';
          i++;
        }
        continue;
      case '.':
        out += dotAll ? String.raw`[\s\S]` : `[^${JS_LINE_END}]`;
        continue;
      case '^':
        out += multiline ? `(?:(?<=[${JS_LINE_END}])|\\A)` : String.raw`\A`;
        continue;
      case '$':
        out += multiline ? `(?=[${JS_LINE_END}]|\\Z)` : String.raw`\Z`;
        continue;
      case '(':
        if (source.startsWith('(?<=', i) || source.startsWith('(?<!', i)) return { error: 'lookbehind is limited to fixed widths in Python' };
        if (source.startsWith('(?<', i)) return { error: 'named groups are written differently in Python' };
        if (source[i + 1] === '?' && !/^\(\?[:=!]/.test(source.slice(i))) return { error: `the group "${source.slice(i, i + 3)}" has no Python equivalent` };
        out += ch;
        continue;
      case '{':
        // JavaScript (without u) reads a { that starts no quantifier as a literal; so does Python,
        // except for forms like {,3}, which Python reads as a quantifier.
        if (/^\{,\d+\}/.test(source.slice(i))) out += '\\{';
        else out += ch;
        continue;
      default:
        out += ch;
    }
  }
  if (inClass) return { error: 'the regex has an unclosed [' };
  // (?a): \d, \w and \b are ASCII-only, as in JavaScript; \s was spelt out above.
  return { pattern: `(?a${flags.includes('i') ? 'i' : ''})${out}` };
}

function translateEscape(next: string, source: string, at: number, inClass: boolean, unicode: boolean): { text: string; consumed: number } | { error: string } {
  switch (next) {
    case 's':
      return { text: inClass ? JS_SPACE : `[${JS_SPACE}]`, consumed: 0 };
    case 'S':
      if (inClass) return { error: String.raw`\S inside a [class] cannot be spelt out for Python` };
      return { text: `[^${JS_SPACE}]`, consumed: 0 };
    case 'd': case 'D': case 'w': case 'W': case 'n': case 'r': case 't': case 'f': case 'v':
      return { text: `\\${next}`, consumed: 0 };
    case 'b': case 'B':
      // In a class JavaScript's \b is a backspace; outside it is a word boundary in both.
      return { text: inClass ? '\\x08' : `\\${next}`, consumed: 0 };
    case '0':
      return /[0-9]/.test(source[at + 1] ?? '') ? { error: String.raw`octal escapes differ between JavaScript and Python` } : { text: '\\x00', consumed: 0 };
    case 'x': {
      const hex = /^[0-9a-fA-F]{2}/.exec(source.slice(at + 1));
      return hex ? { text: `\\x${hex[0]}`, consumed: 2 } : { error: String.raw`\x needs two hex digits` };
    }
    case 'u': {
      const hex = /^[0-9a-fA-F]{4}/.exec(source.slice(at + 1));
      if (hex) return { text: `\\u${hex[0]}`, consumed: 4 };
      return { error: unicode ? String.raw`\u{…} escapes are written differently in Python` : String.raw`\u needs four hex digits` };
    }
    default:
      if (/[1-9]/.test(next)) return inClass ? { error: 'a back-reference inside a [class] means something else in Python' } : { text: `\\${next}`, consumed: 0 };
      if (/[A-Za-z]/.test(next)) return { error: `the escape \\${next} means something else (or nothing) in Python` };
      // An escaped punctuation character is that character in both.
      return { text: /[\w\s]/.test(next) ? next : `\\${next}`, consumed: 0 };
  }
}
