/**
 * One SSH round trip per host: every resource, process, command and log check of the host goes
 * into one shell script (sent on stdin, so `ps` in a check does not see the script's own text)
 * that prints delimited sections. The CPU needs two /proc/stat samples a second apart; the
 * second is taken after the other commands, so the wait overlaps them.
 */
import * as path from 'path';
import { DEFAULT_LOG_ROOT } from '../inventory/inventory';
import { shellQuote } from '../shellQuote';

/** Seconds between the two CPU samples. */
export const CPU_SAMPLE_SECONDS = 1;
/** A catalog command that runs longer than this is stopped (the check is ERROR). */
export const COMMAND_TIMEOUT_SECONDS = 10;
/** Lines read from the end of a log when a log check names none. */
export const DEFAULT_LOG_LINES = 200;
const MAX_LOG_LINES = 5000;

export interface ScriptRequest {
  /** Needs meminfo, df, loadavg. */
  resources: boolean;
  /** Needs two /proc/stat samples (a second apart: only a CPU check waits for it). */
  cpu?: boolean;
  /** Needs the process list. */
  processes: boolean;
  /** Needs the host's clock (epoch seconds and UTC offset), for rules over log time windows. */
  clock?: boolean;
  /** Where the host keeps its logs (df of the data filesystem). */
  logRoot: string;
  commands: Array<{ id: string; command: string }>;
  logs: Array<{ id: string; path: string; lines: number }>;
}

export interface ScriptOutput {
  sections: Map<string, string>;
  /** Exit code of each command section. */
  exitCodes: Map<string, number>;
  /** The script reached its end (false: cut short, e.g. by a timeout). */
  complete: boolean;
}

/** The script and the marker its sections are delimited by (random, so output cannot fake it). */
export function buildHostScript(request: ScriptRequest, token: string): string {
  const lines = [
    `T=${token}`,
    `sec() { printf '\\n@@%s@@ %s\\n' "$T" "$*"; }`,
  ];
  if (request.cpu) lines.push(`sleep ${CPU_SAMPLE_SECONDS} & __sleep=$!`, 'sec stat1; head -n 1 /proc/stat');
  if (request.resources) {
    lines.push(
      'sec meminfo; cat /proc/meminfo',
      `sec df; df -P ${shellQuote(request.logRoot)} 2>/dev/null || df -P / 2>&1`,
      'sec loadavg; cat /proc/loadavg',
    );
  }
  if (request.processes) lines.push('sec ps; ps -eo args= 2>&1');
  if (request.clock) lines.push(`sec clock; date '+%s %z'`);
  for (const c of request.commands) {
    lines.push(`sec cmd ${c.id}; timeout ${COMMAND_TIMEOUT_SECONDS} bash -c ${shellQuote(c.command)} 2>&1 </dev/null; sec rc ${c.id} $?`);
  }
  for (const l of request.logs) {
    const n = Math.min(Math.max(1, l.lines), MAX_LOG_LINES);
    lines.push(`sec log ${l.id}; if [ -r ${l.path} ]; then tail -n ${n} ${l.path}; sec rc ${l.id} 0; else echo "cannot read ${l.path.replace(/"/g, '')}"; sec rc ${l.id} 1; fi`);
  }
  if (request.cpu) lines.push('wait $__sleep', 'sec stat2; head -n 1 /proc/stat');
  lines.push('sec end');
  return lines.join('\n') + '\n';
}

export function parseHostScript(stdout: string, token: string): ScriptOutput {
  const out: ScriptOutput = { sections: new Map(), exitCodes: new Map(), complete: false };
  const marker = `@@${token}@@ `;
  const parts = stdout.split(`\n${marker}`);
  // parts[0] is whatever came before the first marker (a login banner, normally empty).
  for (const part of parts.slice(1)) {
    const nl = part.indexOf('\n');
    const header = nl < 0 ? part : part.slice(0, nl);
    const body = nl < 0 ? '' : part.slice(nl + 1);
    const [kind, id, extra] = header.trim().split(' ');
    if (kind === 'end') out.complete = true;
    else if (kind === 'rc') out.exitCodes.set(id, Number(extra));
    else if (kind === 'cmd' || kind === 'log') out.sections.set(`${kind} ${id}`, joinBody(out.sections.get(`${kind} ${id}`), body));
    else out.sections.set(kind, body);
  }
  return out;
}

function joinBody(before: string | undefined, body: string): string {
  return before === undefined ? body : before + body;
}

/**
 * Where a catalog log is on a host, as a shell word: the catalog writes the guide's paths
 * (`/home/admin/logs/...`, `~/logs/...`, or relative to the admin home); a host whose inventory
 * `logRoot` differs keeps the same layout under it.
 */
export function remoteLogPath(catalogPath: string, logRoot: string): string {
  const rebase = (p: string) => (logRoot !== DEFAULT_LOG_ROOT && (p === DEFAULT_LOG_ROOT || p.startsWith(`${DEFAULT_LOG_ROOT}/`)) ? path.posix.join(logRoot, p.slice(DEFAULT_LOG_ROOT.length)) : p);
  if (catalogPath.startsWith('/')) return shellQuote(rebase(path.posix.normalize(catalogPath)));
  const rel = catalogPath.startsWith('~/') ? catalogPath.slice(2) : catalogPath;
  if (rel.startsWith('logs/') && logRoot !== DEFAULT_LOG_ROOT) return shellQuote(path.posix.join(logRoot, rel.slice(5)));
  return `"$HOME"/${shellQuote(rel)}`;
}

