/**
 * A runbook as an Ansible playbook that ansible-playbook and AWX run unchanged, with SOFA Ops'
 * semantics (see exportReadme.ts for the mapping table). One play over `hosts: all`: each cell is
 * a task that runs only on the hosts its target selects (resolved by the sofa_ops_select filter,
 * exactly as SOFA Ops resolves it); the first failure on any host stops every host (the
 * `sofa_ops_stopped` test on every non-cleanup task); each cleanup cell (finally, after=) is the
 * `always:` of a block around everything before it, so it runs after a failure as it does in
 * SOFA Ops. A cell whose meaning cannot be kept exactly is refused with file:line and why, and a
 * runbook with a refused cell is not exported at all: dropping one step would change the others.
 */
import { stringify } from 'yaml';
// yaml/util has types only under node16 module resolution.
const { stringifyString } = require('yaml/util') as typeof import('yaml/dist/util');
import type { SourceProblem } from '../sourceProblem';
import { placeholderProblems, renderCommand } from '../runbook/renderCommand';
import { cellShell } from '../runbook/shellParser';
import { cellName, rollbackCells } from '../runbook/runbookRunner';
import { type CodeCell, type ParameterDecl, runbookParameters, type Runbook } from '../runbook/runbookFormat';
import { type CellRef, conditionExpr, END_MARKER, expectFailedWhen, gateExpr, type Literals, resultVar } from './ansibleJinja';
import { pythonRegex } from './pythonRegex';

/** A string Ansible must never template: written with the YAML tag !unsafe. */
export class Unsafe {
  constructor(readonly value: string) {}
}
export const unsafeTag = {
  tag: '!unsafe',
  identify: (v: unknown) => v instanceof Unsafe,
  resolve: (s: string) => new Unsafe(s),
  stringify: (item: { value: unknown }, ctx: Parameters<typeof stringifyString>[1], onComment?: () => void, onChompKeep?: () => void) =>
    stringifyString({ value: (item.value as Unsafe).value }, ctx, onComment, onChompKeep),
};

export interface PlaybookExport {
  /** The playbook's YAML; absent when any cell was refused. */
  playbook?: string;
  refusals: SourceProblem[];
  /** Cells exported (rollback cells are not part of a run and are not exported). */
  cells: number;
  rollbackSkipped: number;
  parameters: string[];
  secrets: string[];
}

/** Variables Ansible itself sets or reads: a parameter of that name would be shadowed or would change how Ansible connects. */
const reservedNames = new Set(['groups', 'hostvars', 'inventory_hostname', 'inventory_hostname_short', 'group_names', 'omit', 'playbook_dir', 'play_hosts', 'vars', 'environment', 'item', 'role_path', 'inventory_dir', 'inventory_file']);

const STOPPED = 'sofa_ops_stopped';

export interface PlaybookOptions {
  /**
   * Also give each cell a raw variant for hosts whose inventory sets `sofa_ops_no_python: true`
   * (see rawVariant).
   */
  rawFallback?: boolean;
}

/** The host-level Ansible variable that sends a host's cells through `raw` (exported with rawFallback). */
export const NO_PYTHON_VAR = 'sofa_ops_no_python';
const NO_PYTHON = `(${NO_PYTHON_VAR} | default(false) | bool)`;

