/**
 * Runbook parameters: `{{name}}` placeholders, and checking values (typed in a prompt, given with
 * `--param k=v`, or defaults) against their declaration before anything is rendered or run.
 */
import type { ParameterDecl, ParameterValue } from './runbookFormat';

export const parameterNamePattern = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export interface Placeholder {
  name: string;
  /** Offset and length of the whole `{{ name }}` in the text. */
  index: number;
  length: number;
}

/** `{{name}}`, `{{ name }}`; not `{{.State}}` or `{{json .}}`, which belong to other template languages. */
export function findPlaceholders(text: string): Placeholder[] {
  return [...text.matchAll(/\{\{[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\}\}/g)].map((m) => ({ name: m[1], index: m.index, length: m[0].length }));
}

/**
 * The value to substitute, as text, or why it is not acceptable. Missing values fall back to the
 * default; a missing optional parameter without default is the empty string.
 */
export function resolveParameter(name: string, decl: ParameterDecl, supplied: ParameterValue | undefined): { value: string } | { error: string } {
  const given = supplied ?? decl.default;
  if (given === undefined || given === '') {
    if (decl.required) return { error: `parameter "${name}" is required${decl.description ? ` (${decl.description})` : ''}` };
    return { value: '' };
  }
  const text = String(given);
  const shown = decl.secret ? 'the value' : JSON.stringify(text);
  let value = text;
  switch (decl.type) {
    case 'number':
      if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text.trim())) return { error: `parameter "${name}": ${shown} is not a number` };
      value = text.trim();
      break;
    case 'boolean': {
      const lower = text.trim().toLowerCase();
      if (['true', 'yes', 'y', '1', 'on'].includes(lower)) value = 'true';
      else if (['false', 'no', 'n', '0', 'off'].includes(lower)) value = 'false';
      else return { error: `parameter "${name}": ${shown} is not true or false` };
      break;
    }
    case 'enum':
    case 'string':
      break;
  }
  if (decl.allowed && !decl.allowed.some((a) => (decl.type === 'number' ? Number(a) === Number(value) : String(a) === value))) {
    return { error: `parameter "${name}": ${shown} is not one of ${decl.allowed.map((a) => JSON.stringify(a)).join(', ')}` };
  }
  if (decl.pattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${decl.pattern})$`, 'u');
    } catch {
      return { error: `parameter "${name}": its pattern is not a valid regex` };
    }
    if (!re.test(value)) return { error: `parameter "${name}": ${shown} does not match ${decl.pattern}` };
  }
  return { value };
}

/** All parameters at once (a run prompts once): values by name, and every problem found. */
export function resolveParameters(decls: Record<string, ParameterDecl>, supplied: Record<string, ParameterValue | undefined>): { values: Record<string, string>; errors: string[] } {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  for (const name of Object.keys(supplied)) {
    if (!Object.hasOwn(decls, name)) errors.push(`unknown parameter "${name}"; declared: ${Object.keys(decls).join(', ') || 'none'}`);
  }
  for (const [name, decl] of Object.entries(decls)) {
    const result = resolveParameter(name, decl, supplied[name]);
    if ('error' in result) errors.push(result.error);
    else values[name] = result.value;
  }
  return { values, errors };
}

/** Problems in a declaration itself (beyond the schema): bad pattern, default out of bounds, secret default. */
export function checkParameterDecl(name: string, decl: ParameterDecl): string[] {
  const problems: string[] = [];
  if (decl.pattern !== undefined) {
    try {
      new RegExp(decl.pattern, 'u');
    } catch (err) {
      problems.push(`parameters.${name}.pattern is not a valid regex: ${(err as Error).message}`);
      return problems;
    }
  }
  if (decl.secret && decl.default !== undefined) problems.push(`parameters.${name}: a secret must not have a default (it would be stored in the runbook)`);
  else if (decl.default !== undefined) {
    const result = resolveParameter(name, { ...decl, secret: false }, decl.default);
    if ('error' in result) problems.push(`parameters.${name}.default: ${result.error.replace(`parameter "${name}": `, '')}`);
  }
  return problems;
}
