/**
 * Turning a cell's source into what runs: every `{{name}}` becomes a reference to a shell
 * variable (`"${SOFA_P_name}"`) chosen for the spot it stands in by a real shell parser (see
 * placeholderContexts.ts); the values travel separately, in `env`, and are assigned on the remote
 * shell's stdin (remoteScript.ts), so no value is ever parsed as shell code nor seen on a command
 * line. Spots where a value cannot be made literal (arithmetic, `[[ ]]`, comments, heredoc
 * delimiters, `eval` …) are refused. A second rendering shows the values quoted and secrets as
 * `***`, for the audit trail, logs and reports.
 */
import { shellQuote } from '../shellQuote';
import { analysePlaceholders, envPrefix, type Reference } from './placeholderContexts';
import { findPlaceholders, resolveParameter } from './parameters';
import { verifyReferences } from './referenceProof';
import type { ParameterDecl, ParameterValue } from './runbookFormat';
import type { CellShell } from './shellParser';

export type RenderResult =
  | {
      ok: true;
      /** The command with references instead of values: constant text, no value in it. */
      command: string;
      /** For display (audit, dry-run, reports): values shell-quoted in place, secrets as ***. */
      redacted: string;
      /** Shell variables the command references → their values. */
      env: Record<string, string>;
      used: string[];
    }
  | { ok: false; errors: string[] };

export const redactedValue = '***';

/**
 * `shell` is the cell's shell (cellShell(cell.language)); `'text'` for a manual step, which is
 * never run: only the display rendering is made (and returned as `command` too).
 */
