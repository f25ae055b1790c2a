/**
 * Runs an inspection plan: every host at once (up to `parallel`), and on each host one script
 * round trip for its resource/process/command/log checks while its port and HTTP checks go over
 * direct-tcpip channels of the same pooled connection. Composite rules are judged from the
 * host results at the end. A host that cannot be reached makes its checks ERROR, never FAIL.
 */
import type { Bilingual, Catalog } from '../catalog/types';
import { bilingual as b, translator } from '../l10n';
import type { InventoryHost } from '../inventory/inventory';
import type { ExecOptions, ExecResult } from '../ssh/remoteExec';
import type { PlannedCheck, InspectionPlan } from './checkPlan';
import { judgeComposite } from './compositeChecks';
import { runProbes } from './probeChecks';
import type { Forwarder } from './probes';
import { base, own, withMessage } from './resultBuilder';
import { ruleContext, ruleThreshold } from './ruleChecks';
import { applicability } from './ruleModel';
import { runScripted } from './scriptedChecks';
import type { CheckResult, Inspection, InspectionScope } from './types';

/** How the runner reaches hosts: the SSH pool in the CLI and editor, a fake in unit tests. */
export interface InspectionTransport {
  exec(host: InventoryHost, command: string, options: ExecOptions): Promise<ExecResult>;
  /** A forwarder over the host's pooled connection; rejects when the host cannot be reached. */
  forwarder(host: InventoryHost): Promise<Forwarder>;
  /**
   * The marker of the host's script, when the transport fixes it: output gathered earlier by
   * another engine (an exported Ansible playbook) was delimited with the marker exported then.
   */
  scriptToken?(host: InventoryHost): string;
  /** Every check of this host has its answer (the CLI closes the host's connection here). */
  hostDone?(host: InventoryHost): void;
}

export interface RunOptions {
  parallel?: number;
  signal?: AbortSignal;
  /** Seconds for a host's whole script round trip. */
  hostTimeoutSeconds?: number;
  /** Called as each host (and finally the composite rules) finish, for progress display. */
  onResults?: (results: CheckResult[]) => void;
  now?: () => Date;
  /** Earlier inspections, for baselines (same time yesterday / last week) and consecutive periods. */
  history?: readonly Inspection[];
}

export async function runInspection(catalog: Catalog, plan: InspectionPlan, transport: InspectionTransport, scope: InspectionScope = {}, options: RunOptions = {}): Promise<Inspection> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const started = Date.now();
  const results: CheckResult[] = [];
  const emit = (batch: CheckResult[]) => {
    results.push(...batch);
    options.onResults?.(batch);
  };
  let next = 0;
  const worker = async () => {
    while (next < plan.hosts.length) {
      const hp = plan.hosts[next++];
      emit(await inspectHost(catalog, hp.host, hp.checks, transport, options));
      transport.hostDone?.(hp.host);
    }
  };
  // Rules that ask the hosts themselves (one Leader, OSP addresses) run alongside the host checks;
  // majority-alive is judged from the host results, so after them.
  const ctx = ruleContext(options, undefined);
  const asking = plan.composites.map((g) => (g.check.rule === 'majority-alive' ? undefined : judgeComposite(g, [], transport, ctx)));
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.parallel ?? 32), plan.hosts.length) }, worker));
  emit(await Promise.all(plan.composites.map((g, i) => asking[i] ?? judgeComposite(g, results, transport, ctx))));
  emit(plan.manual.map((m) => manualResult(m)));
  const hosts = new Set(plan.hosts.map((h) => h.host.name));
  for (const g of plan.composites) for (const h of g.hosts) hosts.add(h.name);
  return { startedAt: startedAt.toISOString(), durationMs: Date.now() - started, scope, hosts: [...hosts], results };
}

/** A check left to a person: why (when the catalog says) and the guide's rule meanwhile. */
function manualResult(m: PlannedCheck): CheckResult {
  const reason = m.check.manualReason;
  const rule: Bilingual = { en: ruleThreshold(m.check), zh: ruleThreshold(m.check, translator('zh')) };
  const message = reason ? { en: `${reason.en} (${reason.zh})`, zh: reason.zh } : b('a person checks this in another console (listed, not run)');
  return base(m, undefined, 'manual', rule.en ? b("{0}; the guide's rule: {1}", message, rule) : message, 0, rule.en ? { threshold: rule } : {});
}

async function inspectHost(catalog: Catalog, host: InventoryHost, all: PlannedCheck[], transport: InspectionTransport, options: RunOptions): Promise<CheckResult[]> {
  // A check written for other versions than this host runs is N/A: not run, never a PASS.
  const na = new Map<string, CheckResult>();
  // Run although written for some versions only: the inventory does not say which this host runs.
  const unsure = new Map<string, Bilingual>();
  for (const c of all) {
    const fit = applicability(c.check.appliesTo, host.versions);
    if (!fit.applies) na.set(c.check.id, base(c, host.name, 'na', b('does not apply: {0}', fit.text!), 0));
    else if (fit.text) unsure.set(c.check.id, fit.text);
  }
  const checks = all.filter((c) => !na.has(c.check.id));
  const scripted = checks.filter((c) => ['resource', 'process', 'command', 'log'].includes(c.check.kind));
  const probed = checks.filter((c) => c.check.kind === 'port' || c.check.kind === 'http');
  const [scriptResults, probeResults] = await Promise.all([runScripted(catalog, host, scripted, transport, options), runProbes(host, probed, transport)]);
  // Keep the catalog's order within the host.
  const byCheck = new Map([...scriptResults, ...probeResults].map((r) => [r.checkId, r]));
  const ran = staleLogs(checks, checks.map((c) => byCheck.get(c.check.id)!), unsure);
  const byId = new Map(ran.map((r) => [r.checkId, unsure.has(r.checkId) ? withMessage(r, b('{0} ({1})', own(r, 'message'), unsure.get(r.checkId)!)) : r]));
  return all.map((c) => na.get(c.check.id) ?? byId.get(c.check.id)!);
}

/**
 * The service of this host is down when one of its liveness checks failed: a port refused, no
 * process, an HTTP port that gave no HTTP answer, or a command check the catalog marks
 * `liveness` (the guide's "is it listening / running" commands).
 */
function livenessFailure(checks: readonly PlannedCheck[], results: readonly CheckResult[], unsure: ReadonlyMap<string, unknown>): CheckResult | undefined {
  return results.find((r, i) => {
    // A process of another version's layout (ACVIP < 0.7.0's antvip) missing says nothing about this service.
    if (r.status !== 'fail' || unsure.has(r.checkId)) return false;
    if (r.kind === 'port' || r.kind === 'process') return true;
    if (r.kind === 'http') return !/^HTTP \d/.test(r.value ?? '');
    return r.kind === 'command' && checks[i].check.liveness === true;
  });
}

/**
 * A log check counts lines the service wrote; with the service down the log stops where it
 * stopped, so a clean count says nothing about now: ERROR (fail closed), naming the failed check.
 */
function staleLogs(checks: readonly PlannedCheck[], results: CheckResult[], unsure: ReadonlyMap<string, unknown>): CheckResult[] {
  const down = livenessFailure(checks, results, unsure);
  if (!down) return results;
  return results.map((r) =>
    r.kind === 'log' && (r.status === 'pass' || r.status === 'warn')
      ? withMessage(r, b('{0}, but the service is down here ({1}: {2}): the log is not current', own(r, 'message'), down.checkId, own(down, 'message')), { status: 'error', action: undefined })
      : r,
  );
}
