/**
 * Runs an inspection plan: every host at once (up to `parallel`), and on each host one script
 * round trip for its resource/process/command/log checks while its port and HTTP checks go over
 * direct-tcpip channels of the same pooled connection. Composite rules are judged from the
 * host results at the end. A host that cannot be reached makes its checks ERROR, never FAIL.
 */
import { randomBytes } from 'crypto';
import type { Bilingual, Catalog, Check } from '../catalog/types';
import { bilingual as b, translator } from '../l10n';
import type { InventoryHost } from '../inventory/inventory';
import type { ExecOptions, ExecResult } from '../ssh/remoteExec';
import { type PlannedCheck, type GroupPlan, type InspectionPlan } from './checkPlan';
import { bodyCondition, describeThreshold, judgeCommand, judgeThreshold, missingTool, WARN_RATIO, type Verdict } from './conditions';
import { addressesFromJson, atLeastTwoPerService, majorityAlive } from './compositeRules';
import { buildHostScript, COMMAND_TIMEOUT_SECONDS, CPU_SAMPLE_SECONDS, DEFAULT_LOG_LINES, parseHostScript, remoteLogPath, type ScriptOutput, type ScriptRequest } from './hostScript';
import { countLines, lineCounter } from './logCount';
import { hostsLeaf, judgeHostCount, judgeRule, historyInputs, readHostFields, ruleThreshold, type RuleContext } from './ruleChecks';
import { LogWindows, parseHostClock } from './ruleInputs';
import { applicability, lookbackMs, usesRule } from './ruleModel';
import { cpuPercent, parseDf, parseLoadavg, parseMeminfo, parseProcStat } from './procParsers';
import { probeHttp, probePort, type Forwarder } from './probes';
import { resultText, type CheckResult, type CheckStatus, type Inspection, type InspectionScope } from './types';

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

/** Lines read from the end of a log for a rule over time windows (as many as the script allows). */
const RULE_LOG_LINES = 5000;

/** The sshd itself forbids direct-tcpip (AllowTcpForwarding no): the port was not checked. */
const FORWARDING_REFUSED = /prohibited/i;

/** The services the guide lists for OSP's address API (`/api/admin/services/{ms/mq/dds/...}/addresses`). */
const OSP_SERVICES = ['ms', 'mq', 'dds'];

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

/** Runner wording: English only (host output, the guide's own strings), or in both languages. */
type Text = string | Bilingual;

/** Result fields that may be worded in both languages. */
type Extra = Partial<Omit<CheckResult, 'value' | 'threshold'>> & { value?: Text; threshold?: Text };

const en = (t: Text | undefined) => (t === undefined || typeof t === 'string' ? t : t.en);
const zhOf = (t: Text | undefined) => (t === undefined ? undefined : typeof t === 'string' ? t : t.zh);

/** A result's field as both languages, to word a new message around it. */
function own(r: CheckResult, field: 'message' | 'value' | 'threshold'): Bilingual {
  return { en: r[field] ?? '', zh: resultText(r, field, 'zh') ?? '' };
}

/** The result with a new message (English in `message`, Chinese in `zh.message`). */
function withMessage(r: CheckResult, message: Bilingual, extra: Partial<CheckResult> = {}): CheckResult {
  return { ...r, ...extra, message: message.en, zh: { ...r.zh, message: message.zh } };
}

/** ExecOutcome / SshError kinds as the reader sees them. */
function outcomeWord(kind: string | undefined): Bilingual {
  return b(kind ?? 'error');
}

