/** `sofa-ops logs scan`: mark every known line of a log with the guide's explanation and action. */
import * as path from 'path';
import { parseArgs } from 'util';
import { formatProblem } from '../core/sourceProblem';
import { guideText, patternRemarks } from '../core/catalog/provenance';
import { pick } from '../core/catalog/text';
import type { Lang, LogFile, LogPattern, Severity } from '../core/catalog/types';
import { defaultCacheDir, type LogCatalog, loadLogCatalog, resolveLogs } from '../core/logs/logCatalog';
import { compileLogMatcher } from '../core/logs/logMatcher';
import { BAD_FIELD_SEVERITY, badFieldId, type LogFinding, severityRank, type ScanTotals } from '../core/logs/logScanner';
import { scanFile, scanStream, type SourceOptions } from '../core/logs/scanSources';
import { cliLanguage, translator } from '../core/l10n';
import { type CliIO, processIO, say, UsageError } from './io';

export const logsUsage = `Usage: sofa-ops logs scan FILE|- [--json] [--lang zh|en] [--count] [--log NAME] [--catalog DIR]
       sofa-ops logs scan --host SELECTOR --inventory FILE --log NAME|PATH [--known-hosts FILE] [--accept-new] [...]
       sofa-ops logs grep PATTERN --host SELECTOR --inventory FILE --log NAME|PATH [--since T] [--until T] [...]
       sofa-ops logs timeline --host SELECTOR --inventory FILE --since T [--until T] [--json|--md]
(sofa-ops logs grep --help, sofa-ops logs timeline --help for theirs)

Scans a log (FILE, or - for stdin) for the lines the operations guide knows: each known error
message, and each documented field with a bad value (heartbeat N, push result 1, retries > 0…),
with the guide's explanation, action and section. Stack traces stay with the line that started them.
  --json         one JSON object per matched line (JSON Lines)
  --lang zh|en   language of the text (default: en, or zh when LANG starts with zh)
  --count        only totals per pattern and a total
  --log NAME     the catalog log this is (id, file name or path) when the file name does not say;
                 otherwise it is inferred from FILE's path (e.g. .../drmdata/drmdata-heartbeat.log)
  --catalog DIR  read the catalog from DIR instead of the bundled runbooks/
Remote (the scan runs on each selected host: grep there, only matching lines travel):
  --host SELECTOR     hosts as for exec: all | GROUP | GROUP[0] | HOST | tag=dc-a, comma-separated
  --inventory FILE    SOFA Ops YAML or Ansible inventory
  --log NAME|PATH     catalog log id or file name, resolved through each host's component and
                      logRoot (a name only other components have is looked for in the host's
                      component's log folder), or a path (absolute, or relative to the logRoot)
  --known-hosts FILE  extra known_hosts file (repeatable); --accept-new accepts unknown host keys
Output: file:line: [severity] text → explanation (§section)   (remote: host:path:line: ...)
Exit code: 0 nothing of severity error or critical, 1 at least one error or critical line,
2 usage error, unreadable file or a host that could not be scanned.
`;

export interface LogsCommandDeps {
  /** Where `-` reads from (default: process.stdin). */
  stdin?: AsyncIterable<Buffer | string>;
  env?: NodeJS.ProcessEnv;
  /** Where the parsed catalog is cached; null disables the cache. */
  cacheDir?: string | null;
}

