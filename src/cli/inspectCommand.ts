/** `sofa-ops inspect`: the guide's daily inspection (巡检) on inventory hosts, with reports and history. */
import { setMaxListeners } from 'events';
import { promises as fs } from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../core/catalog/catalogLoader';
import { formatProblem } from '../core/catalog/problems';
import type { Lang } from '../core/catalog/types';
import { componentEquivalence } from '../core/checks/checkPlan';
import { loadHistory, loadRuleHistory, saveInspection } from '../core/checks/history';
import { inspect } from '../core/checks/inspect';
import { overall, renderReport, STATUS_LABEL, type ReportFormat } from '../core/checks/reports';
import { countStatuses, notRun, type CheckResult, type Inspection } from '../core/checks/types';
import { loadInventoryCached } from '../core/inventory/inventoryCache';
import { defaultCacheDir } from '../core/cacheDir';
import { SelectorError } from '../core/inventory/selectors';
import { DEFAULT_MAX_HANDSHAKES, SshPool } from '../core/ssh/sshPool';
import { cliUnknownHostPolicy, loadCliHostKeys, parseHandshakes } from './cliSsh';
import { type CliIO, UsageError } from './io';
import { terminalPrompter } from './prompter';

export const inspectUsage = `Usage: sofa-ops inspect --inventory FILE [options]

Runs the guide's inspection checks (服务巡检) of the catalog on the inventory's hosts: resources
(cpu, memory, disk, load5 against each product's thresholds), ports (from inside the container),
health URLs, processes, the guide's commands and their expected output, log error counts, and
the rules over several hosts (more than half of the registry nodes alive, exactly one meta
Leader), lines per time window and baselines. Manual checks are listed, with why.
  --inventory FILE    SOFA Ops YAML or Ansible (INI/YAML) inventory
  --product ID        only this product's checks (e.g. registry)
  --component ID      only this component's checks (e.g. registry-meta)
  --target SELECTOR   only these hosts: all | GROUP | GROUP[0] | HOST | tag=dc-a, comma-separated
  --report FORMAT     md | html | junit | json (default: a short summary)
  --out FILE          write the report there instead of stdout (the summary still goes to stderr)
  --history DIR       keep this run in DIR (<timestamp>.json), show the last runs as a trend, and
                      judge baselines (same time yesterday / last week) and consecutive periods on it
  --lang zh|en        language of titles and actions in md/html (default en; actions show both)
  --parallel N        hosts at once (default 32); each host's connection closes when its checks are done
  --handshakes N      SSH handshakes in flight at once (default ${DEFAULT_MAX_HANDSHAKES}); more hosts queue
  --known-hosts FILE  extra known_hosts file (repeatable), e.g. a site's pinned keys
  --accept-new        accept and record keys of hosts never seen before (changed keys are still refused)
Checks the inventory's \`versions\` say do not apply to the site are N/A.
Exit code: 0 every check passed (WARN, MANUAL and N/A included); 1 any FAIL, or a host could not be
checked (ERROR) while others could; 2 usage, inventory or selector error, or nothing could be
checked at all (every host unreachable, refused or timed out).
`;

const FORMATS: ReportFormat[] = ['md', 'html', 'junit', 'json'];

