/**
 * Turning a cell's source into the command that runs: `{{name}}` becomes the parameter's value,
 * quoted for the spot it stands in (bare word, '…', "…", heredoc body, comment), so `$(…)`,
 * backticks, quotes, `;` and newlines in a value stay literal. A second rendering shows secrets as
 * `***`, for the audit trail, logs and reports.
 */
import { shellQuote } from '../shellQuote';
import { findPlaceholders, resolveParameter } from './parameters';
import type { ParameterDecl, ParameterValue } from './runbookFormat';

export type RenderResult =
  | { ok: true; command: string; redacted: string; used: string[] }
  | { ok: false; errors: string[] };

export const redactedValue = '***';

type Context = 'plain' | 'single' | 'double' | 'doubleBrace' | 'heredoc' | 'quotedHeredoc' | 'comment' | 'backtick' | 'ansiC';

export function renderCommand(source: string, decls: Record<string, ParameterDecl>, supplied: Record<string, ParameterValue | undefined>): RenderResult {
  const placeholders = findPlaceholders(source);
  if (!placeholders.length) return { ok: true, command: source, redacted: source, used: [] };
  const contexts = shellContexts(source, placeholders);
  const errors: string[] = [];
  const values = new Map<string, string>();
  for (const p of placeholders) {
    if (values.has(p.name)) continue;
    const decl = decls[p.name];
    if (!decl || !Object.hasOwn(decls, p.name)) {
      errors.push(`{{${p.name}}} is not a declared parameter`);
      values.set(p.name, '');
      continue;
    }
    const result = resolveParameter(p.name, decl, supplied[p.name]);
    if ('error' in result) errors.push(result.error);
    values.set(p.name, 'value' in result ? result.value : '');
  }
  let command = '';
  let redacted = '';
  let last = 0;
  placeholders.forEach((p, i) => {
    const value = values.get(p.name)!;
    const quoted = quoteFor(contexts[i], value);
    if ('error' in quoted) errors.push(`{{${p.name}}}: ${quoted.error}`);
    const literal = source.slice(last, p.index);
    command += literal + ('text' in quoted ? quoted.text : '');
    redacted += literal + (decls[p.name]?.secret ? redactedValue : 'text' in quoted ? quoted.text : '');
    last = p.index + p.length;
  });
  if (errors.length) return { ok: false, errors: [...new Set(errors)] };
  command += source.slice(last);
  redacted += source.slice(last);
  return { ok: true, command, redacted, used: [...values.keys()] };
}

/**
 * Placeholders in a target selector or an expect text: plain text, no shell quoting. The value is
 * still validated against its declaration.
 */
export function renderText(text: string, decls: Record<string, ParameterDecl>, supplied: Record<string, ParameterValue | undefined>): { ok: true; text: string } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const out = text.replace(/\{\{[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\}\}/g, (_all, name: string) => {
    const decl = Object.hasOwn(decls, name) ? decls[name] : undefined;
    if (!decl) {
      errors.push(`{{${name}}} is not a declared parameter`);
      return '';
    }
    const result = resolveParameter(name, decl, supplied[name]);
    if ('error' in result) {
      errors.push(result.error);
      return '';
    }
    return result.value;
  });
  return errors.length ? { ok: false, errors } : { ok: true, text: out };
}

/** Replaces every secret parameter's value in `text` (command output, error messages) with `***`. */
export function redactSecrets(text: string, decls: Record<string, ParameterDecl>, values: Record<string, ParameterValue | undefined>): string {
  const secrets = Object.entries(decls)
    .filter(([name, decl]) => decl.secret && values[name] !== undefined && String(values[name]) !== '')
    .map(([name]) => String(values[name]))
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(redactedValue);
  return out;
}

