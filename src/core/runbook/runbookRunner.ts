/**
 * Runs a runbook's code cells with the semantics operators need (shared by the notebook controller
 * and `sofa-ops run`): parameters resolved once, values shell-quoted, Run All stops at the first
 * failure, `finally` cells always run (also after cancel), `confirm` waits for a yes, `manual`
 * steps are ticked by the operator, `expect` is checked on every host, everything done goes to the
 * audit trail with secrets redacted. The rollback section (heading 回滚 / Rollback) is never part
 * of a normal run; it is offered when a run fails.
 * Control flow: `when=` runs a cell only on the hosts where its condition over earlier results
 * holds; `after=X` is a gated cleanup (runs after a stop or cancel like finally, but only when X
 * passed); front matter `mode: check` makes every cell continueOnError. Every skip carries its
 * reason, in the result and in the audit.
 * Faults: the audit trail is written once ("run-start") before any cell runs, and a run whose
 * trail cannot be written does not start (AuditUnavailableError); if it breaks mid-run, the run
 * goes on (finally cells must still undo what was done), records why in RunResult.auditErrors
 * and fails. Messages name parameters (`{{token}}`), never secret values.
 * Editor-free: SSH, prompts and output display come in through RunHooks.
 */
import { resolveParameters } from './parameters';
import { runbookParameters, type CodeCell, type Runbook } from './runbookFormat';
import { runCell } from './runCell';
import { AuditUnavailableError, auditFailureReason, cellName, ParameterError, type CellResult, type RunHooks, type RunOptions, type RunResult } from './runTypes';

export { AuditUnavailableError, auditFailureReason, cellName, ParameterError, type CellResult, type CellStatus, type HostOutcome, type RunHooks, type RunOptions, type RunResult } from './runTypes';