export async function inspectCommand(args: string[], io: CliIO, catalogDir: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      inventory: { type: 'string' },
      product: { type: 'string' },
      component: { type: 'string' },
      target: { type: 'string' },
      report: { type: 'string' },
      out: { type: 'string' },
      history: { type: 'string' },
      lang: { type: 'string', default: 'en' },
      parallel: { type: 'string', default: '32' },
      handshakes: { type: 'string' },
      catalog: { type: 'string' },
      'known-hosts': { type: 'string', multiple: true, default: [] },
      'accept-new': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(inspectUsage);
    return 0;
  }
  if (!values.inventory) throw new UsageError('--inventory FILE is required');
  if (values.report !== undefined && !FORMATS.includes(values.report as ReportFormat)) throw new UsageError(`--report must be one of ${FORMATS.join(', ')}, not "${values.report}"`);
  if (values.lang !== 'zh' && values.lang !== 'en') throw new UsageError(`--lang must be zh or en, not "${values.lang}"`);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError(`--parallel must be a positive integer, not "${values.parallel}"`);
  const maxHandshakes = parseHandshakes(values.handshakes);
  const lang = values.lang as Lang;

  const { catalog, problems: catalogProblems } = await loadCatalog(values.catalog ?? catalogDir);
  // A broken catalog file costs its own checks, not the inspection.
  for (const p of catalogProblems) io.err(`sofa-ops: catalog: ${formatProblem(p)}\n`);
  if (values.product && !catalog.products.some((p) => p.product.id === values.product)) {
    throw new UsageError(`no product "${values.product}"; products: ${catalog.products.map((p) => p.product.id).join(', ')}`);
  }
  if (values.component && !componentEquivalence(catalog).has(values.component)) throw new UsageError(`no component "${values.component}" in the catalog`);

  const components = new Map(catalog.products.flatMap((p) => p.components.map((c) => [c.id, p.product.id] as const)));
  const { inventory, problems } = await loadInventoryCached(path.resolve(values.inventory), { knownComponents: components }, defaultCacheDir());
  if (problems.length) {
    for (const p of problems) io.err(`${formatProblem(p)}\n`);
    io.err(`sofa-ops: the inventory ${values.inventory} has ${problems.length} problem(s)\n`);
    return 2;
  }
  const hostKeys = await loadCliHostKeys(io, values['known-hosts']!);
  const unknownHosts = cliUnknownHostPolicy(io, !!values['accept-new']);
  const pool = new SshPool({ hostKeys, unknownHosts, prompter: terminalPrompter() }, { maxHandshakes });
  const abort = new AbortController();
  // Every host's command listens for the abort.
  setMaxListeners(0, abort.signal);
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  let inspection: Inspection;
  // Baselines (same time yesterday / last week) and consecutive periods come from the history.
  const ruleHistory = values.history ? await loadRuleHistory(path.resolve(values.history), new Date()) : [];
  try {
    inspection = await inspect(catalog, inventory, pool, { product: values.product, component: values.component, target: values.target }, { parallel, signal: abort.signal, history: ruleHistory, closeAfterHost: true });
  } catch (err) {
    if (err instanceof SelectorError) {
      io.err(`sofa-ops: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
    pool.dispose();
  }

  let history: Inspection[] = [];
  if (values.history) {
    const dir = path.resolve(values.history);
    history = (await loadHistory(dir, 19)).inspections;
    await saveInspection(dir, inspection);
  }
  const summary = summaryText(inspection);
  if (values.report) {
    const text = renderReport(values.report as ReportFormat, inspection, { lang, history });
    if (values.out) {
      await fs.mkdir(path.dirname(path.resolve(values.out)), { recursive: true });
      await fs.writeFile(values.out, text);
      io.err(summary);
    } else {
      io.out(text);
      io.err(summary);
    }
  } else {
    io.out(summary);
  }
  return exitCode(inspection.results);
}

/** 0 all pass; 1 any FAIL or ERROR; 2 nothing could be checked (see the usage text). */
export function exitCode(results: readonly CheckResult[]): number {
  const ran = results.filter((r) => !notRun(r.status));
  if (ran.length && ran.every((r) => r.status === 'error')) return 2;
  return ran.some((r) => r.status === 'fail' || r.status === 'error') ? 1 : 0;
}

function summaryText(inspection: Inspection): string {
  const lines: string[] = [];
  for (const r of inspection.results) {
    if (r.status === 'pass' || notRun(r.status)) continue;
    lines.push(`${STATUS_LABEL[r.status].padEnd(5)} ${r.product}/${r.checkId} @ ${r.host ?? r.component}: ${r.value ?? r.message}${r.threshold ? ` (expected ${r.threshold})` : ''} [§${r.section}]`);
    if (r.action && r.status === 'fail') lines.push(`      action: ${r.action.en}`);
  }
  const c = countStatuses(inspection.results);
  lines.push(`${STATUS_LABEL[overall(inspection)]}: ${c.pass} pass, ${c.warn} warn, ${c.fail} fail, ${c.error} error, ${c.manual} manual${c.na ? `, ${c.na} n/a` : ''} on ${inspection.hosts.length} hosts in ${(inspection.durationMs / 1000).toFixed(2)} s`);
  return lines.join('\n') + '\n';
}
