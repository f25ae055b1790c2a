/**
 * A code fence's info string (`sh {target=registry-meta[0] confirm timeout=30}`) ↔ language and
 * cell options. Parsing never throws: what it cannot read becomes a problem message, and the
 * attributes keep their exact text so rewriting one option leaves the others as written.
 */
import { regexProblem } from '../catalog/regexSafety';
import { parseCondition } from './cellCondition';
import { parseExpectation } from './expectation';
import type { CellAttribute, CellOptions } from './runbookFormat';

export interface ParsedInfo {
  language: string;
  attributes: CellAttribute[];
  options: CellOptions;
  problems: string[];
}

type OptionKey = keyof CellOptions;

/** A cell's longest timeout: a week, well below Node's timer limit of 2^31-1 ms (24.8 days). */
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
/** More SSH sessions at once than this is a typo, not a plan (and would exhaust file descriptors). */
export const MAX_PARALLEL = 1000;

/** Canonical order for options a cell did not have before. */
export const optionKeys: readonly OptionKey[] = ['name', 'target', 'when', 'after', 'manual', 'confirm', 'parallel', 'timeout', 'expect', 'continueOnError', 'finally', 'otherwise'];
const flagKeys: ReadonlySet<string> = new Set(['finally', 'continueOnError', 'manual']);

export function parseInfoString(info: string): ParsedInfo {
  const problems: string[] = [];
  const trimmed = info.trim();
  const head = /^[^\s{]*/.exec(trimmed)![0];
  const rest = trimmed.slice(head.length).trim();
  const attributes = rest === '' ? [] : readAttributes(rest, problems);
  const options: CellOptions = {};
  const seen = new Set<string>();
  for (const attr of attributes) {
    if (!isOptionKey(attr.key)) {
      const near = optionKeys.find((k) => k.toLowerCase() === attr.key.toLowerCase());
      problems.push(`unknown cell option "${attr.key}"${near ? ` (did you mean ${near}?)` : ''}; options are ${optionKeys.join(', ')}`);
      continue;
    }
    if (seen.has(attr.key)) {
      problems.push(`cell option "${attr.key}" is given twice`);
      continue;
    }
    seen.add(attr.key);
    const result = interpret(attr.key, attr.value);
    if ('error' in result) problems.push(result.error);
    else if (result.value !== undefined) (options as Record<string, unknown>)[attr.key] = result.value;
  }
  return { language: head, attributes, options, problems };
}

function isOptionKey(key: string): key is OptionKey {
  return (optionKeys as readonly string[]).includes(key);
}

/** The `{…}` group: bare flags, key=value, key="…" (\" and \\ escapes), key='…', key=/regex/flags. */
function readAttributes(text: string, problems: string[]): CellAttribute[] {
  const attributes: CellAttribute[] = [];
  if (!text.startsWith('{')) {
    problems.push(`cell options go inside {…} after the language, e.g. {target=registry-meta confirm}; found "${text}"`);
    return attributes;
  }
  let i = 1;
  const n = text.length;
  for (;;) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) {
      problems.push('cell options: missing } at the end');
      return attributes;
    }
    if (text[i] === '}') {
      const after = text.slice(i + 1).trim();
      if (after) problems.push(`cell options: unexpected text after }: "${after}"`);
      return attributes;
    }
    const start = i;
    const key = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))?.[0];
    if (!key) {
      const word = /^[^\s}]+/.exec(text.slice(i))![0];
      problems.push(`cell options: "${word}" is not an option (write key or key=value)`);
      i += word.length;
      continue;
    }
    i += key.length;
    if (text[i] !== '=') {
      if (i < n && !/[\s}]/.test(text[i])) {
        const word = /^[^\s}]+/.exec(text.slice(start))![0];
        problems.push(`cell options: "${word}" is not an option (write key or key=value)`);
        i = start + word.length;
        continue;
      }
      attributes.push({ key, raw: text.slice(start, i) });
      continue;
    }
    i++;
    const value = readValue(text, i);
    if (value.error) {
      problems.push(`cell option "${key}": ${value.error}`);
      return attributes;
    }
    i = value.end;
    attributes.push({ key, value: value.value, raw: text.slice(start, i) });
  }
}

function readValue(text: string, i: number): { value: string; end: number; error?: string } {
  const quote = text[i];
  if (quote === '"' || quote === "'") {
    let value = '';
    let j = i + 1;
    while (j < text.length && text[j] !== quote) {
      if (quote === '"' && text[j] === '\\' && (text[j + 1] === '"' || text[j + 1] === '\\')) j++;
      value += text[j++];
    }
    if (j >= text.length) return { value, end: j, error: `unterminated ${quote} quote` };
    return { value, end: j + 1 };
  }
  if (quote === '/') {
    // An unquoted /regex/ may hold spaces-free `}` (a{3}); it ends at the unescaped closing slash.
    const m = /^\/(?:[^/\\\s]|\\.)+\/[a-z]*(?=[\s}]|$)/.exec(text.slice(i));
    if (m) return { value: m[0], end: i + m[0].length };
  }
  // `{{param}}` inside a bare value (target=registry-meta[{{node}}]) does not end the group.
  const m = /^(?:\{\{[^{}\s]*\}\}|[^\s}])*/.exec(text.slice(i))![0];
  return { value: m, end: i + m.length };
}