export function renderCommand(source: string, decls: Record<string, ParameterDecl>, supplied: Record<string, ParameterValue | undefined>, shell: CellShell | 'text' = 'sh'): RenderResult {
  const placeholders = findPlaceholders(source);
  if (!placeholders.length) return { ok: true, command: source, redacted: source, env: {}, used: [] };
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
    else if (result.value.includes('\0')) errors.push(`parameter "${p.name}": a value with a NUL byte cannot be passed to a shell`);
    values.set(p.name, 'value' in result ? result.value : '');
  }
  if (shell !== 'text') errors.push(...placeholderProblems(source, shell, placeholders).map((e) => e.message));
  if (errors.length) return { ok: false, errors: [...new Set(errors)] };
  if (shell === 'text') {
    const text = source.replace(/\{\{[ \t]*([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\}\}/g, (_all, name: string) => (decls[name]?.secret ? redactedValue : shown(values.get(name) ?? '')));
    return { ok: true, command: text, redacted: text, env: {}, used: [...values.keys()] };
  }

  const names = envNames([...values.keys()]);
  const compiled = compile(source, shell, placeholders, names);
  if ('error' in compiled) return { ok: false, errors: [compiled.error] };
  let redacted = '';
  let last = 0;
  for (const p of placeholders) {
    redacted += source.slice(last, p.index) + (decls[p.name]?.secret ? redactedValue : shown(values.get(p.name)!));
    last = p.index + p.length;
  }
  redacted += source.slice(last);
  const command = compiled.command;
  const env: Record<string, string> = {};
  for (const [name, value] of values) env[names.get(name)!] = value;
  return { ok: true, command, redacted, env, used: [...values.keys()] };
}

// The command depends only on the cell's text and shell, never on the values: parse once per cell.
const compiledCache = new Map<string, { command: string } | { error: string }>();

function compile(source: string, shell: CellShell, placeholders: ReturnType<typeof findPlaceholders>, names: Map<string, string>): { command: string } | { error: string } {
  const key = `${shell}\0${[...names].join('\0')}\0${source}`;
  const cached = compiledCache.get(key);
  if (cached) return cached;
  const { verdicts } = analysePlaceholders(source, placeholders, shell);
  let command = '';
  let last = 0;
  placeholders.forEach((p, i) => {
    const verdict = verdicts[i];
    command += source.slice(last, p.index) + (verdict?.ok ? reference(verdict.reference, names.get(p.name)!) : '');
    last = p.index + p.length;
  });
  command += source.slice(last);
  // Proof on the result: exactly our references, each a plain quoted ${…}, nothing evaluated.
  const proof = verifyReferences(command, shell);
  const result =
    'error' in proof || proof.count !== placeholders.length
      ? { error: `this cell's placeholders could not be proven literal (${'error' in proof ? proof.error : `${proof.count} references for ${placeholders.length} placeholders`}); simplify the line or assign the value to a variable first` }
      : { command };
  if (compiledCache.size >= 500) compiledCache.delete(compiledCache.keys().next().value!);
  compiledCache.set(key, result);
  return result;
}

/**
 * Placeholders that can never be literal where they stand, whatever the value: for runbook
 * diagnostics (`fmt --check`, the editor) and before a run. `index` is the offset in `source`.
 */
export function placeholderProblems(source: string, shell: CellShell, placeholders = findPlaceholders(source)): Array<{ index: number; message: string }> {
  if (!placeholders.length) return [];
  if (source.includes(envPrefix)) return [{ index: source.indexOf(envPrefix), message: `${envPrefix}… names are reserved for parameter values; rename the variable` }];
  const analysis = analysePlaceholders(source, placeholders, shell);
  if (analysis.syntaxError) {
    const { line, column, message } = analysis.syntaxError;
    const offset = source.split('\n').slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + column - 1;
    const names = [...new Set(placeholders.map((p) => `{{${p.name}}}`))].join(', ');
    return [{ index: Math.min(offset, source.length), message: `${names}: the cell is not valid ${shell === 'bash' ? 'bash' : 'POSIX sh'} (${line}:${column}: ${message}), so its placeholders cannot be placed safely${shell === 'sh' ? '; for bash syntax use a ```bash fence' : ''}` }];
  }
  return analysis.verdicts.flatMap((v, i) => (v.ok ? [] : [{ index: placeholders[i].index, message: `{{${placeholders[i].name}}} cannot take a value here: ${v.reason}` }]));
}

/** A value as the display shows it: shell-quoted; a huge one (it travels whole) cut to its start. */
function shown(value: string): string {
  const max = 4096;
  return value.length <= max ? shellQuote(value) : `${shellQuote(value.slice(0, max))}…[${value.length - max} more characters]`;
}

function reference(kind: Reference, name: string): string {
  switch (kind) {
    case 'bare':
      return `"\${${name}}"`;
    case 'dq':
      return `\${${name}}`;
    case 'sq':
      return `'"\${${name}}"'`;
  }
}

/** Parameter names → shell variable names (`-` is not allowed there; clashes get a suffix). */
function envNames(names: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of names) {
    const base = envPrefix + name.replace(/-/g, '_');
    let candidate = base;
    for (let n = 2; taken.has(candidate); n++) candidate = `${base}_${n}`;
    taken.add(candidate);
    out.set(name, candidate);
  }
  return out;
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

/**
 * Replaces every secret parameter's value in `text` (command output, error messages) with `***`,
 * also in the forms a value takes when a program echoes it back: shell-quoted ('…'\\''…'),
 * backslash-escaped for "…", JSON-escaped, URL-encoded and base64.
 */
export function redactSecrets(text: string, decls: Record<string, ParameterDecl>, values: Record<string, ParameterValue | undefined>): string {
  const forms = new Set<string>();
  for (const [name, decl] of Object.entries(decls)) {
    if (!decl.secret || values[name] === undefined || String(values[name]) === '') continue;
    for (const form of secretForms(String(values[name]))) forms.add(form);
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(redactedValue);
  return out;
}

/** The encodings of a secret that are searched for in output. */
export function secretForms(secret: string): string[] {
  const forms = [
    secret,
    shellQuote(secret),
    secret.replace(/'/g, `'\\''`),
    secret.replace(/[\\$`"]/g, '\\$&'),
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
    encodeURI(secret),
  ];
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  // Short values' base64 would match unrelated text; 6+ bytes give 8+ distinctive characters.
  if (Buffer.byteLength(secret) >= 6) forms.push(base64, base64.replace(/=+$/, ''), Buffer.from(secret, 'utf8').toString('base64url'));
  return [...new Set(forms.filter((f) => f !== ''))];
}
