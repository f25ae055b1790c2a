/**
 * What a runbook run is made of, shared by the runner, its adapters (notebook controller, CLI,
 * bench) and the reports: per-host outcomes, per-cell results, the RunHooks an adapter supplies,
 * run options, and the errors that stop a run before any cell runs.
 * Editor-free.
 */
import type { AuditTrail } from '../audit/auditTrail';
import type { CodeCell, ParameterValue } from './runbookFormat';

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
  /** Why a cell did not run (status skipped/cancelled): a stop, its when= on every host, or its after= gate. */
  skip?: { by: 'stopped' | 'cancelled' | 'when' | 'after'; reason: string };
  /** Hosts of the target its when= left out, with why (the cell ran on the others). */
  skippedHosts?: Array<{ host: string; reason: string }>;
}

export interface RunResult {
  ok: boolean;
  cancelled: boolean;
  cells: CellResult[];
  /** Cells of the rollback section, to offer when the run failed. */
  rollbackCells: number[];
  /** Audit records that could not be written during the run (the run then fails). */
  auditErrors?: string[];
}

export interface RunHooks {
  /** Inventory selector → host names; throws with a readable message when it matches nothing. */
  resolveTargets(selector: string): string[] | Promise<string[]>;
  /** Runs the rendered command on the hosts (fan-out), honouring timeout, parallel and signal. */
  execute(request: { cell: CodeCell; command: string; /** Shell variables the command references (values; may be secrets). */ env?: Record<string, string>; hosts: string[]; timeoutMs?: number; parallel?: number; signal: AbortSignal; onOutput(host: string, stream: 'stdout' | 'stderr', text: string): void }): Promise<HostOutcome[]>;
  /** A destructive step: true to go on. */
  /** `command` is what would run, secrets shown as ***: the operator confirms what they saw. */
  confirm(cell: CodeCell, question: string, hosts: string[], command: string): Promise<boolean>;
  /**
   * A step done in another console: true when the operator says it is done. `{ done, note }` when
   * something other than a person answered (a non-interactive option): the note goes to the audit.
   */
  manual(cell: CodeCell, instructions: string): Promise<boolean | { done: boolean; note: string }>;
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

/** The audit trail cannot be written, so the run did not start: no cell ran anywhere. */
export class AuditUnavailableError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`the audit trail ${file} cannot be written (${reason}); nothing was run`);
  }
}

/** One line for a failed audit write: the reason, not a stack. */
export function auditFailureReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = { EISDIR: 'it is a directory', ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOTDIR: 'a parent is not a directory', EIO: 'input/output error' };
  const text = (e?.code && why[e.code]) ?? (e?.message ?? String(err));
  return text.split('\n')[0];
}

export function cellName(cell: CodeCell, index: number): string {
  return cell.options.name ?? `cell ${index + 1} (line ${cell.line})`;
}
