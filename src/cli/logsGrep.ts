/**
 * `sofa-ops logs grep` (one pattern in one log on many hosts, real line numbers, optional rotated
 * files and time window) and `sofa-ops logs timeline` (the known problems of a window across hosts,
 * merged by time). Both run on the hosts (see core/logs/hostGrep and logTimeline); loaded only
 * for these subcommands, so `logs scan` of a local file does not load SSH.
 */
import { setMaxListeners } from 'events';
import * as path from 'path';
import { parseArgs } from 'util';
import { formatProblem } from '../core/sourceProblem';
import type { Lang } from '../core/catalog/types';
import { grepOnHosts, type HostGrepResult } from '../core/logs/hostGrep';
import { defaultCacheDir, type LogCatalog, loadLogCatalog } from '../core/logs/logCatalog';
import { checkQuery, type GrepQuery, GrepQueryError } from '../core/logs/logGrep';
import { collectTimeline, type Timeline, timelineMarkdown } from '../core/logs/logTimeline';
import { parseWindow, TimeParseError, type TimeWindow } from '../core/logs/timeWindow';
import { openCliPool, selectCliHosts } from './cliSsh';
import { cliLanguage, translateKnown, translator, type Translate } from '../core/l10n';
import { cliLang, type CliIO, say, UsageError } from './io';

export const grepUsage = `Usage: sofa-ops logs grep PATTERN --host SELECTOR --inventory FILE --log NAME|PATH [options]

Searches one log on every selected host at once: grep runs on the hosts (the pattern is sent on
stdin, never on a command line), only matching lines travel, each with its real line number in the
file (what grep -n prints there). Output is grouped by host, in inventory order.
  --host SELECTOR     all | GROUP | GROUP[0] | HOST | tag=dc-a, comma-separated
  --inventory FILE    SOFA Ops YAML or Ansible inventory
  --log NAME|PATH     catalog log id or file name (resolved through each host's component and logRoot),
                      or a path (absolute, or relative to the host's logRoot)
  --regex             PATTERN is a POSIX extended regex (grep -E); default: literal text (grep -F)
  --context N         N lines of context around each match
  --since T           only entries at or after T (2026-11-02 03:10[:05[,250]], the logs' own time)
  --until T           only entries before T
  --rotated           also the rotated files (NAME.1, NAME.2026-11-02, NAME.*.gz)
  --max-count N       at most N matches per file
  --json              one JSON object per line: {host, file, line, text, context}, then per host
                      {host, matches, files[, skipped]}, or {host, error} when it was not searched
  --known-hosts FILE  extra known_hosts file (repeatable); --accept-new accepts unknown host keys
Exit code: 0 some line matched (and every host was searched), 1 nothing matched or a host could
not be searched, 2 usage or inventory error.
`;

export const timelineUsage = `Usage: sofa-ops logs timeline --host SELECTOR --inventory FILE --since T [--until T] [--json|--md] [--all]

Collects the known problems (the guide's error messages and bad field values) of a time window
from every log of every selected host's component, merged into one list by time; a burst of the
same message in one log of one host is one row with a count. Each log is cut to the window on its host.
  --since T / --until T  the window (2026-11-02 03:10[:05[,250]], the logs' own time; until excluded)
  --md                   Markdown for an incident ticket
  --json                 one JSON object per row
  --lang zh|en           language of the explanations
  --all                  also the catalog's ok/info lines (healthy heartbeats, "started" lines)
  --rotated              also the rotated files (NAME.1, NAME.2026-11-02, NAME.*.gz) not last
                         written before the window (a window across midnight's rotation)
  --known-hosts FILE / --accept-new  as for logs grep
Exit code: 0 the timeline is complete, 1 some host or log could not be read, 2 usage or inventory error.
`;

interface Common {
  inventory: string;
  host: string;
  knownHosts: string[];
  acceptNew: boolean;
  catalog: LogCatalog;
}

function sshOptions() {
  return {
    host: { type: 'string' as const },
    inventory: { type: 'string' as const },
    'known-hosts': { type: 'string' as const, multiple: true as const, default: [] as string[] },
    'accept-new': { type: 'boolean' as const, default: false },
    catalog: { type: 'string' as const },
    json: { type: 'boolean' as const, default: false },
    help: { type: 'boolean' as const, short: 'h', default: false },
  };
}

async function loadCatalogFor(io: CliIO, dir: string, cacheDir: string | undefined): Promise<LogCatalog | undefined> {
  const { catalog, problems } = await loadLogCatalog(dir, cacheDir);
  for (const problem of problems) io.err(`${formatProblem({ ...problem, file: path.relative(process.cwd(), problem.file) || problem.file })}\n`);
  if (!catalog.logs.length) {
    io.err(`${say(io, undefined, 'sofa-ops: the catalog in {0} has no logs', dir)}\n`);
    return undefined;
  }
  return catalog;
}