export function exportRunbookToAnsible(runbook: Runbook, parseProblems: SourceProblem[], displayPath: string, options: PlaybookOptions = {}): PlaybookExport {
  const file = runbook.file;
  const refusals: SourceProblem[] = parseProblems.map((p) => ({ ...p, message: `the runbook has a problem SOFA Ops would not run with: ${p.message}` }));
  const meta = runbook.frontMatter?.meta;
  const decls = runbookParameters(runbook);
  const secrets = Object.keys(decls).filter((n) => decls[n].secret);
  for (const name of Object.keys(decls)) {
    // Parameters are read as vars['name'], so `from` or `my-param` work; Ansible's own names do not.
    if (reservedNames.has(name) || /^(ansible_|sofa_ops)/.test(name)) {
      refusals.push({ file, line: 1, message: `parameter "${name}" is a name Ansible sets or reads itself; rename it` });
    }
  }
  const pyDecls: Record<string, ParameterDecl & { pyPattern?: string }> = {};
  for (const [name, decl] of Object.entries(decls)) {
    pyDecls[name] = { ...decl };
    if (decl.pattern !== undefined) {
      const py = pythonRegex(`^(?:${decl.pattern})$`, 'u');
      if ('error' in py) refusals.push({ file, line: 1, message: `parameters.${name}.pattern: ${py.error}` });
      else pyDecls[name].pyPattern = py.pattern;
    }
  }

  const rollback = new Set(rollbackCells(runbook));
  const checkMode = meta?.mode === 'check';
  const refs = new Map<string, CellRef>();
  /** The tasks so far; a cleanup cell wraps them in a block whose always: it is. */
  let body: object[] = [];
  let cells = 0;
  let heading = '';
  const verdicts: string[] = [];
  runbook.cells.forEach((cell, index) => {
    if (cell.kind === 'markdown') {
      const h = [...cell.source.matchAll(/^#{1,6}\s+(.*)$/gm)].pop();
      if (h) heading = h[1].trim();
      return;
    }
    if (rollback.has(index)) return;
    cells++;
    const name = cellName(cell, index);
    const where = `${displayPath}:${cell.line}`;
    const refuse = (reason: string) => refusals.push({ file, line: cell.line, message: `cell "${name}": ${reason}` });
    const literals = literalPool();
    const cleanup = !!cell.options.finally || !!cell.options.after;
    const label = inert(`${name}${heading ? ` · ${heading}` : ''} · ${where}`);
    const tags = ['sofa-ops', `runbook:${displayPath}`, ...(meta?.section ? [`guide:${meta.section}`] : [])].map(inert);
    const usesSecret = [cell.source, cell.options.target ?? '', cell.options.expect ?? '', typeof cell.options.confirm === 'string' ? cell.options.confirm : ''].some((t) => secrets.some((s) => new RegExp(`\\{\\{[ \\t]*${s}[ \\t]*\\}\\}`).test(t)));
    const conditions: string[] = cleanup ? [] : [`not ${STOPPED}`];
    if (cell.options.after) {
      const gate = gateExpr(cell.options.after, refs);
      if ('error' in gate) refuse(gate.error);
      else conditions.push(gate.expr);
    }
    const tasks: object[] = [];

    if (cell.options.manual) {
      const preTicked = preAnswered('sofa_ops_done', cell.options.name ?? `line${cell.line}`);
      tasks.push({
        name: `Manual step ${label}`,
        'ansible.builtin.pause': { prompt: `{{ sofa_ops_l_text | sofa_ops_text(sofa_ops_p, sofa_ops_decls) }}\n\nDo this step in its console, then type done (anything else: not done, the run stops).` },
        vars: { sofa_ops_l_text: new Unsafe(cell.source) },
        register: `sofa_ops_m${index}`,
        when: [...conditions, `not (${preTicked})`],
        tags,
      });
      tasks.push({
        name: `Marked done? ${label}`,
        'ansible.builtin.assert': { that: [`(${preTicked}) or ((sofa_ops_m${index}.user_input | default('')) | trim) == 'done'`], fail_msg: 'the operator did not mark this step done', quiet: true },
        run_once: true,
        register: resultVar(index),
        when: conditions.length ? conditions : undefined,
        tags,
      });
      refs.set(name, { index, target: cell.options.target, manual: true, marked: false });
    } else {
      const target = cell.options.target;
      if (!target) refuse('it has no target (add {target=SELECTOR})');
      const rendered = commandOf(cell, decls);
      if ('error' in rendered) refuse(rendered.error);
      let failedWhen: string | undefined;
      let marked = false;
      if (cell.options.expect) {
        const e = expectFailedWhen(cell.options.expect, index, literals);
        if ('error' in e) refuse(e.error);
        else ({ expr: failedWhen, marked } = e);
      }
      if (cell.options.when) {
        const w = conditionExpr(cell.options.when, target, refs, literals);
        if ('error' in w) refuse(w.error);
        else conditions.push(w.expr);
        if (cell.options.confirm) refuse('confirm together with when=: SOFA Ops asks only when the condition leaves hosts to run on; a pause cannot know that in advance');
      }
      if (cell.options.timeout !== undefined && !Number.isInteger(cell.options.timeout)) refuse(`timeout=${cell.options.timeout}s: Ansible's task timeout is whole seconds`);
      const inTarget = `inventory_hostname in (sofa_ops_target | sofa_ops_select(sofa_ops_p, groups, hostvars))`;
      if (cell.options.confirm) {
        const preConfirmed = preAnswered('sofa_ops_confirm', cell.options.name ?? `line${cell.line}`);
        const question =
          typeof cell.options.confirm === 'string'
            ? `{{ sofa_ops_l_question | sofa_ops_text(sofa_ops_p, sofa_ops_decls, false) }}`
            : `Run "${name}" on {{ (sofa_ops_target | sofa_ops_select(sofa_ops_p, groups, hostvars)) | join(', ') }}?`;
        tasks.push({
          name: `Confirm ${label}`,
          'ansible.builtin.pause': { prompt: `${question}\nType yes to go on (anything else: declined, the run stops).` },
          vars: { sofa_ops_target: new Unsafe(target ?? ''), ...(typeof cell.options.confirm === 'string' ? { sofa_ops_l_question: new Unsafe(cell.options.confirm) } : {}) },
          register: `sofa_ops_c${index}`,
          when: [...conditions, `not (${preConfirmed})`],
          tags,
        });
        tasks.push({
          name: `Confirmed? ${label}`,
          'ansible.builtin.assert': { that: [`(${preConfirmed}) or ((sofa_ops_c${index}.user_input | default('')) | trim) == 'yes'`], fail_msg: 'not confirmed', quiet: true },
          run_once: true,
          when: conditions.length ? conditions : undefined,
          tags,
        });
      }
      const mayFail = !!cell.options.continueOnError || checkMode;
      if (checkMode && !cell.options.continueOnError) verdicts.push(`not (${resultVar(index)}.failed | default(false))`);
      const envNames = 'error' in rendered ? {} : rendered.names;
      const script = `sofa_ops_cmd | sofa_ops_script(sofa_ops_p, ${JSON.stringify(envNames)}${marked ? `, '${END_MARKER}'` : ''})`;
      const shell = cellShell(cell.language) === 'bash' ? 'bash' : 'sh';
      const vars = { sofa_ops_target: new Unsafe(target ?? ''), sofa_ops_cmd: new Unsafe('error' in rendered ? '' : rendered.command), ...literals.vars };
      const limits = {
        ...(cell.options.timeout !== undefined ? { timeout: cell.options.timeout } : {}),
        ...(cell.options.parallel !== undefined ? { throttle: cell.options.parallel } : {}),
      };
      tasks.push({
        name: `Run ${label}`,
        'ansible.builtin.command': {
          argv: [shell, '-s'],
          stdin: `{{ ${script} }}`,
          stdin_add_newline: false,
        },
        vars,
        register: resultVar(index),
        when: [...conditions, inTarget, ...(options.rawFallback ? [`not ${NO_PYTHON}`] : [])],
        ...(failedWhen ? { failed_when: failedWhen } : {}),
        changed_when: !checkMode,
        ...(mayFail ? { ignore_errors: true } : {}),
        ...limits,
        ...(usesSecret ? { no_log: true } : {}),
        tags,
      });
      if (options.rawFallback) tasks.push(...rawVariant({ index, label, tags, script, shell, vars, limits, when: [...conditions, inTarget], failedWhen, checkMode, mayFail, usesSecret, name }));
      refs.set(name, { index, target, manual: false, marked });
    }
    if (cleanup) {
      // Each cleanup its own always:, so a failing cleanup does not keep the next one from running.
      body = body.length ? [{ name: `Up to ${name}, then ${name} whatever happened`, block: body, always: tasks }] : tasks;
    } else body.push(...tasks);
  });

  const supplied = `{${Object.keys(decls).map((n) => `'${n}': (vars['${n}'] if '${n}' in vars else none)`).join(', ')}}`;
  // Checked in a task without no_log, so the reason shows (it names parameters, never a value);
  // kept in a fact with no_log when there is a secret.
  const paramTasks = [
    {
      name: `Check parameters · ${displayPath}`,
      'ansible.builtin.fail': { msg: `{{ ${supplied} | sofa_ops_param_errors(sofa_ops_decls) }}` },
      when: `(${supplied} | sofa_ops_param_errors(sofa_ops_decls)) != ''`,
      tags: ['always'],
    },
    {
      name: `Parameters · ${displayPath}`,
      'ansible.builtin.set_fact': { sofa_ops_p: `{{ ${supplied} | sofa_ops_params(sofa_ops_decls) }}` },
      ...(secrets.length ? { no_log: true } : {}),
      tags: ['always'],
    },
  ];
  const verdict = verdicts.length
    ? [{ name: `Every check passed on this host (mode: check) · ${displayPath}`, 'ansible.builtin.assert': { that: verdicts, fail_msg: 'a check failed on this host (see the tasks above)', quiet: true }, tags: ['sofa-ops'] }]
    : [];
  const prompts = Object.entries(decls)
    .filter(([, d]) => d.secret || (d.required && d.default === undefined))
    .map(([n, d]) => ({ name: n, prompt: inert(`${n}${d.description ? ` (${d.description})` : ''}${d.secret ? ' [secret]' : ''}`), private: !!d.secret }));
  const play = {
    name: inert(`Runbook ${meta?.title ?? displayPath}${meta?.section ? ` [guide §${meta.section}]` : ''} · ${displayPath}`),
    hosts: 'all',
    gather_facts: false,
    ...(prompts.length ? { vars_prompt: prompts } : {}),
    vars: {
      sofa_ops_decls: new Unsafe(JSON.stringify(pyDecls)),
      // Any host out of the play (failed, unreachable) stops the run for all, as in SOFA Ops.
      [STOPPED]: '{{ ansible_play_hosts | length < ansible_play_hosts_all | length }}',
    },
    tasks: [...paramTasks, ...body, ...verdict],
  };
  const result: PlaybookExport = { refusals, cells, rollbackSkipped: rollback.size, parameters: Object.keys(decls), secrets };
  if (refusals.length) return result;
  const header = `# Exported by "sofa-ops export ansible" from ${displayPath}; re-export instead of editing.\n# Needs filter_plugins/sofa_ops.py beside it (written by the export) and Python on the hosts.\n`;
  result.playbook = header + stringify([play], { customTags: [unsafeTag], lineWidth: 0, aliasDuplicateObjects: false });
  return result;
}

interface RawCell {
  index: number;
  name: string;
  label: string;
  tags: string[];
  script: string;
  shell: string;
  vars: Record<string, unknown>;
  limits: Record<string, number>;
  when: string[];
  failedWhen?: string;
  checkMode: boolean;
  mayFail: boolean;
  usesSecret: boolean;
}

/**
 * A cell on hosts without Python (`sofa_ops_no_python: true`): raw cannot carry stdin, so the same
 * script goes base64-encoded on the command line into `sh -s`/`bash -s`. Its result is registered
 * apart (a skipped task would overwrite the command task's) and copied over the cell's result, and
 * a failure is raised after the copy, so when=, after= and the stop see it as they see the
 * command's. A cell carrying a secret is not run there: the value would be on the host's
 * command line (ps), which SOFA Ops never does.
 */
function rawVariant(c: RawCell): object[] {
  const r = resultVar(c.index);
  const rr = `${r}_raw`;
  const on = [...c.when, NO_PYTHON];
  if (c.usesSecret) {
    return [{ name: `Run ${c.label} (raw, no Python)`, 'ansible.builtin.fail': { msg: `cell "${c.name.replace(/[{}]/g, '')}" carries a secret: without Python on the host it would go on the host's command line; not run` }, when: on, tags: c.tags }];
  }
  const own = (expr: string) => expr.replace(new RegExp(`\\b${r}\\b(?!_)`, 'g'), rr);
  return [
    {
      name: `Run ${c.label} (raw, no Python)`,
      'ansible.builtin.raw': `printf %s {{ (${c.script}) | b64encode }} | base64 -d | ${c.shell} -s`,
      vars: { ...c.vars, ansible_ssh_use_tty: false },
      register: rr,
      when: on,
      failed_when: c.failedWhen ? own(c.failedWhen) : `(${rr}.rc | default(1)) != 0`,
      changed_when: !c.checkMode,
      // Raised below, after the result is the cell's.
      ignore_errors: true,
      ...c.limits,
      tags: c.tags,
    },
    { name: `Result of ${c.label} (raw)`, 'ansible.builtin.set_fact': { [r]: `{{ ${rr} }}` }, when: [NO_PYTHON, `${rr} is not skipped`], tags: c.tags },
    ...(c.mayFail ? [] : [{ name: `Stop on failure of ${c.label} (raw)`, 'ansible.builtin.fail': { msg: `{{ ${rr}.msg | default('the cell failed') }}` }, when: [NO_PYTHON, `${rr} is failed`], tags: c.tags }]),
  ];
}

/** Ansible templates names and tags: a heading or title with `{{`, `{%` or `{#` must stay text. */
function inert(text: string): string {
  return text.replace(/\{(?=[{%#])/g, '{ ');
}

/** The pre-answer variable for AWX (no one at a prompt): `all`, or a list of cell names. */
function preAnswered(variable: string, key: string): string {
  return `(${variable} | default('')) == 'all' or ((${variable} | default([])) is not string and '${key.replace(/'/g, '')}' in (${variable} | default([])))`;
}

function literalPool(): Literals & { vars: Record<string, Unsafe> } {
  const vars: Record<string, Unsafe> = {};
  let n = 0;
  return {
    vars,
    add(text: string) {
      const name = `sofa_ops_l${n++}`;
      vars[name] = new Unsafe(text);
      return name;
    },
  };
}

/** The cell's command with references for its parameters (the values go on stdin), and their shell names. */
function commandOf(cell: CodeCell, decls: Record<string, ParameterDecl>): { command: string; names: Record<string, string> } | { error: string } {
  const shell = cellShell(cell.language);
  const problems = placeholderProblems(cell.source, shell);
  if (problems.length) return { error: problems.map((p) => p.message).join('; ') };
  // The command does not depend on the values (renderCommand.ts): render with stand-ins that
  // pass any check, and keep which shell variable carries which parameter.
  const relaxed = Object.fromEntries(Object.keys(decls).map((n) => [n, { type: 'string' as const }]));
  const standIns = Object.fromEntries(Object.keys(decls).map((n) => [n, 'x']));
  const r = renderCommand(cell.source, relaxed, standIns, shell);
  if (!r.ok) return { error: r.errors.join('; ') };
  const vars = Object.keys(r.env);
  return { command: r.command, names: Object.fromEntries(r.used.map((p, i) => [p, vars[i]])) };
}