function base(planned: PlannedCheck, host: string | undefined, status: CheckStatus, message: Text, durationMs: number, extra: Extra = {}): CheckResult {
  const { check, product, component } = planned;
  const { value, threshold, ...rest } = extra;
  const bilingualParts = [message, value, threshold].some((t) => t !== undefined && typeof t !== 'string');
  return {
    checkId: check.id,
    product: product.product.id,
    kind: check.kind,
    component,
    host,
    status,
    message: en(message)!,
    section: check.section,
    title: check.title,
    passWhen: check.passWhen,
    ...(status === 'fail' || status === 'warn' ? { action: check.action } : {}),
    durationMs,
    ...rest,
    ...(value !== undefined ? { value: en(value) } : {}),
    ...(threshold !== undefined ? { threshold: en(threshold) } : {}),
    ...(bilingualParts ? { zh: { message: zhOf(message), value: zhOf(value), threshold: zhOf(threshold) } } : {}),
  };
}

/** A check left to a person: why (when the catalog says) and the guide's rule meanwhile. */
function manualResult(m: PlannedCheck): CheckResult {
  const reason = m.check.manualReason;
  const rule: Bilingual = { en: ruleThreshold(m.check), zh: ruleThreshold(m.check, translator('zh')) };
  const message = reason ? { en: `${reason.en} (${reason.zh})`, zh: reason.zh } : b('a person checks this in another console (listed, not run)');
  return base(m, undefined, 'manual', rule.en ? b("{0}; the guide's rule: {1}", message, rule) : message, 0, rule.en ? { threshold: rule } : {});
}

function fromVerdict(verdict: Verdict): CheckStatus {
  return verdict;
}

