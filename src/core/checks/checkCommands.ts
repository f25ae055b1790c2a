/**
 * The shell command behind a check, a port or a log pattern, as an operator would paste it into a
 * shell on the host ("Copy Command" in the products tree): the catalog command as inspection runs
 * it (same timeout), the probe a port or HTTP check makes, the grep for an alert's log line. Every
 * value from the catalog is shell-quoted: a pattern with quotes or `$` stays one literal word.
 */
import type { Catalog, Check, LogPattern } from '../catalog/types';
import { DEFAULT_LOG_ROOT } from '../inventory/inventory';
import { toExtendedRegex } from '../logs/remoteLogCommands';
import { shellQuote } from '../shellQuote';
import { COMMAND_TIMEOUT_SECONDS, DEFAULT_LOG_LINES, remoteLogPath } from './hostScript';

/** `ss` listing the listening sockets on `ports` (what a port check looks for, seen from the host). */
export function portCommand(ports: readonly number[]): string {
  const filter = ports.map((p) => `sport = :${p}`).join(' or ');
  return `ss -ltn ${shellQuote(ports.length > 1 ? `( ${filter} )` : filter)}`;
}

/** A grep for `match` (literal, or a catalog regex) in `files` (already shell words; none: stdin). */
function grepCommand(match: string, regex: boolean, files: string, flags = '-n'): string {
  const tail = files ? ` ${files}` : '';
  if (!regex) return `grep ${flags} -F -- ${shellQuote(match)}${tail}`;
  // GNU grep's ERE where it means the same as the catalog's JavaScript regex, else PCRE.
  const ere = toExtendedRegex(match);
  return ere !== undefined ? `grep ${flags} -E -- ${shellQuote(ere)}${tail}` : `grep ${flags} -P -- ${shellQuote(match)}${tail}`;
}

/**
 * The command a check runs on a host, or undefined for checks that run none there (composite
 * rules over several hosts, manual checks).
 */
export function checkCommand(catalog: Catalog, check: Check, logRoot: string = DEFAULT_LOG_ROOT): string | undefined {
  switch (check.kind) {
    case 'command':
      return check.command ? `timeout ${COMMAND_TIMEOUT_SECONDS} bash -c ${shellQuote(check.command)}` : undefined;
    case 'port':
      return check.ports?.length ? portCommand(check.ports) : undefined;
    case 'http': {
      if (!check.http) return undefined;
      const method = check.http.method && check.http.method !== 'GET' ? ` -X ${shellQuote(check.http.method)}` : '';
      return `curl -sS -m 10${method} -w '\\nHTTP %{http_code}\\n' ${shellQuote(`http://127.0.0.1:${check.http.port}${check.http.path}`)}`;
    }
    case 'process':
      return check.process ? `ps -eo args= | grep -F -- ${shellQuote(check.process.trim())} | grep -v grep` : undefined;
    case 'resource':
      return { cpu: 'head -n 1 /proc/stat; sleep 1; head -n 1 /proc/stat', memory: 'cat /proc/meminfo', disk: `df -P ${shellQuote(logRoot)}`, load5: 'cat /proc/loadavg' }[check.resource ?? 'load5'];
    case 'log': {
      const entry = check.log;
      const file = entry && catalog.products.flatMap((p) => p.logs).find((l) => l.id === entry.logId);
      if (!entry || !file) return undefined;
      const tail = `tail -n ${entry.lastLines ?? DEFAULT_LOG_LINES} ${remoteLogPath(file.path, logRoot)}`;
      // `pattern` names a catalog log pattern (counted with grep) or a field of the log's format (read by the rule).
      const pattern = catalog.products.flatMap((p) => p.patterns).find((p) => p.id === entry.pattern);
      return pattern ? `${tail} | ${grepCommand(pattern.match, !!pattern.regex, '', '-c')}` : tail;
    }
    default:
      return undefined;
  }
}

/**
 * A grep for an alert's log line in the logs it appears in (`logIds`, or the log the tree shows it
 * under); a pattern of any log searches the whole log root.
 */
export function patternCommand(catalog: Catalog, pattern: LogPattern, logIds: readonly string[] = pattern.logs, logRoot: string = DEFAULT_LOG_ROOT): string {
  const files = catalog.products.flatMap((p) => p.logs).filter((l) => logIds.includes(l.id));
  const unique = [...new Set(files.map((f) => remoteLogPath(f.path, logRoot)))];
  if (!unique.length) return grepCommand(pattern.match, !!pattern.regex, shellQuote(logRoot), '-rn');
  return grepCommand(pattern.match, !!pattern.regex, unique.join(' '));
}