export async function logsCommand(args: string[], io: CliIO, defaultCatalogDir: string, deps: LogsCommandDeps = {}): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help' || sub === 'help') {
    io.out(say(io, undefined, logsUsage));
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'grep' || sub === 'timeline') {
    // Loaded here so a local scan does not load SSH.
    const { logsGrepCommand } = require('./logsGrep') as typeof import('./logsGrep');
    return logsGrepCommand(sub, rest, io, defaultCatalogDir, deps.env ?? process.env, deps.cacheDir);
  }
  if (sub !== 'scan') throw new UsageError('unknown logs command "{0}" (scan, grep or timeline)', sub);
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      json: { type: 'boolean', default: false },
      lang: { type: 'string' },
      count: { type: 'boolean', default: false },
      log: { type: 'string' },
      catalog: { type: 'string', default: defaultCatalogDir },
      host: { type: 'string' },
      inventory: { type: 'string' },
      'known-hosts': { type: 'string', multiple: true, default: [] },
      'accept-new': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(say(io, values.lang, logsUsage));
    return 0;
  }
  const remote = values.host !== undefined;
  if (remote) {
    if (positionals.length) throw new UsageError('--host scans the log on the hosts: give --log NAME|PATH, not a FILE');
    if (!values.inventory) throw new UsageError('--host needs --inventory FILE');
    if (!values.log) throw new UsageError('--host needs --log NAME|PATH (a catalog log id or file name, or a path on the host)');
  } else if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give one log file (or - for stdin)' : 'which log? give a FILE or - for stdin');
  if (values.lang !== undefined && values.lang !== 'zh' && values.lang !== 'en') {
    throw new UsageError('--lang must be zh or en, not "{0}"', values.lang);
  }
  const env = deps.env ?? process.env;
  const lang: Lang = (values.lang as Lang | undefined) ?? io.lang ?? cliLanguage(undefined, env);
  const file = positionals[0] ?? '';

  const cacheDir = deps.cacheDir === null ? undefined : (deps.cacheDir ?? defaultCacheDir(env));
  const { catalog, problems } = await loadLogCatalog(values.catalog!, cacheDir);
  if (problems.length) {
    for (const problem of problems) io.err(`${formatProblem({ ...problem, file: path.relative(process.cwd(), problem.file) || problem.file })}\n`);
    if (!catalog.logs.length && !catalog.patterns.length) {
      io.err(`sofa-ops: the catalog in ${values.catalog} has no logs or patterns to scan with\n`);
      return 2;
    }
    io.err(`sofa-ops: the catalog has ${problems.length} problem(s); scanning with the files that loaded\n`);
  }

  if (remote) {
    return scanRemote(
      { inventory: values.inventory!, selector: values.host!, knownHosts: values['known-hosts']!, acceptNew: values['accept-new']!, log: values.log!, catalog },
      io,
      { json: values.json!, count: values.count!, lang },
    );
  }

  const logs = chooseLogs(catalog, file, values.log, io);
  const matcher = compileLogMatcher(catalog, logs);
  const label = file === '-' ? '(stdin)' : file;
  const out = new BufferedOutput(io);
  // `sofa-ops logs scan big.log | head`: stop reading once nobody reads our output.
  const reader = new AbortController();
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') reader.abort();
  };
  if (io === processIO) process.stdout.on('error', onStdoutError);
  const options: SourceOptions = { signal: reader.signal };
  if (values.count) options.countOnly = true;
  else options.onFinding = (f) => out.write(values.json ? JSON.stringify(findingJson(f, logs, lang)) + '\n' : humanLine(label, f, logs, lang));
  let totals: ScanTotals;
  try {
    totals = file === '-' ? await scanStream(matcher, deps.stdin ?? process.stdin, options) : await scanFile(matcher, file, options);
    if (values.count) writeCounts(out, totals, values.json);
    if (!reader.signal.aborted) out.flush();
  } catch (err) {
    out.flush();
    io.err(`sofa-ops: cannot read ${label}: ${(err as Error).message}\n`);
    return 2;
  }
  // The listener stays: an EPIPE can still arrive for the last write, after this returns.
  return totals.worst && severityRank(totals.worst) >= severityRank('error') ? 1 : 0;
}

