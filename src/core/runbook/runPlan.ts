/**
 * What a run would do, without running it (the CLI's `--dry-run`, the editor's Preview Run): for
 * every code cell, the command each host would run with the run's values (secrets as ***), manual
 * instructions filled in, what decides a skip at run time (when=, after=, the rollback section), or
 * why the cell cannot run as written (a parameter missing or invalid, no target, a selector that
 * matches nothing). A plan with such a cell is not a plan a script may gate on: `problems` counts them.
 * Connects nowhere. Editor-free; the text comes out through a Translate (CLI translator, vscode.l10n.t).
 */
import type { Translate } from '../l10n';
import { resolveParameters } from './parameters';
import { cellShell } from './shellParser';
import { renderCommand, renderText } from './renderCommand';
import { runbookParameters, type ParameterValue, type Runbook } from './runbookFormat';
import { rollbackCells } from './runbookRunner';
import { cellName } from './runTypes';

/** The error of a code cell that names no host to run on (no target=, or one that renders to nothing). */
export const NO_TARGET = 'no target';

export interface PlannedCell {
  /** Index among the runbook's cells. */
  index: number;
  name: string;
  /** What the cell is, as the plan lists it: manual, confirm, finally, after=X, rollback. */
  flags: string[];
  /** Its when= condition: decided per host at run time. */
  when?: string;
  /** Its after= gate (cell names) and the otherwise= text shown when the gate keeps it from running. */
  after?: { cells: string[]; otherwise?: string };
  /** In the rollback section: never part of a normal run, offered when the run fails. */
  rollback: boolean;
  /** A manual step's instructions with the run's values filled in (secrets as ***). */
  manual?: string;
  /** Per target host, the command it would run (secrets as ***). */
  hosts: Array<{ host: string; command: string }>;
  /** Why the cell cannot run as written. */
  error?: string;
}

export interface RunPlan {
  cells: PlannedCell[];
  /** The parameters that are missing or invalid (the cells that use them say so too). */
  parameterErrors: string[];
  /** How many cells cannot run as written. */
  problems: number;
}

/**
 * Plans every code cell of `runbook` (the rollback section included, marked) with `params`.
 * `resolveTargets` maps a selector to host names and throws with a readable message when it matches nothing.
 */
export function planRun(runbook: Runbook, params: Record<string, ParameterValue | undefined>, resolveTargets: (selector: string) => string[]): RunPlan {
  const decls = runbookParameters(runbook);
  const { values, errors } = resolveParameters(decls, params);
  const rollback = rollbackCells(runbook);
  const cells: PlannedCell[] = [];
  runbook.cells.forEach((cell, index) => {
    if (cell.kind !== 'code') return;
    const o = cell.options;
    const flags = [o.manual && 'manual', o.confirm && 'confirm', o.finally && 'finally', o.after && `after=${o.after}`, rollback.includes(index) && 'rollback'].filter((f): f is string => !!f);
    const planned: PlannedCell = { index, name: cellName(cell, index), flags, rollback: rollback.includes(index), hosts: [] };
    if (o.when) planned.when = o.when;
    if (o.after) planned.after = { cells: o.after.split(','), ...(o.otherwise ? { otherwise: o.otherwise } : {}) };
    cells.push(planned);
    const rendered = renderCommand(cell.source, decls, values, o.manual ? 'text' : cellShell(cell.language));
    if (!rendered.ok) return void (planned.error = rendered.errors.join('; '));
    if (o.manual) return void (planned.manual = rendered.redacted);
    const target = o.target ? renderText(o.target, decls, values) : undefined;
    let hosts: string[] = [];
    try {
      hosts = target?.ok ? resolveTargets(target.text) : [];
    } catch (err) {
      return void (planned.error = (err as Error).message);
    }
    if (!hosts.length) return void (planned.error = target && !target.ok ? target.errors.join('; ') : NO_TARGET);
    planned.hosts = hosts.map((host) => ({ host, command: rendered.redacted }));
  });
  return { cells, parameterErrors: errors, problems: cells.filter((c) => c.error !== undefined).length };
}

/** The plan as text, one `## cell` block each: what `sofa-ops run --dry-run` prints and Preview Run shows. */
export function formatPlan(plan: RunPlan, t: Translate): string {
  let text = '';
  for (const cell of plan.cells) {
    text += `## ${cell.name}${cell.flags.length ? ` [${cell.flags.join(', ')}]` : ''}\n`;
    // A plan has no results to decide on: say what would decide, so the skips are no surprise.
    if (cell.when) text += `  ${t('skipped on every host where when={0} does not hold (decided per host at run time)', cell.when)}\n`;
    if (cell.after) {
      const names = cell.after.cells.map((n) => `"${n}"`).reduce((all, n) => t('{0} and {1}', all, n));
      text += `  ${cell.after.otherwise ? t('skipped unless {0} passed (otherwise: {1})', names, cell.after.otherwise) : t('skipped unless {0} passed', names)}\n`;
    }
    if (cell.rollback) text += `  ${t('skipped in a normal run: rollback section, offered when the run fails')}\n`;
    if (cell.error !== undefined) text += `  ${t('error: {0}', cell.error === NO_TARGET ? t(NO_TARGET) : cell.error)}\n`;
    else if (cell.manual !== undefined) text += `  ${t('(manual) {0}', cell.manual.replace(/\n/g, '\n  '))}\n`;
    else for (const h of cell.hosts) text += `  ${h.host}$ ${h.command.replace(/\n/g, `\n  ${h.host}$ `)}\n`;
  }
  return text;
}