function interpret(key: OptionKey, value: string | undefined): { value: unknown } | { error: string } {
  const flag = (): { value: unknown } | { error: string } =>
    value === undefined || value === 'true' ? { value: true } : value === 'false' ? { value: undefined } : { error: `cell option "${key}" is a flag: write ${key}, ${key}=true or ${key}=false, not ${key}=${value}` };
  if (flagKeys.has(key)) return flag();
  if (key === 'confirm') {
    if (value === undefined || value === 'true' || value === 'false') return flag();
    if (value.trim() === '') return { error: 'confirm="" has no question; write confirm or confirm="question"' };
    return { value };
  }
  if (value === undefined) return { error: `cell option "${key}" needs a value (${key}=…)` };
  switch (key) {
    case 'name':
      return /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u.test(value) ? { value } : { error: `cell name "${value}" must be letters, digits, ".", "_" or "-" (e.g. close-push)` };
    case 'target':
      return value.trim() && !/\s/.test(value) ? { value } : { error: `target "${value}" must be a selector without spaces, e.g. registry-meta[0] or tag=dc-a` };
    case 'expect': {
      const parsed = parseExpectation(value);
      if (parsed.error) return { error: parsed.error };
      // The regex runs on whatever the host prints: one that backtracks catastrophically would hang the run.
      const regex = parsed.expectation?.kind === 'regex' ? parsed.expectation.regex : undefined;
      const unsafe = regex && regexProblem(regex.source, regex.flags);
      return unsafe ? { error: `expect: ${unsafe}` } : { value };
    }
    case 'timeout': {
      const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value);
      const seconds = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : NaN;
      if (!(seconds > 0)) return { error: `timeout "${value}" is not a positive number of seconds (e.g. timeout=30 or timeout=5m)` };
      // Past 2^31-1 ms Node fires a timer at once: a cell meant to run for 30 days would be cut at start.
      if (seconds > MAX_TIMEOUT_SECONDS) return { error: `timeout "${value}" is longer than the maximum of ${MAX_TIMEOUT_SECONDS / 3600}h` };
      if (seconds < 0.001) return { error: `timeout "${value}" is shorter than a millisecond` };
      return { value: seconds };
    }
    case 'when': {
      if (/\{\{/.test(value)) return { error: 'when=: parameters ({{…}}) are not substituted in conditions; compare with a literal value' };
      const parsed = parseCondition(value);
      return 'error' in parsed ? parsed : { value };
    }
    case 'after': {
      const names = value.split(',');
      const bad = names.find((n) => !/^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u.test(n));
      return bad === undefined ? { value } : { error: `after="${value}" must name earlier cells, comma-separated (e.g. after=verify-health), and "${bad}" is not a cell name` };
    }
    case 'otherwise':
      return value.trim() ? { value } : { error: 'otherwise="" says nothing; write what it means that this step did not run, e.g. otherwise="push stays closed"' };
    case 'parallel':
      if (!/^[1-9]\d*$/.test(value)) return { error: `parallel "${value}" is not a positive whole number of hosts` };
      return Number(value) <= MAX_PARALLEL ? { value: Number(value) } : { error: `parallel "${value}" is more than ${MAX_PARALLEL} hosts at once` };
    default:
      return { error: `cell option "${key}" is not understood` };
  }
}

/** Text for one option, quoted only when it has to be. */
export function formatAttribute(key: OptionKey, value: unknown): string {
  if (value === true) return key;
  const text = String(value);
  if (/^[^\s"'{}\\/]+$/.test(text)) return `${key}=${text}`;
  return `${key}="${text.replace(/[\\"]/g, '\\$&')}"`;
}

/**
 * The `{…}` group for `options`. Attributes the cell already had stay where and as they were when
 * their value did not change; unknown ones are kept; new options follow in canonical order.
 */
export function formatOptions(options: CellOptions, original: CellAttribute[] = []): string {
  const parts: string[] = [];
  const done = new Set<string>();
  const present = (key: OptionKey) => options[key] !== undefined && options[key] !== false;
  for (const attr of original) {
    if (!isOptionKey(attr.key)) {
      parts.push(attr.raw);
      continue;
    }
    if (done.has(attr.key)) continue;
    done.add(attr.key);
    if (!present(attr.key)) continue;
    const before = interpret(attr.key, attr.value);
    const unchanged = 'value' in before && before.value === options[attr.key];
    parts.push(unchanged ? attr.raw : formatAttribute(attr.key, options[attr.key]));
  }
  for (const key of optionKeys) {
    if (!done.has(key) && present(key)) parts.push(formatAttribute(key, options[key]));
  }
  return parts.length ? `{${parts.join(' ')}}` : '';
}

/** Same options, regardless of key order and of `false` vs absent. */
export function sameOptions(a: CellOptions, b: CellOptions): boolean {
  return optionKeys.every((k) => (a[k] ?? false) === (b[k] ?? false));
}