/** Code cells under a 回滚/Rollback heading, up to the next heading of the same or a higher level. */
export function rollbackCells(runbook: Runbook): number[] {
  const found: number[] = [];
  let level = 0;
  runbook.cells.forEach((cell, index) => {
    if (cell.kind === 'markdown') {
      for (const line of cell.source.split('\n')) {
        const m = /^(#{1,6})\s+(.*)$/.exec(line);
        if (!m) continue;
        if (/回滚|rollback|roll back/i.test(m[2])) level = m[1].length;
        else if (level && m[1].length <= level) level = 0;
      }
    } else if (level) {
      found.push(index);
    }
  });
  return found;
}

/** The signal of a cell nothing can cancel (finally cells, runs without a signal). */
const NEVER_ABORTED = new AbortController().signal;

export async function runRunbook(runbook: Runbook, hooks: RunHooks, options: RunOptions = {}): Promise<RunResult> {
  const decls = runbookParameters(runbook);
  const { values, errors } = resolveParameters(decls, options.params ?? {});
  if (errors.length) throw new ParameterError(errors);
  const rollback = rollbackCells(runbook);
  const selected = options.only ?? runbook.cells.map((_, i) => i).filter((i) => runbook.cells[i].kind === 'code' && !rollback.includes(i));
  const signal = options.signal;
  const results: CellResult[] = [];
  let stopped = false;
  let cancelled = false;
  /** The cell whose failure stopped the run, for the skip reasons of the cells after it. */
  let stoppedBy = '';
  const checkMode = runbook.frontMatter?.meta?.mode === 'check';
  const mayFail = (cell: CodeCell) => !!cell.options.continueOnError || checkMode;
  const auditErrors: string[] = [];
  if (options.audit) {
    // Preflight: a trail that cannot be written (a directory, a full disk, a lock that stays held)
    // must stop the run before the first cell changes anything remotely.
    try {
      await options.audit.append({ kind: 'run-start', runbook: options.runbookName ?? runbook.file, note: `${selected.length} cell(s)` });
    } catch (err) {
      throw new AuditUnavailableError(options.audit.file, auditFailureReason(err));
    }
  }

  for (const index of selected) {
    const cell = runbook.cells[index];
    if (cell.kind !== 'code') continue;
    const isFinally = !!cell.options.finally;
    // A gated cleanup runs when the run stopped, as finally does; its gate decides below.
    const isCleanup = isFinally || !!cell.options.after;
    if (signal?.aborted && !cancelled) {
      cancelled = true;
      stopped = true;
    }
    if (stopped && !isCleanup) {
      const skip = cancelled ? { by: 'cancelled' as const, reason: 'the run was cancelled' } : { by: 'stopped' as const, reason: `not run: "${stoppedBy}" failed and stopped the run` };
      const skipped: CellResult = { index, name: cellName(cell, index), status: cancelled ? 'cancelled' : 'skipped', hosts: [], durationMs: 0, isFinally, skip };
      results.push(skipped);
      await auditSkip(runbook, skipped, options, auditErrors);
      hooks.onCellEnd?.(skipped);
      continue;
    }
    const gate = cell.options.after ? gateFailure(cell, results) : undefined;
    if (gate) {
      const skipped: CellResult = { index, name: cellName(cell, index), status: 'skipped', hosts: [], durationMs: 0, isFinally, skip: { by: 'after', reason: gate }, message: gate };
      results.push(skipped);
      await auditSkip(runbook, skipped, options, auditErrors);
      hooks.onCellEnd?.(skipped);
      continue;
    }
    // Cleanup must run to completion even after a cancel: give it a signal of its own.
    const cellSignal = isCleanup || !signal ? NEVER_ABORTED : signal;
    const result = await runCell(runbook, index, cell, hooks, values, decls, cellSignal, isFinally, options, auditErrors, results);
    results.push(result);
    hooks.onCellEnd?.(result);
    if (signal?.aborted && !isCleanup) {
      cancelled = true;
      stopped = true;
    } else if (!passed(result) && !mayFail(cell) && !stopped) {
      stopped = true;
      stoppedBy = result.name;
    }
  }
  // A cell allowed to fail (continueOnError) does not fail the run, nor does one its own condition
  // skipped; anything else that is not ok does. mode: check goes on after a failure but still fails.
  const ok = !cancelled && !auditErrors.length && results.every((r) => passed(r) || (runbook.cells[r.index] as CodeCell).options.continueOnError);
  return { ok, cancelled, cells: results, rollbackCells: rollback, ...(auditErrors.length ? { auditErrors } : {}) };
}

/** ok, done, or skipped by its own when= (a condition that does not hold is not a failure). */
function passed(r: CellResult): boolean {
  return ['ok', 'done'].includes(r.status) || (r.status === 'skipped' && r.skip?.by === 'when');
}

/** Why a gated cleanup (after=) must not run, or undefined when every cell it waits for passed. */
function gateFailure(cell: CodeCell, results: CellResult[]): string | undefined {
  const why: string[] = [];
  for (const name of cell.options.after!.split(',')) {
    const r = [...results].reverse().find((x) => x.name === name);
    if (!r) why.push(`"${name}" did not run`);
    else if (!['ok', 'done'].includes(r.status)) why.push(`"${name}" ${r.status === 'skipped' || r.status === 'cancelled' ? `was ${r.status}` : r.status === 'failed' ? 'failed' : `ended ${r.status}`}${r.skip ? ` (${r.skip.reason})` : r.message ? ` (${r.message})` : ''}`);
  }
  if (!why.length) return undefined;
  const because = `it runs only after ${cell.options.after!.split(',').map((n) => `"${n}"`).join(' and ')} passed, and ${why.join('; ')}`;
  return cell.options.otherwise ? `${cell.options.otherwise}: not run because ${because.replace(/^it runs/, 'this step runs')}` : `not run: ${because}`;
}

/** A skipped cell is part of the trail too: an auditor must see what did not run, and why. */
async function auditSkip(runbook: Runbook, result: CellResult, options: RunOptions, auditErrors: string[]): Promise<void> {
  if (!options.audit) return;
  try {
    await options.audit.append({ kind: 'cell-skipped', runbook: options.runbookName ?? runbook.file, cell: result.name, note: `${result.status}: ${result.skip?.reason ?? result.message ?? ''}` });
  } catch (err) {
    auditErrors.push(`${result.name}: ${auditFailureReason(err)}`);
  }
}