function window(since: string | undefined, until: string | undefined): TimeWindow {
  try {
    return parseWindow(since, until);
  } catch (err) {
    if (err instanceof TimeParseError) throw new UsageError(err.message);
    throw err;
  }
}

function integer(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError('{0} must be a number, not "{1}"', what, value);
  return Number(value);
}

/** Aborts on Ctrl-C while `run` runs (the remote greps are stopped, not left behind). */
async function withSigint<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  // Every remote command listens on it: one per host and log.
  setMaxListeners(0, abort.signal);
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    return await run(abort.signal);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

export async function logsGrepCommand(sub: 'grep' | 'timeline', args: string[], io: CliIO, defaultCatalogDir: string, env: NodeJS.ProcessEnv, cacheDir: string | null | undefined): Promise<number> {
  const cache = cacheDir === null ? undefined : (cacheDir ?? defaultCacheDir(env));
  if (sub === 'grep') return grep(args, io, defaultCatalogDir, cache);
  return timeline(args, io, defaultCatalogDir, env, cache);
}

function common(values: { host?: string; inventory?: string; 'known-hosts'?: string[]; 'accept-new'?: boolean }): Omit<Common, 'catalog'> {
  if (!values.host) throw new UsageError('--host SELECTOR is required (which hosts to search)');
  if (!values.inventory) throw new UsageError('--inventory FILE is required');
  return { host: values.host, inventory: values.inventory, knownHosts: values['known-hosts'] ?? [], acceptNew: !!values['accept-new'] };
}

async function grep(args: string[], io: CliIO, defaultCatalogDir: string, cacheDir: string | undefined): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...sshOptions(),
      log: { type: 'string' },
      regex: { type: 'boolean', default: false },
      context: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      rotated: { type: 'boolean', default: false },
      'max-count': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(say(io, undefined, grepUsage));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give one PATTERN (quote it)' : 'which PATTERN? sofa-ops logs grep PATTERN --host … --log …');
  const ssh = common(values);
  if (!values.log) throw new UsageError('--log NAME|PATH is required (a catalog log id or file name, or a path on the host)');
  const query: GrepQuery = {
    pattern: positionals[0],
    regex: values.regex,
    context: integer(values.context, '--context'),
    maxCount: integer(values['max-count'], '--max-count'),
    rotated: values.rotated,
    window: window(values.since, values.until),
  };
  try {
    checkQuery(query);
  } catch (err) {
    if (err instanceof GrepQueryError) throw new UsageError(err.message);
    throw err;
  }
  const catalog = await loadCatalogFor(io, values.catalog ?? defaultCatalogDir, cacheDir);
  if (!catalog) return 2;
  const selected = await selectCliHosts(io, ssh.inventory, ssh.host);
  if (typeof selected === 'number') return selected;
  const pool = await openCliPool(io, ssh);
  const t = translator(cliLang(io));
  let matches = 0;
  let failed = false;
  try {
    // Printed in inventory order, each host as soon as it and every host before it is done.
    const done: (HostGrepResult | undefined)[] = new Array(selected.hosts.length);
    let printed = 0;
    const print = (r: HostGrepResult) => {
      matches += r.matches;
      if (r.error) failed = true;
      if (r.note) io.err(`sofa-ops: ${r.host}: ${grepText(t, r.note)}\n`);
      io.out(values.json ? grepJson(r) : grepHuman(r, t));
      if (r.error) io.err(`sofa-ops: ${r.host}: ${grepText(t, r.error)}\n`);
    };
    await withSigint((signal) =>
      grepOnHosts((t, c, o) => pool.exec(t, c, o), catalog, selected.hosts, selected.targets, {
        log: values.log!,
        query,
        signal,
        onHost: (result, index) => {
          done[index] = result;
          while (printed < done.length && done[printed]) print(done[printed++]!);
        },
      }),
    );
  } finally {
    pool.dispose();
  }
  return failed || matches === 0 ? 1 : 0;
}

/** What hostGrep (core/logs) reports, as it words it: said here in the user's language. */
export const GREP_TEXTS = [
  'no catalog log "{0}" for this host; give a log id, a file name the catalog knows, or a path',
  '{0} searching {1}',
  'grep failed on {0} (exit code {1})',
  'the catalog lists {0} for {1}, not for {2}; reading {3} from its own log folder',
];

function grepText(t: Translate, text: string): string {
  // Outcome words (timeout) and "this host" are worded; names and paths stay as they are.
  return translateKnown(t, text, GREP_TEXTS, (v) => (/^[a-z -]+$/.test(v) ? t(v) : v));
}

