/**
 * The checks a host answers in one script round trip: resources, processes, commands and logs.
 * The script is built from the host's checks, run once, and each check judged from its section
 * of the output; a host that cannot run it makes these checks ERROR, never FAIL.
 */
import { randomBytes } from 'crypto';
import type { Bilingual, Catalog, Check } from '../catalog/types';
import { bilingual as b } from '../l10n';
import type { InventoryHost } from '../inventory/inventory';
import type { ExecResult } from '../ssh/remoteExec';
import type { PlannedCheck } from './checkPlan';
import { describeThreshold, judgeCommand, judgeThreshold, missingTool, WARN_RATIO, type Verdict } from './conditions';
import { buildHostScript, COMMAND_TIMEOUT_SECONDS, CPU_SAMPLE_SECONDS, DEFAULT_LOG_LINES, parseHostScript, remoteLogPath, type ScriptOutput, type ScriptRequest } from './hostScript';
import type { InspectionTransport, RunOptions } from './inspectionRunner';
import { countLines, lineCounter } from './logCount';
import { cpuPercent, parseDf, parseLoadavg, parseMeminfo, parseProcStat } from './procParsers';
import { base, outcomeWord, type Extra, type Text } from './resultBuilder';
import { historyInputs, judgeRule, ruleContext, type RuleContext } from './ruleChecks';
import { LogWindows, parseHostClock } from './ruleInputs';
import { lookbackMs, usesRule } from './ruleModel';
import type { CheckResult, CheckStatus } from './types';

/** Lines read from the end of a log for a rule over time windows (as many as the script allows). */
const RULE_LOG_LINES = 5000;

function fromVerdict(verdict: Verdict): CheckStatus {
  return verdict;
}

export async function runScripted(catalog: Catalog, host: InventoryHost, checks: PlannedCheck[], transport: InspectionTransport, options: RunOptions): Promise<CheckResult[]> {
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
      const judged = judgeCommand(check.expect, text, rc, COMMAND_TIMEOUT_SECONDS);
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
