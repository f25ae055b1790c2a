/**
 * Runs a runbook's code cells with the semantics operators need (shared by the notebook controller
 * and `sofa-ops run`): parameters resolved once, values shell-quoted, Run All stops at the first
 * failure, `finally` cells always run (also after cancel), `confirm` waits for a yes, `manual`
 * steps are ticked by the operator, `expect` is checked on every host, everything done goes to the
 * audit trail with secrets redacted. The rollback section (heading 回滚 / Rollback) is never part
 * of a normal run; it is offered when a run fails.
 * Editor-free: SSH, prompts and output display come in through RunHooks.
 */
import type { AuditTrail } from '../audit/auditTrail';
import { digestOutput } from '../audit/auditTrail';
import { checkExpectation, type Expectation, parseExpectation } from './expectation';
import { resolveParameters } from './parameters';
import { redactSecrets, renderCommand, renderText } from './renderCommand';
import { runbookParameters, type CodeCell, type ParameterValue, type Runbook } from './runbookFormat';

export interface HostOutcome {
  host: string;
  outcome: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  message?: string;
  durationMs: number;
  /** Set when the cell's expect did not hold on this host. */
  expectFailed?: string;
}

export type CellStatus = 'ok' | 'failed' | 'skipped' | 'cancelled' | 'declined' | 'done' | 'not-done' | 'error';

export interface CellResult {
  /** Index among the runbook's cells. */
  index: number;
  name: string;
  status: CellStatus;
  /** Rendered command with secrets as ***; what the audit and reports show. */
  command?: string;
  hosts: HostOutcome[];
  message?: string;
  durationMs: number;
  isFinally: boolean;
}

export interface RunResult {
  ok: boolean;
  cancelled: boolean;
  cells: CellResult[];
  /** Cells of the rollback section, to offer when the run failed. */
  rollbackCells: number[];
}

export interface RunHooks {
  /** Inventory selector → host names; throws with a readable message when it matches nothing. */
  resolveTargets(selector: string): string[] | Promise<string[]>;
  /** Runs the rendered command on the hosts (fan-out), honouring timeout, parallel and signal. */
  execute(request: { cell: CodeCell; command: string; hosts: string[]; timeoutMs?: number; parallel?: number; signal: AbortSignal; onOutput(host: string, stream: 'stdout' | 'stderr', text: string): void }): Promise<HostOutcome[]>;
  /** A destructive step: true to go on. */
  confirm(cell: CodeCell, question: string, hosts: string[]): Promise<boolean>;
  /** A step done in another console: true when the operator says it is done. */
  manual(cell: CodeCell, instructions: string): Promise<boolean>;
  onCellStart?(index: number, cell: CodeCell, hosts: string[]): void;
  /** Output as it arrives, secrets already redacted. */
  onOutput?(index: number, host: string, stream: 'stdout' | 'stderr', text: string): void;
  onCellEnd?(result: CellResult): void;
}

export interface RunOptions {
  params?: Record<string, ParameterValue | undefined>;
  /** Cell indices to run (default: every code cell outside the rollback section). */
  only?: number[];
  signal?: AbortSignal;
  audit?: AuditTrail;
  /** How the runbook is named in the audit (workspace-relative path). */
  runbookName?: string;
}

export class ParameterError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('; '));
  }
}

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

export function cellName(cell: CodeCell, index: number): string {
  return cell.options.name ?? `cell ${index + 1} (line ${cell.line})`;
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

  for (const index of selected) {
    const cell = runbook.cells[index];
    if (cell.kind !== 'code') continue;
    const isFinally = !!cell.options.finally;
    if (signal?.aborted && !cancelled) {
      cancelled = true;
      stopped = true;
    }
    if (stopped && !isFinally) {
      const skipped: CellResult = { index, name: cellName(cell, index), status: cancelled ? 'cancelled' : 'skipped', hosts: [], durationMs: 0, isFinally };
      results.push(skipped);
      hooks.onCellEnd?.(skipped);
      continue;
    }
    // Cleanup must run to completion even after a cancel: give it a signal of its own.
    const cellSignal = isFinally || !signal ? NEVER_ABORTED : signal;
    const result = await runCell(runbook, index, cell, hooks, values, decls, cellSignal, isFinally, options);
    results.push(result);
    hooks.onCellEnd?.(result);
    if (signal?.aborted && !isFinally) {
      cancelled = true;
      stopped = true;
    } else if (!['ok', 'done'].includes(result.status) && !cell.options.continueOnError) {
      stopped = true;
    }
  }
  // A cell allowed to fail (continueOnError) does not fail the run; anything else that is not ok does.
  const ok = !cancelled && results.every((r) => ['ok', 'done'].includes(r.status) || (runbook.cells[r.index] as CodeCell).options.continueOnError);
  return { ok, cancelled, cells: results, rollbackCells: rollback };
}

