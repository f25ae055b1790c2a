/**
 * Runs one code cell of a runbook for the runner: renders its command with the run's values,
 * resolves its hosts, applies when=, expect= and confirm, streams output with secrets redacted
 * (also across chunk boundaries) and writes its audit record. Messages name parameters
 * (`{{token}}`), never secret values.
 * Editor-free: SSH, prompts and output display come in through RunHooks.
 */
import { digestOutput } from '../audit/auditTrail';
import { type Condition, evaluateCondition, type HostView, parseCondition } from './cellCondition';
import { type Expectation, expectationMatcher, type ExpectationMatcher, parseExpectation } from './expectation';
import { cellShell } from './shellParser';
import { redactSecrets, renderCommand, renderText, secretForms } from './renderCommand';
import type { CodeCell, runbookParameters, Runbook } from './runbookFormat';
import { auditFailureReason, cellName, type CellResult, type CellStatus, type HostOutcome, type RunHooks, type RunOptions } from './runTypes';

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

export async function runCell(
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
