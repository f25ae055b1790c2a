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
import type { AuditTrail } from '../audit/auditTrail';
import { digestOutput } from '../audit/auditTrail';
import { type Condition, evaluateCondition, type HostView, parseCondition } from './cellCondition';
import { type Expectation, expectationMatcher, type ExpectationMatcher, parseExpectation } from './expectation';
import { resolveParameters } from './parameters';
import { cellShell } from './shellParser';
import { redactSecrets, renderCommand, renderText, secretForms } from './renderCommand';
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

/** What a when= condition sees of an earlier cell's result on one host. */
function hostView(results: CellResult[], name: string, host: string): HostView | { error: string } {
  const r = [...results].reverse().find((x) => x.name === name);
  if (!r) return { error: `when=: "${name}" has not run in this run (it must run before this cell)` };
  const notRun: HostView = { ok: false, failed: false, skipped: true, expect: false, exit: null, out: '', err: '', outcome: 'skipped' };
  if (r.skippedHosts?.some((h) => h.host === host)) return notRun;
  const own = r.hosts.find((h) => h.host === host) ?? (r.hosts.length === 1 && !r.skippedHosts?.length ? r.hosts[0] : undefined);
  if (own) {
    const ok = own.outcome === 'ok' && !own.expectFailed;
    return { ok, failed: !ok, skipped: false, expect: ok, exit: own.exitCode, out: own.stdout.trim(), err: own.stderr.trim(), outcome: own.expectFailed ? 'expect-failed' : own.outcome };
  }
  if (r.hosts.length) return { error: `when=: "${name}" ran on ${r.hosts.map((h) => h.host).join(', ')}, not on ${host}, so it says nothing about ${host}` };
  if (r.status === 'skipped' || r.status === 'cancelled') return notRun;
  const ok = ['ok', 'done'].includes(r.status);
  return { ok, failed: !ok, skipped: false, expect: ok, exit: null, out: '', err: '', outcome: r.status };
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
  auditErrors: string[],
  earlier: CellResult[] = [],
): Promise<CellResult> {
  const started = Date.now();
  const name = cellName(cell, index);
  const base = { index, name, hosts: [] as HostOutcome[], isFinally };
  const finish = async (result: Omit<CellResult, 'durationMs'>): Promise<CellResult> => {
    // Any message may quote a value (a resolver error, an expect detail): none may show a secret.
    const full: CellResult = { ...result, message: result.message && redactSecrets(result.message, decls, values), durationMs: Date.now() - started };
    if (!options.audit) return full;
    try {
      await options.audit.append({
        kind: cell.options.manual ? 'manual-step' : 'cell',
        runbook: options.runbookName ?? runbook.file,
        cell: name,
        command: full.command,
        targets: full.hosts.map((h) => h.host),
        results: [...full.hosts.map((h) => ({ host: h.host, outcome: h.expectFailed ? 'expect-failed' : h.outcome, exitCode: h.exitCode })), ...(full.skippedHosts ?? []).map((h) => ({ host: h.host, outcome: 'skipped', exitCode: null }))],
        durationMs: full.durationMs,
        outputDigest: full.hosts.length ? digestOutput(full.hosts.map((h) => `${h.host}\n${h.stdout}\n${h.stderr}`).join('\n')) : undefined,
        note: `${full.status}${full.message ? `: ${full.message}` : ''}${full.skippedHosts?.length ? ` (skipped on ${full.skippedHosts.map((h) => h.host).join(', ')}: ${full.skippedHosts[0].reason})` : ''}`,
      });
    } catch (err) {
      // The step already ran: keep going (finally cells must still run), fail the run loudly at the end.
      auditErrors.push(`${name}: ${auditFailureReason(err)}`);
    }
    return full;
  };

  const rendered = renderCommand(cell.source, decls, values, cell.options.manual ? 'text' : cellShell(cell.language));
  if (!rendered.ok) return finish({ ...base, status: 'error', message: rendered.errors.join('; ') });
  const command = rendered.redacted;

  if (cell.options.manual) {
    hooks.onCellStart?.(index, cell, []);
    // The operator reads the instructions with the run's values filled in (secrets as ***).
    const answer = await hooks.manual(cell, rendered.redacted);
    const done = typeof answer === 'boolean' ? answer : answer.done;
    const note = typeof answer === 'boolean' ? undefined : answer.note;
    return finish({ ...base, command, status: done ? 'done' : 'not-done', message: note ?? (done ? undefined : 'the operator did not mark this step done') });
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

  let skippedHosts: Array<{ host: string; reason: string }> = [];
  if (cell.options.when) {
    const parsed = parseCondition(cell.options.when);
    if ('error' in parsed) return finish({ ...base, command, status: 'error', message: parsed.error });
    const condition: Condition = parsed.condition;
    const chosen: string[] = [];
    for (const host of hosts) {
      const holds = evaluateCondition(condition, (name) => hostView(earlier, name, host));
      if (typeof holds !== 'boolean') return finish({ ...base, command, status: 'error', message: holds.error });
      if (holds) chosen.push(host);
      else skippedHosts.push({ host, reason: `when=${cell.options.when} does not hold on ${host}` });
    }
    if (!chosen.length) {
      const reason = `when=${cell.options.when} holds on no target host (${hosts.join(', ')})`;
      skippedHosts = [];
      return finish({ ...base, command, status: 'skipped', message: reason, skip: { by: 'when', reason } });
    }
    hosts = chosen;
  }
  const hostSkips = skippedHosts.length ? { skippedHosts } : {};

  let expectation: Expectation | undefined;
  if (cell.options.expect) {
    const text = renderText(cell.options.expect, decls, values);
    const parsed = text.ok ? parseExpectation(text.text) : { error: text.errors.join('; ') };
    // The failure detail names the expectation as written ({{token}}), never the value in it.
    if (parsed.error || !parsed.expectation) return finish({ ...base, command, status: 'error', message: `expect: ${parsed.error}` });
    expectation = parsed.expectation;
  }

  if (cell.options.confirm) {
    const asked = typeof cell.options.confirm === 'string' ? renderText(cell.options.confirm, decls, values) : undefined;
    const question = asked?.ok ? redactSecrets(asked.text, decls, values) : `Run "${name}" on ${hosts.join(', ')}?`;
    if (!(await hooks.confirm(cell, question, hosts, command))) return finish({ ...base, ...hostSkips, command, status: 'declined', message: 'not confirmed' });
  }

  hooks.onCellStart?.(index, cell, hosts);
  // expect reads each host's whole stdout as it streams (the kept output is capped; this is not).
  const matchers = new Map<string, ExpectationMatcher>();
  const matcherOf = (host: string) => {
    let m = matchers.get(host);
    if (!m && expectation) matchers.set(host, (m = expectationMatcher(expectation, cell.options.expect)));
    return m;
  };
  const live = liveRedactor(decls, values, (host, stream, text) => hooks.onOutput?.(index, host, stream, text));
  const outcomes = await hooks.execute({
    cell,
    command: rendered.command,
    env: rendered.env,
    hosts,
    timeoutMs: cell.options.timeout ? cell.options.timeout * 1000 : undefined,
    parallel: cell.options.parallel,
    signal,
    onOutput: (host, stream, text) => {
      if (stream === 'stdout') matcherOf(host)?.push(text);
      live.push(host, stream, text);
    },
  });
  live.flush();
  const redactedOutcomes = outcomes.map((o) => {
    const stdout = redactSecrets(o.stdout, decls, values);
    let check: ReturnType<ExpectationMatcher['result']> | undefined;
    if (expectation && o.outcome === 'ok') {
      // An executor that does not stream (or a host that printed nothing live) is checked on what it kept.
      const streamed = matchers.get(o.host);
      const matcher = streamed ?? matcherOf(o.host)!;
      if (!streamed) matcher.push(o.stdout);
      check = matcher.result();
    }
    return { ...o, stdout, stderr: redactSecrets(o.stderr, decls, values), message: o.message && redactSecrets(o.message, decls, values), expectFailed: check && !check.ok ? redactSecrets(check.detail, decls, values) : undefined };
  });
  const cancelledNow = signal.aborted || redactedOutcomes.some((o) => o.outcome === 'cancelled');
  const failed = redactedOutcomes.filter((o) => o.outcome !== 'ok' || o.expectFailed);
  const status: CellStatus = cancelledNow ? 'cancelled' : failed.length ? 'failed' : 'ok';
  const message = failed.length ? failed.map((f) => `${f.host}: ${f.expectFailed ? f.expectFailed : f.message ?? (f.outcome === 'failed' && f.exitCode !== null ? `exit ${f.exitCode}` : `${f.outcome}${f.exitCode !== null ? ` (exit ${f.exitCode})` : ''}`)}`).join('; ') : undefined;
  return finish({ ...base, ...hostSkips, command, hosts: redactedOutcomes, status, message });
}

/**
 * Live output redacted across chunk boundaries: a secret split over two packets is still one
 * secret. The tail of each host's stream that could be the start of a secret (in any of its
 * encodings) waits for the next chunk; a whole secret is never cut in two.
 */
function liveRedactor(decls: ReturnType<typeof runbookParameters>, values: Record<string, string>, emit: (host: string, stream: 'stdout' | 'stderr', text: string) => void) {
  const forms = Object.entries(decls)
    .filter(([name, decl]) => decl.secret && values[name])
    .flatMap(([name]) => secretForms(values[name]));
  const hold = forms.reduce((n, f) => Math.max(n, f.length - 1), 0);
  const pending = new Map<string, { host: string; stream: 'stdout' | 'stderr'; text: string }>();
  const out = (host: string, stream: 'stdout' | 'stderr', text: string) => {
    if (text) emit(host, stream, redactSecrets(text, decls, values));
  };
  return {
    push(host: string, stream: 'stdout' | 'stderr', text: string) {
      if (!hold) return out(host, stream, text);
      const key = `${host}\n${stream}`;
      const buf = (pending.get(key)?.text ?? '') + text;
      let cut = buf.length - hold;
      // Move the cut before any whole secret form that straddles it (the cut only moves left: this ends).
      for (let moved = true; moved && cut > 0; ) {
        moved = false;
        for (const f of forms) {
          const at = buf.indexOf(f, Math.max(0, cut - f.length + 1));
          if (at >= 0 && at < cut && at + f.length > cut) {
            cut = at;
            moved = true;
          }
        }
      }
      if (cut <= 0) {
        pending.set(key, { host, stream, text: buf });
        return;
      }
      out(host, stream, buf.slice(0, cut));
      pending.set(key, { host, stream, text: buf.slice(cut) });
    },
    flush() {
      for (const p of pending.values()) out(p.host, p.stream, p.text);
      pending.clear();
    },
  };
}