function grepHuman(r: HostGrepResult, t: Translate): string {
  const out: string[] = [];
  const files = r.files.filter((f) => f.lines.length);
  out.push(r.error ? `== ${r.host}: ${t('not searched: {0}', grepText(t, r.error))}` : `== ${r.host}: ${t(r.matches === 1 ? '{0} match' : '{0} matches', r.matches)}${r.path && !files.length ? t(' in {0}', r.path) : ''}`);
  for (const f of files) {
    let previous = -1;
    for (const l of f.lines) {
      if (previous !== -1 && l.line !== previous + 1) out.push('--');
      out.push(`${r.host}:${f.path}${l.context ? '-' : ':'}${l.line}${l.context ? '-' : ':'}${l.text}`);
      previous = l.line;
    }
  }
  if (r.skipped.length) out.push(`   ${t('(not read, compressed in a format grep cannot read here: {0})', r.skipped.join(', '))}`);
  return out.join('\n') + '\n';
}

function grepJson(r: HostGrepResult): string {
  if (r.error) return JSON.stringify({ host: r.host, ...(r.path ? { file: r.path } : {}), error: r.error }) + '\n';
  const lines = r.files.flatMap((f) => f.lines.map((l) => JSON.stringify({ host: r.host, file: f.path, line: l.line, text: l.text, context: l.context })));
  // Then the host's summary (no `line`), so "searched, nothing found" is told from "not searched".
  lines.push(JSON.stringify({ host: r.host, matches: r.matches, files: r.files.map((f) => f.path), ...(r.skipped.length ? { skipped: r.skipped } : {}) }));
  return lines.join('\n') + '\n';
}

async function timeline(args: string[], io: CliIO, defaultCatalogDir: string, env: NodeJS.ProcessEnv, cacheDir: string | undefined): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ...sshOptions(), since: { type: 'string' }, until: { type: 'string' }, md: { type: 'boolean', default: false }, lang: { type: 'string' }, all: { type: 'boolean', default: false }, rotated: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    io.out(say(io, values.lang, timelineUsage));
    return 0;
  }
  if (positionals.length) throw new UsageError('unexpected "{0}": the timeline reads every log of the selected hosts', positionals[0]);
  const ssh = common(values);
  if (!values.since) throw new UsageError('--since T is required (the start of the window, e.g. "2026-11-02 03:10")');
  if (values.md && values.json) throw new UsageError('give --json or --md, not both');
  if (values.lang !== undefined && values.lang !== 'zh' && values.lang !== 'en') throw new UsageError('--lang must be zh or en, not "{0}"', values.lang);
  const lang: Lang = (values.lang as Lang | undefined) ?? io.lang ?? cliLanguage(undefined, env);
  const w = window(values.since, values.until);
  const catalog = await loadCatalogFor(io, values.catalog ?? defaultCatalogDir, cacheDir);
  if (!catalog) return 2;
  const selected = await selectCliHosts(io, ssh.inventory, ssh.host);
  if (typeof selected === 'number') return selected;
  const pool = await openCliPool(io, ssh);
  let result: Timeline;
  try {
    result = await withSigint((signal) => collectTimeline((t, c, o) => pool.exec(t, c, o), catalog, selected.hosts, selected.targets, { window: w, lang, signal, minSeverity: values.all ? 'ok' : 'warning', rotated: values.rotated }));
  } finally {
    pool.dispose();
  }
  if (values.md) io.out(timelineMarkdown(result, lang));
  else if (values.json) {
    io.out(result.rows.map((r) => JSON.stringify(r)).join('\n') + (result.rows.length ? '\n' : ''));
    for (const p of result.problems) io.out(JSON.stringify({ host: p.host, ...(p.file ? { file: p.file } : {}), error: p.message }) + '\n');
  } else io.out(timelineHuman(result, translator(lang)));
  for (const p of result.problems) io.err(`sofa-ops: ${p.host}${p.file ? `:${p.file}` : ''}: ${p.message}\n`);
  return result.problems.length ? 1 : 0;
}

function timelineHuman(timeline: Timeline, t: Translate): string {
  if (!timeline.rows.length) return `${t('no known problems between {0} and {1} on {2} host(s)', timeline.window.since ?? '…', timeline.window.until ?? '…', timeline.hosts.length)}\n`;
  const hostWidth = Math.max(...timeline.rows.map((r) => r.host.length));
  return (
    timeline.rows
      .map((r) => {
        const count = r.count > 1 ? ` ×${r.count}${t(' (to {0}, line {1})', r.lastTime.slice(11), r.lastLine)}` : '';
        return `${r.time}  ${r.host.padEnd(hostWidth)}  ${r.file}:${r.line}  [${r.severity}] ${r.pattern}${count} → ${r.explanation}${r.section ? ` (§${r.section})` : ''}`;
      })
      .join('\n') + '\n'
  );
}