function quoteFor(context: Context, value: string): { text: string } | { error: string } {
  switch (context) {
    case 'plain':
      return { text: shellQuote(value) };
    case 'single':
      // Close the quote, add the value as its own quoted word, reopen: '…'\''…' style.
      return { text: value.replace(/'/g, `'\\''`) };
    case 'double':
      return { text: value.replace(/[\\$`"]/g, '\\$&') };
    case 'doubleBrace':
      // sh and bash read quotes inside "${x:-…}" differently: no quoting is right for both.
      return { error: 'placeholders inside "${…}" cannot be quoted safely for both sh and bash; use ${…} unquoted or assign the value to a variable first' };
    case 'heredoc':
      if (/[\r\n]/.test(value)) return { error: 'a value with a line break cannot go into a heredoc (it could end it early)' };
      return { text: value.replace(/[\\$`]/g, '\\$&') };
    case 'quotedHeredoc':
      if (/[\r\n]/.test(value)) return { error: 'a value with a line break cannot go into a heredoc (it could end it early)' };
      return { text: value };
    case 'comment':
      // Not run, but a line break would end the comment and run the rest.
      return { text: value.replace(/\r\n|\r|\n/g, ' ') };
    case 'backtick':
      return { error: 'placeholders inside `…` cannot be quoted safely; use $(…) instead' };
    case 'ansiC':
      return { error: "placeholders inside $'…' cannot be quoted safely; use '…' or \"…\"" };
  }
}

interface Frame {
  kind: 'plain' | 'single' | 'double' | 'backtick' | 'ansiC' | 'comment' | 'subst' | 'brace';
  /** For `$(…)`: open parentheses inside it. */
  depth?: number;
  /** For `${…}`: whether the braces themselves are inside "…". */
  quoted?: boolean;
}

interface PendingHeredoc {
  delimiter: string;
  quoted: boolean;
  stripTabs: boolean;
}

/**
 * The quoting context at each offset in `offsets` (ascending), found by a small POSIX shell lexer:
 * quotes, escapes, `$(…)`, `${…}`, backticks, comments and heredoc bodies. Placeholders count as
 * word characters.
 */
export function shellContexts(source: string, placeholders: Array<{ index: number; length: number }>): Context[] {
  const offsets = placeholders.map((p) => p.index);
  const result: Context[] = [];
  const stack: Frame[] = [{ kind: 'plain' }];
  const pending: PendingHeredoc[] = [];
  let next = 0;
  let i = 0;
  const top = () => stack[stack.length - 1];
  const contextOf = (frame: Frame): Context => {
    switch (frame.kind) {
      case 'single': return 'single';
      case 'double': return 'double';
      case 'backtick': return 'backtick';
      case 'ansiC': return 'ansiC';
      case 'comment': return 'comment';
      case 'brace': return frame.quoted ? 'doubleBrace' : 'plain';
      default: return 'plain';
    }
  };
  const wordStart = (at: number) => at === 0 || /[\s;&|()<>]/.test(source[at - 1]);
  while (i < source.length && next < offsets.length) {
    const frame = top();
    if (offsets[next] === i) {
      // A placeholder is an opaque word: record where it stands and skip it.
      result.push(contextOf(frame));
      i += placeholders[next].length;
      next++;
      continue;
    }
    const c = source[i];
    switch (frame.kind) {
      case 'single':
        if (c === "'") stack.pop();
        i++;
        continue;
      case 'ansiC':
        if (c === '\\') i++;
        else if (c === "'") stack.pop();
        i++;
        continue;
      case 'comment':
        if (c === '\n') stack.pop();
        else i++;
        continue;
      case 'double':
        if (c === '\\') i += 2;
        else if (c === '"') { stack.pop(); i++; }
        else if (source.startsWith('$(', i)) { stack.push({ kind: 'subst', depth: 0 }); i += 2; }
        else if (source.startsWith('${', i)) { stack.push({ kind: 'brace', quoted: true }); i += 2; }
        else if (c === '`') { stack.push({ kind: 'backtick' }); i++; }
        else i++;
        continue;
      case 'backtick':
        if (c === '\\') i += 2;
        else if (c === '`') { stack.pop(); i++; }
        else i++;
        continue;
      default:
        break;
    }
    // plain, subst, brace: unquoted shell text.
    if (c === '\\') { i += 2; continue; }
    if (c === "'") { stack.push({ kind: 'single' }); i++; continue; }
    if (c === '"') { stack.push({ kind: 'double' }); i++; continue; }
    if (c === '`') { stack.push({ kind: 'backtick' }); i++; continue; }
    if (source.startsWith("$'", i)) { stack.push({ kind: 'ansiC' }); i += 2; continue; }
    if (source.startsWith('$(', i)) { stack.push({ kind: 'subst', depth: 0 }); i += 2; continue; }
    if (source.startsWith('${', i)) { stack.push({ kind: 'brace', quoted: false }); i += 2; continue; }
    if (c === '#' && wordStart(i)) { stack.push({ kind: 'comment' }); i++; continue; }
    if (frame.kind === 'subst' && c === '(') { frame.depth!++; i++; continue; }
    if (frame.kind === 'subst' && c === ')') {
      if (frame.depth! > 0) frame.depth!--;
      else stack.pop();
      i++;
      continue;
    }
    if (frame.kind === 'brace' && c === '}') { stack.pop(); i++; continue; }
    if (source.startsWith('<<', i) && source[i + 2] !== '<') {
      const heredoc = /^<<(-?)[ \t]*((?:[^\s;&|()<>'"\\]|'[^']*'|"[^"]*"|\\.)+)/.exec(source.slice(i));
      if (heredoc) {
        const word = heredoc[2];
        pending.push({ delimiter: word.replace(/['"\\]/g, ''), quoted: /['"\\]/.test(word), stripTabs: heredoc[1] === '-' });
        i += heredoc[0].length;
        continue;
      }
    }
    if (c === '\n' && pending.length) {
      i = skipHeredocBodies(source, i + 1, pending.splice(0), offsets, () => next, (context) => {
        result.push(context);
        next++;
      });
      continue;
    }
    i++;
  }
  // Offsets past the end of the lexed text (an unterminated quote) keep the last context.
  while (result.length < offsets.length) result.push(contextOf(top()));
  return result;
}

/** Consumes heredoc bodies starting at `start`; records placeholders inside them. Returns the offset after the last delimiter line. */
function skipHeredocBodies(source: string, start: number, heredocs: PendingHeredoc[], offsets: number[], nextIndex: () => number, record: (c: Context) => void): number {
  let i = start;
  for (const doc of heredocs) {
    for (;;) {
      if (i >= source.length) return i;
      const end = source.indexOf('\n', i);
      const lineEnd = end === -1 ? source.length : end;
      const line = source.slice(i, lineEnd).replace(/\r$/, '');
      if ((doc.stripTabs ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
        i = end === -1 ? source.length : end + 1;
        break;
      }
      while (nextIndex() < offsets.length && offsets[nextIndex()] < lineEnd) record(doc.quoted ? 'quotedHeredoc' : 'heredoc');
      i = end === -1 ? source.length : end + 1;
    }
  }
  return i;
}