async function scanRemote(request: import('./logsRemote').RemoteScanRequest, io: CliIO, options: { json: boolean; count: boolean; lang: Lang }): Promise<number> {
  // Loaded here so a local scan does not load SSH.
  const { scanOnHosts } = require('./logsRemote') as typeof import('./logsRemote');
  const out = new BufferedOutput(io);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let worst = 0;
  try {
    const code = await scanOnHosts(
      { ...request, signal: abort.signal },
      io,
      (scan) =>
        options.count ? undefined
        : options.json ? (f) => out.write(JSON.stringify({ host: scan.host, file: scan.path, ...findingJson(f, scan.logs, options.lang) }) + '\n')
        : (f) => out.write(humanLine(scan.label, f, scan.logs, options.lang)),
      (scan, totals) => {
        if (options.count) {
          if (options.json) out.write(JSON.stringify({ host: scan.host, file: scan.path, total: totals.findings, patterns: Object.fromEntries(totals.perPattern) }) + '\n');
          else {
            out.write(`== ${scan.label}\n`);
            writeCounts(out, totals, false);
          }
        }
        if (totals.worst) worst = Math.max(worst, severityRank(totals.worst));
        out.flush();
      },
    );
    out.flush();
    if (code) return code;
    return worst >= severityRank('error') ? 1 : 0;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** The catalog log(s) the file is; explains on stderr when that is not one log. */
function chooseLogs(catalog: LogCatalog, file: string, logOption: string | undefined, io: CliIO): LogFile[] {
  if (logOption !== undefined) {
    const logs = resolveLogs(catalog, logOption);
    if (!logs.length) {
      const names = [...new Set(catalog.logs.map((l) => l.name))].sort().join(', ');
      throw new UsageError('no catalog log "{0}"; give a log id or one of: {1}', logOption, names);
    }
    if (logs.length > 1) io.err(`sofa-ops: "${logOption}" is ${logs.length} catalog logs (${logs.map((l) => l.id).join(', ')}); scanning for the messages of all of them\n`);
    return logs;
  }
  if (file === '-') return [];
  const logs = resolveLogs(catalog, file);
  if (!logs.length) {
    io.err(`sofa-ops: ${path.basename(file)} is not a log the catalog knows; scanning for the known messages of every log (use --log NAME to say which log it is)\n`);
  } else if (logs.length > 1) {
    io.err(`sofa-ops: ${path.basename(file)} could be ${logs.map((l) => l.id).join(', ')}; scanning for the messages of all of them (use --log ID to pick one)\n`);
  }
  return logs;
}

interface MatchJson {
  pattern: string;
  severity: Severity;
  section: string;
  explanation: string;
  action: string;
  /** Where the line appears (applications' logs) and what the catalog corrected in the guide. */
  remarks?: string[];
  /** 1-based, end exclusive, in UTF-16 code units (editor columns). */
  column: number;
  endColumn: number;
  field?: string;
  value?: string;
}

function matchesOf(f: LogFinding, logs: LogFile[], lang: Lang): MatchJson[] {
  const list: MatchJson[] = f.matches.map((m) => ({
    pattern: m.pattern.id,
    severity: m.pattern.severity,
    section: m.pattern.section,
    explanation: guideText(m.pattern.explanation, lang),
    action: guideText(m.pattern.action, lang),
    ...remarksOf(m.pattern, lang),
    column: m.start + 1,
    endColumn: m.end + 1,
  }));
  if (f.structured) {
    const format = f.structured.format;
    const log = logs.find((l) => l.format === format) ?? logs[0];
    for (const field of f.structured.fields) {
      if (!field.bad) continue;
      list.push({
        pattern: badFieldId(format.id, field.name),
        severity: BAD_FIELD_SEVERITY,
        section: log?.section ?? '',
        explanation: pick(field.bad, lang),
        action: '',
        column: (field.start ?? 0) + 1,
        endColumn: (field.end ?? 0) + 1,
        field: field.name,
        value: field.value,
      });
    }
  }
  return list;
}

function remarksOf(pattern: LogPattern, lang: Lang): { remarks?: string[] } {
  const remarks = patternRemarks(pattern, lang);
  return remarks.length ? { remarks } : {};
}

/** The most severe match; the first one on ties (patterns come before fields). */
function primary(matches: MatchJson[]): MatchJson {
  let best = matches[0];
  for (const m of matches) if (severityRank(m.severity) > severityRank(best.severity)) best = m;
  return best;
}

function findingJson(f: LogFinding, logs: LogFile[], lang: Lang): Record<string, unknown> {
  const matches = matchesOf(f, logs, lang);
  const main = primary(matches);
  const json: Record<string, unknown> = {
    line: f.line,
    text: f.text,
    pattern: main.pattern,
    severity: main.severity,
    section: main.section,
    explanation: main.explanation,
    action: main.action,
    ...(main.remarks ? { remarks: main.remarks } : {}),
    column: main.column,
    endColumn: main.endColumn,
    matches,
  };
  if (f.structured) {
    json.fields = f.structured.fields.map((field) => ({
      name: field.name,
      value: field.value,
      meaning: pick(field.meaning, lang),
      ...(field.bad ? { bad: pick(field.bad, lang) } : {}),
    }));
  }
  if (f.entry) json.entry = f.entry;
  if (f.stack) json.stack = f.stack;
  if (f.stackTruncated) json.stackTruncated = true;
  return json;
}

function humanLine(label: string, f: LogFinding, logs: LogFile[], lang: Lang): string {
  const matches = matchesOf(f, logs, lang);
  const main = primary(matches);
  const ui = translator(lang);
  const more = matches.length > 1 ? ui(' (+{0} more)', matches.length - 1) : '';
  const remarks = main.remarks ? ` [${main.remarks.join(' ')}]` : '';
  return `${label}:${f.line}: [${ui(main.severity)}] ${f.text} → ${main.explanation}${main.section ? ` (§${main.section})` : ''}${remarks}${more}\n`;
}

function writeCounts(out: BufferedOutput, totals: ScanTotals, json: boolean): void {
  const rows = [...totals.perPattern].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  if (json) {
    out.write(JSON.stringify({ total: totals.findings, patterns: Object.fromEntries(rows), ...(totals.lines !== undefined ? { lines: totals.lines } : {}) }) + '\n');
    return;
  }
  const width = Math.max(5, ...rows.map(([, n]) => String(n).length));
  for (const [id, n] of rows) out.write(`${String(n).padStart(width)}  ${id}\n`);
  out.write(`${String(totals.findings).padStart(width)}  total (lines)\n`);
}

/** Many small writes become few large ones: a scan can print hundreds of thousands of lines. */
class BufferedOutput {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly io: CliIO) {}

  write(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 16) this.flush();
  }

  flush(): void {
    if (!this.parts.length) return;
    this.io.out(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}