function ruleContext(options: RunOptions, host: string | undefined): RuleContext {
  return { host, history: options.history ?? [], now: (options.now ?? (() => new Date()))() };
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

async function runScripted(catalog: Catalog, host: InventoryHost, checks: PlannedCheck[], transport: InspectionTransport, options: RunOptions): Promise<CheckResult[]> {
  if (!checks.length) return [];
  const logs = new Map<string, { path: string; lines: number }>();
  const request: ScriptRequest = { resources: false, processes: false, logRoot: host.logRoot, commands: [], logs: [] };
  checks.forEach((c, i) => {
    const { check } = c;
    if (check.kind === 'resource') request.resources = true;
    if (check.kind === 'resource' && check.resource === 'cpu') request.cpu = true;
    if (check.kind === 'process') request.processes = true;
    if (check.kind === 'command' && check.command) request.commands.push({ id: `c${i}`, command: check.command });
    if (check.kind === 'log' && check.log) {
      const file = catalog.products.flatMap((p) => p.logs).find((l) => l.id === check.log!.logId);
      if (file) {
        // A rule over time windows reads the log's own timestamps against the host's clock.
        const windowed = lookbackMs(check.condition) > 0 || lookbackMs(check.minor) > 0;
        if (windowed) request.clock = true;
        const entry = { path: remoteLogPath(file.path, host.logRoot), lines: check.log.lastLines ?? (windowed ? RULE_LOG_LINES : DEFAULT_LOG_LINES) };
        logs.set(check.id, entry);
        request.logs.push({ id: `l${i}`, ...entry });
      }
    }
  });
  const token = transport.scriptToken?.(host) ?? randomBytes(8).toString('hex');
  const timeoutSeconds = options.hostTimeoutSeconds ?? COMMAND_TIMEOUT_SECONDS * (request.commands.length + 1) + 10;
  const exec = await transport.exec(host, 'bash -s', { stdin: buildHostScript(request, token), timeoutMs: timeoutSeconds * 1000, signal: options.signal, maxBufferBytes: 8 << 20 });
  const duration = exec.durationMs;
  if (exec.outcome !== 'ok' && exec.outcome !== 'exit') {
    return checks.map((c) => base(c, host.name, 'error', b('{0}: {1}', outcomeWord(exec.outcome), exec.message ?? b('the host could not be checked')), duration));
  }
  const out = parseHostScript(exec.stdout, token);
  return checks.map((c, i) => judgeScripted(catalog, c, i, host, out, exec, duration, ruleContext(options, host.name)));
}

function judgeScripted(catalog: Catalog, planned: PlannedCheck, index: number, host: InventoryHost, out: ScriptOutput, exec: ExecResult, duration: number, ctx: RuleContext): CheckResult {
  const { check } = planned;
  const error = (message: Text) => base(planned, host.name, 'error', message, duration);
  const verdict = (v: Verdict, value: Text, threshold: Text | undefined, message: Text, extra: Extra = {}) =>
    base(planned, host.name, fromVerdict(v), message, duration, { value, threshold, ...extra });
  switch (check.kind) {
    case 'resource': {
      const measured = measureResource(check, out);
      if (!('value' in measured)) return error(measured);
      const resource = b(check.resource ?? '');
      if (usesRule(check)) {
        const judged = judgeRule(check, { value: measured.value, history: historyInputs(check, ctx) }, ctx);
        return base(planned, host.name, judged.status, b('{0} {1}: {2}', resource, measured.text, judged.text.message), duration, { value: measured.text, threshold: judged.text.threshold, measured: judged.measured });
      }
      const threshold = describeThreshold(check.threshold);
      if (!check.threshold || check.threshold.value === undefined) return verdict('pass', measured.text, undefined, b('{0} (no threshold in the guide)', measured.text));
      const v = judgeThreshold(check.threshold, measured.value);
      const message = v === 'fail' ? b('{0} {1} {2}', resource, measured.text, `${check.threshold.op} ${check.threshold.value}${check.threshold.unit ?? ''}`) : v === 'warn' ? b('{0} {1} close to the threshold', resource, measured.text) : b('{0} {1}', resource, measured.text);
      return verdict(v, measured.text, threshold, message, { measured: { value: measured.value } });
    }
    case 'process': {
      const ps = out.sections.get('ps');
      if (ps === undefined) return error(incomplete(out, exec));
      const name = (check.process ?? '').trim();
      if (!name) return error(b('the check names no process'));
      // A missing or broken ps is no evidence the process is gone (nor that it runs).
      const tool = missingTool(ps);
      if (tool || !ps.trim()) return error(tool ? b('cannot list processes: {0} is not installed there', tool) : b('ps listed no processes'));
      const word = new RegExp(`(^|[/\\s])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s|$)`);
      const found = ps.split('\n').filter((l) => word.test(l) && !/\bgrep\b/.test(l));
      return found.length
        ? verdict('pass', b('{0} process(es)', found.length), b('{0} running', name), b('{0} is running', name))
        : verdict('fail', b('no process'), b('{0} running', name), b('no {0} process', name));
    }
    case 'command': {
      const text = out.sections.get(`cmd c${index}`);
      const rc = out.exitCodes.get(`c${index}`);
      if (text === undefined || rc === undefined) return error(incomplete(out, exec));
      const judged = judgeCommand(check.expect, text, rc, COMMAND_TIMEOUT_SECONDS, check.passWhen);
      if (judged.status === 'error') return base(planned, host.name, 'error', b('{0}: {1}', judged.text.message, check.command ?? ''), duration, { value: judged.text.value, threshold: judged.text.threshold });
      return verdict(judged.status, judged.text.value, judged.text.threshold, judged.text.message);
    }
    case 'log': {
      const entry = check.log!;
      const text = out.sections.get(`log l${index}`);
      const rc = out.exitCodes.get(`l${index}`);
      if (text === undefined || rc === undefined) {
        return error(catalog.products.some((p) => p.logs.some((l) => l.id === entry.logId)) ? incomplete(out, exec) : b('unknown log {0}', entry.logId));
      }
      if (rc !== 0) return error(firstLine(text));
      const counter = lineCounter(catalog, entry);
      if (usesRule(check)) {
        const clock = parseHostClock(out.sections.get('clock'));
        if (!clock) return error(b("could not read the host's clock (date '+%s %z'): {0}", firstLine(out.sections.get('clock') ?? '') || b('no output')));
        const windows = new LogWindows(text, (line) => counter.matches(line), clock, logLinesAsked(check));
        const judged = judgeRule(check, { lines: (ms, offset) => windows.count(ms, offset), history: historyInputs(check, ctx) }, ctx);
        const action = judged.status === 'fail' || judged.status === 'warn' ? check.action ?? counter.pattern?.action : undefined;
        return base(planned, host.name, judged.status, b('{0}: {1}', counter.describe, judged.text.message), duration, { value: judged.text.value, threshold: judged.text.threshold, measured: judged.measured, logId: entry.logId, action });
      }
      if (entry.maxCount === undefined) return error(b('the log check has neither maxCount nor a condition'));
      const { count, lines, last } = countLines(counter, text);
      const threshold = b('<= {0} in the last {1} lines', entry.maxCount, entry.lastLines ?? DEFAULT_LOG_LINES);
      const v: Verdict = count > entry.maxCount ? 'fail' : entry.maxCount > 0 && count >= entry.maxCount * WARN_RATIO ? 'warn' : 'pass';
      const action = v !== 'pass' ? check.action ?? counter.pattern?.action : undefined;
      return verdict(v, b('{0} of {1} lines', count, lines), threshold, count ? b('{0} × {1}; last: {2}', count, counter.describe, last!.slice(0, 200)) : b('no {0}', counter.describe), { logId: entry.logId, ...(action ? { action } : {}) });
    }
    default:
      return error(b('kind {0} is not run in a script', check.kind));
  }
}

function logLinesAsked(check: Check): number {
  return check.log?.lastLines ?? RULE_LOG_LINES;
}

function measureResource(check: Check, out: ScriptOutput): { value: number; text: string } | Bilingual {
  const section = (name: string) => out.sections.get(name);
  switch (check.resource) {
    case 'cpu': {
      const a = parseProcStat(section('stat1') ?? '');
      const c = parseProcStat(section('stat2') ?? '');
      if (!a || !c) return b('could not read /proc/stat twice');
      // A real kernel's counters always move in a second: standing still is no measurement (not 0%).
      if (c.total <= a.total) return b('the CPU counters of /proc/stat did not move in {0} s', CPU_SAMPLE_SECONDS);
      const pct = cpuPercent(a, c);
      return { value: pct, text: `${pct.toFixed(1)}%` };
    }
    case 'memory': {
      const mem = parseMeminfo(section('meminfo') ?? '');
      if (!mem) return b('could not read {0}', '/proc/meminfo');
      return { value: mem.percent, text: `${mem.percent.toFixed(1)}%` };
    }
    case 'disk': {
      const rows = parseDf(section('df') ?? '');
      if (!rows.length) return b('could not read df: {0}', firstLine(section('df') ?? ''));
      const fullest = rows.reduce((a, b) => (b.percent > a.percent ? b : a));
      return { value: fullest.percent, text: `${fullest.percent}% (${fullest.mountedOn})` };
    }
    case 'load5': {
      const load = parseLoadavg(section('loadavg') ?? '');
      if (load === undefined) return b('could not read {0}', '/proc/loadavg');
      return { value: load, text: load.toFixed(2) };
    }
    default:
      return b('unknown resource {0}', String(check.resource));
  }
}

function incomplete(out: ScriptOutput, exec: ExecResult): Bilingual {
  if (exec.outcome === 'exit') return b('the check script failed (exit {0}): {1}', exec.exitCode ?? '?', firstLine(exec.stderr) || b('no output'));
  return out.complete ? b('no output for this check') : b('the check script stopped early');
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find(Boolean)?.slice(0, 200) ?? '';
}

async function runProbes(host: InventoryHost, checks: PlannedCheck[], transport: InspectionTransport): Promise<CheckResult[]> {
  if (!checks.length) return [];
  const started = Date.now();
  let forward: Forwarder;
  try {
    forward = await transport.forwarder(host);
  } catch (err) {
    const e = err as { kind?: string; message?: string };
    return checks.map((c) => base(c, host.name, 'error', b('{0}: {1}', outcomeWord(e.kind), e.message ?? String(err)), Date.now() - started));
  }
  return Promise.all(
    checks.map(async (planned) => {
      const { check } = planned;
      const t0 = Date.now();
      if (check.kind === 'port') {
        const ports = check.ports ?? [];
        if (!ports.length) return base(planned, host.name, 'error', b('the check names no port'), 0);
        const probes = await Promise.all(ports.map((p) => probePort(forward, p)));
        const closed = ports.map((p, i) => ({ p, probe: probes[i] })).filter((x) => !x.probe.open);
        const prohibited = closed.find((x) => FORWARDING_REFUSED.test(x.probe.detail));
        if (prohibited) return base(planned, host.name, 'error', b("the host's sshd refuses port forwarding ({0}): allow TCP forwarding for port checks", prohibited.probe.detail), Date.now() - t0);
        const listening = b('{0} listening', ports.join(', '));
        const value: Bilingual = closed.length ? joined(closed.map((x) => b('{0}: {1}', x.p, b(x.probe.detail)))) : listening;
        return base(planned, host.name, closed.length ? 'fail' : 'pass', closed.length ? b('not listening: {0}', value) : value, Date.now() - t0, { value, threshold: listening });
      }
      const h = check.http!;
      const probe = await probeHttp(forward, h);
      const wantStatus = h.expectStatus;
      const threshold = [wantStatus ? `HTTP ${wantStatus}` : 'HTTP 2xx', h.expectBody].filter(Boolean).join(', ');
      if (probe.status === undefined && FORWARDING_REFUSED.test(probe.error ?? '')) {
        return base(planned, host.name, 'error', b("the host's sshd refuses port forwarding ({0}): allow TCP forwarding for HTTP checks", probe.error ?? ''), probe.durationMs);
      }
      if (probe.status === undefined) {
        const why = probe.error ? b(probe.error) : b('no answer');
        return base(planned, host.name, 'fail', b('{0}: {1}', `GET :${h.port}${h.path}`, why), probe.durationMs, { value: why, threshold });
      }
      const statusOk = wantStatus ? probe.status === wantStatus : probe.status >= 200 && probe.status < 300;
      const body = h.expectBody ? bodyCondition(h.expectBody, probe.body) : { ok: true, detail: '', text: undefined, expected: undefined };
      const ok = statusOk && body.ok;
      const value: Bilingual = body.text ? b('{0}, {1}', `HTTP ${probe.status}`, body.text) : { en: `HTTP ${probe.status}`, zh: `HTTP ${probe.status}` };
      const shown = probe.body.replace(/\s+/g, ' ').slice(0, 240);
      // A failed body condition says what was wanted in words first; the body is the evidence.
      const message = !body.ok && body.text ? b('expected {0}, found {1} (HTTP {2}): {3}', body.expected ?? '', body.text, probe.status, shown) : b('{0}: {1}', value, shown);
      return base(planned, host.name, ok ? 'pass' : 'fail', message, probe.durationMs, { value, threshold });
    }),
  );
}

async function judgeComposite(group: GroupPlan, results: readonly CheckResult[], transport: InspectionTransport, ctx: RuleContext): Promise<CheckResult> {
  const planned: PlannedCheck = { check: group.check, product: group.product, component: group.component };
  const started = Date.now();
  const fit = applicability(group.check.appliesTo, group.hosts[0]?.versions);
  if (!fit.applies) return base(planned, undefined, 'na', b('does not apply: {0}', fit.text!), 0);
  if (group.check.rule === 'count-hosts') {
    const leaf = hostsLeaf(group.check.condition);
    if (!leaf || !group.check.http) return base(planned, undefined, 'error', b('a count-hosts rule needs http and a hosts condition'), 0);
    const answers = await readHostFields(group.check, group.hosts, (h) => transport.forwarder(h), leaf.field);
    if (answers.every((a) => a.values === undefined)) return base(planned, undefined, 'error', b('none of {0} answered {1}: {2}', group.hosts.map((h) => h.name).join(', '), group.check.http.path, answers[0]?.error ?? b('no hosts')), Date.now() - started);
    const judged = judgeHostCount(group.check, answers, ctx);
    return base(planned, undefined, judged.status, judged.text.message, Date.now() - started, { value: judged.text.value, threshold: judged.text.threshold, measured: judged.measured });
  }
  if (group.check.rule === 'majority-alive') {
    let alive = 0;
    const down: string[] = [];
    const unknown: string[] = [];
    for (const h of group.hosts) {
      const own = results.filter((r) => r.host === h.name);
      const liveness = own.filter((r) => r.kind === 'port' || r.kind === 'http' || r.kind === 'process');
      // A node we could not reach is not known to be alive: it counts against the majority.
      if (!own.length || own.every((r) => r.status === 'error')) unknown.push(h.name);
      else if (liveness.every((r) => r.status === 'pass')) alive++;
      else down.push(h.name);
    }
    if (unknown.length === group.hosts.length) return base(planned, undefined, 'error', b('none of {0} could be checked', unknown.join(', ')), 0);
    const judged = majorityAlive(alive, group.hosts.length);
    const parts = [judged.text, down.length ? b('down: {0}', down.join(', ')) : undefined, unknown.length ? b('could not check: {0}', unknown.join(', ')) : undefined].filter((x): x is Bilingual => x !== undefined);
    return base(planned, undefined, judged.verdict, joined(parts, '; '), 0, { value: judged.text, threshold: judged.threshold });
  }
  if (group.check.rule === 'at-least-two-per-service') {
    const addresses = new Map<string, string[]>();
    let answered = false;
    const silent: string[] = [];
    const unreachable: string[] = [];
    for (const h of group.hosts) {
      let forward: Forwarder;
      try {
        forward = await transport.forwarder(h);
      } catch (err) {
        unreachable.push(`${h.name}: ${(err as Error)?.message ?? String(err)}`);
        continue;
      }
      for (const service of OSP_SERVICES) {
        const probe = await probeHttp(forward, { port: 80, path: `/api/admin/services/${service}/addresses` });
        if (probe.status !== undefined) answered = true;
        else silent.push(`${h.name}: ${probe.error ?? 'no answer'}`);
        const list = probe.status === 200 ? addressesFromJson(probe.body) : undefined;
        if (list) addresses.set(service, [...(addresses.get(service) ?? []), ...list]);
      }
    }
    // Only an OSP that answers HTTP without an address list is left to the console; one that
    // does not answer at all is down (FAIL), or could not be checked (ERROR).
    if (!answered && silent.length) return base(planned, undefined, 'fail', b('OSP gives no answer on :80 ({0})', silent[0]), Date.now() - started, { value: b('no answer'), threshold: b('>= 2 per service') });
    if (!answered) return base(planned, undefined, 'error', b('none of the OSP hosts could be checked ({0})', unreachable[0] ?? b('no hosts')), Date.now() - started);
    if (!addresses.size) return base(planned, undefined, 'manual', b('OSP answers no address list on :80/api/admin/services/{ms,mq,dds}/addresses here: check it in the OSP console'), Date.now() - started);
    const judged = atLeastTwoPerService(addresses);
    return base(planned, undefined, judged.verdict, judged.text, Date.now() - started, { value: judged.text, threshold: judged.threshold });
  }
  return base(planned, undefined, 'manual', b('rule {0} is not checkable automatically', group.check.rule ?? '(none)'), 0);
}

/** Texts in both languages joined as a list. */
function joined(parts: readonly Bilingual[], separator = ', '): Bilingual {
  const t = { en: translator('en'), zh: translator('zh') };
  return { en: parts.map((p) => p.en).join(t.en(separator)), zh: parts.map((p) => p.zh).join(t.zh(separator)) };
}