async function runCell(
  runbook: Runbook,
  index: number,
  cell: CodeCell,
  hooks: RunHooks,
  values: Record<string, string>,
  decls: ReturnType<typeof runbookParameters>,
  signal: AbortSignal,
  isFinally: boolean,
  options: RunOptions,
): Promise<CellResult> {
  const started = Date.now();
  const name = cellName(cell, index);
  const base = { index, name, hosts: [] as HostOutcome[], isFinally };
  const finish = async (result: Omit<CellResult, 'durationMs'>): Promise<CellResult> => {
    const full: CellResult = { ...result, durationMs: Date.now() - started };
    await options.audit?.append({
      kind: cell.options.manual ? 'manual-step' : 'cell',
      runbook: options.runbookName ?? runbook.file,
      cell: name,
      command: full.command,
      targets: full.hosts.map((h) => h.host),
      results: full.hosts.map((h) => ({ host: h.host, outcome: h.expectFailed ? 'expect-failed' : h.outcome, exitCode: h.exitCode })),
      durationMs: full.durationMs,
      outputDigest: full.hosts.length ? digestOutput(full.hosts.map((h) => `${h.host}\n${h.stdout}\n${h.stderr}`).join('\n')) : undefined,
      note: `${full.status}${full.message ? `: ${full.message}` : ''}`,
    });
    return full;
  };

  const rendered = renderCommand(cell.source, decls, values);
  if (!rendered.ok) return finish({ ...base, status: 'error', message: rendered.errors.join('; ') });
  const command = rendered.redacted;

  if (cell.options.manual) {
    hooks.onCellStart?.(index, cell, []);
    // The operator reads the instructions with the run's values filled in (secrets as ***).
    const done = await hooks.manual(cell, rendered.redacted);
    return finish({ ...base, command, status: done ? 'done' : 'not-done', message: done ? undefined : 'the operator did not mark this step done' });
  }

  if (!cell.options.target) return finish({ ...base, command, status: 'error', message: 'this cell has no target: add {target=SELECTOR} to its fence' });
  const target = renderText(cell.options.target, decls, values);
  if (!target.ok) return finish({ ...base, command, status: 'error', message: target.errors.join('; ') });
  let hosts: string[];
  try {
    hosts = await hooks.resolveTargets(target.text);
  } catch (err) {
    return finish({ ...base, command, status: 'error', message: (err as Error).message });
  }

  let expectation: Expectation | undefined;
  if (cell.options.expect) {
    const text = renderText(cell.options.expect, decls, values);
    const parsed = text.ok ? parseExpectation(text.text) : { error: text.errors.join('; ') };
    if (parsed.error || !parsed.expectation) return finish({ ...base, command, status: 'error', message: `expect: ${parsed.error}` });
    expectation = parsed.expectation;
  }

  if (cell.options.confirm) {
    const asked = typeof cell.options.confirm === 'string' ? renderText(cell.options.confirm, decls, values) : undefined;
    const question = asked?.ok ? redactSecrets(asked.text, decls, values) : `Run "${name}" on ${hosts.join(', ')}?`;
    if (!(await hooks.confirm(cell, question, hosts))) return finish({ ...base, command, status: 'declined', message: 'not confirmed' });
  }

  hooks.onCellStart?.(index, cell, hosts);
  const outcomes = await hooks.execute({
    cell,
    command: rendered.command,
    hosts,
    timeoutMs: cell.options.timeout ? cell.options.timeout * 1000 : undefined,
    parallel: cell.options.parallel,
    signal,
    onOutput: (host, stream, text) => hooks.onOutput?.(index, host, stream, redactSecrets(text, decls, values)),
  });
  const redactedOutcomes = outcomes.map((o) => {
    const stdout = redactSecrets(o.stdout, decls, values);
    const check = expectation && o.outcome === 'ok' ? checkExpectation(expectation, o.stdout) : undefined;
    return { ...o, stdout, stderr: redactSecrets(o.stderr, decls, values), message: o.message && redactSecrets(o.message, decls, values), expectFailed: check && !check.ok ? check.detail : undefined };
  });
  const cancelledNow = signal.aborted || redactedOutcomes.some((o) => o.outcome === 'cancelled');
  const failed = redactedOutcomes.filter((o) => o.outcome !== 'ok' || o.expectFailed);
  const status: CellStatus = cancelledNow ? 'cancelled' : failed.length ? 'failed' : 'ok';
  const message = failed.length ? failed.map((f) => `${f.host}: ${f.expectFailed ? `expect failed: ${f.expectFailed}` : f.message ?? `${f.outcome}${f.exitCode !== null ? ` (exit ${f.exitCode})` : ''}`}`).join('; ') : undefined;
  return finish({ ...base, command, hosts: redactedOutcomes, status, message });
}
