/** `sofa-ops inspect`: the guide's daily inspection (巡检) on inventory hosts, with reports and history. */
import { setMaxListeners } from 'events';
import { promises as fs } from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../core/catalog/catalogLoader';
import { formatProblem } from '../core/sourceProblem';
import type { Catalog, Lang } from '../core/catalog/types';
import { componentEquivalence } from '../core/checks/checkPlan';
import { loadHistory, loadRuleHistory, saveInspection } from '../core/checks/history';
import { inspect, planFor } from '../core/checks/inspect';
import { runInspection } from '../core/checks/inspectionRunner';
import { recordGather } from '../core/export/ansibleInspection';
import { parseAnsibleResults, resultsTransport, ResultsError, verifyGathers } from '../core/export/ansibleResults';
import { overall, renderReport, type ReportFormat } from '../core/checks/reports';
import { statusWord } from '../core/checks/resultView';
import { pick } from '../core/catalog/text';
import { translator } from '../core/l10n';
import { countStatuses, notRun, resultText, type CheckResult, type Inspection, type InspectionScope } from '../core/checks/types';
import type { Inventory } from '../core/inventory/inventory';
import { loadInventoryCached } from '../core/inventory/inventoryCache';
import { defaultCacheDir } from '../core/cacheDir';
import { SelectorError } from '../core/inventory/selectors';
import { DEFAULT_MAX_HANDSHAKES, SshPool } from '../core/ssh/sshPool';
import { cliUnknownHostPolicy, loadCliHostKeys, parseHandshakes } from './cliSsh';
import { cliLang, type CliIO, say, UsageError } from './io';
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
  --lang zh|en        language of the summary and md/html reports (default: en, or zh when LANG starts with zh; actions show both)
  --parallel N        hosts at once (default 32); each host's connection closes when its checks are done
  --handshakes N      SSH handshakes in flight at once (default ${DEFAULT_MAX_HANDSHAKES}); more hosts queue
  --known-hosts FILE  extra known_hosts file (repeatable), e.g. a site's pinned keys
  --accept-new        accept and record keys of hosts never seen before (changed keys are still refused)
  --from-ansible FILE judge the results.json an exported inspection playbook wrote (sofa-ops export
                      ansible --inspection) instead of connecting: same rules, reports and exit codes;
                      --inventory is the one the export was made from, the scope comes from FILE
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
      lang: { type: 'string' },
      parallel: { type: 'string', default: '32' },
      handshakes: { type: 'string' },
      catalog: { type: 'string' },
      'known-hosts': { type: 'string', multiple: true, default: [] },
      'accept-new': { type: 'boolean', default: false },
      'from-ansible': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(say(io, values.lang, inspectUsage));
    return 0;
  }
  if (!values.inventory) throw new UsageError('--inventory FILE is required');
  if (values.report !== undefined && !FORMATS.includes(values.report as ReportFormat)) throw new UsageError('--report must be one of {0}, not "{1}"', FORMATS.join(', '), values.report);
  if (values.lang !== undefined && values.lang !== 'zh' && values.lang !== 'en') throw new UsageError('--lang must be zh or en, not "{0}"', values.lang);
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError('--parallel must be a positive integer, not "{0}"', values.parallel);
  const maxHandshakes = parseHandshakes(values.handshakes);
  const lang: Lang = cliLang(io, values.lang);

  const { catalog, problems: catalogProblems } = await loadCatalog(values.catalog ?? catalogDir);
  // A broken catalog file costs its own checks, not the inspection.
  for (const p of catalogProblems) io.err(`sofa-ops: catalog: ${formatProblem(p)}\n`);
  if (values.product && !catalog.products.some((p) => p.product.id === values.product)) {
    throw new UsageError('no product "{0}"; products: {1}', values.product, catalog.products.map((p) => p.product.id).join(', '));
  }
  if (values.component && !componentEquivalence(catalog).has(values.component)) throw new UsageError('no component "{0}" in the catalog', values.component);

  const components = new Map(catalog.products.flatMap((p) => p.components.map((c) => [c.id, p.product.id] as const)));
  const { inventory, problems } = await loadInventoryCached(path.resolve(values.inventory), { knownComponents: components }, defaultCacheDir());
  if (problems.length) {
    for (const p of problems) io.err(`${formatProblem(p)}\n`);
    io.err(`sofa-ops: the inventory ${values.inventory} has ${problems.length} problem(s)\n`);
    return 2;
  }
  // Baselines (same time yesterday / last week) and consecutive periods come from the history.
  const ruleHistory = values.history ? await loadRuleHistory(path.resolve(values.history), new Date()) : [];
  let inspection: Inspection;
  try {
    if (values['from-ansible']) {
      inspection = await fromAnsible(values['from-ansible'], catalog, inventory, { product: values.product, component: values.component, target: values.target }, ruleHistory);
    } else {
      inspection = await overSsh(io, values, catalog, inventory, parallel, maxHandshakes, ruleHistory);
    }
  } catch (err) {
    if (err instanceof SelectorError || err instanceof ResultsError) {
      io.err(`sofa-ops: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  let history: Inspection[] = [];
  if (values.history) {
    const dir = path.resolve(values.history);
    history = (await loadHistory(dir, 19)).inspections;
    await saveInspection(dir, inspection);
  }
  const summary = summaryText(inspection, lang);
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

async function overSsh(io: CliIO, values: { target?: string; product?: string; component?: string; 'known-hosts'?: string[]; 'accept-new'?: boolean }, catalog: Catalog, inventory: Inventory, parallel: number, maxHandshakes: number, ruleHistory: Inspection[]): Promise<Inspection> {
  const hostKeys = await loadCliHostKeys(io, values['known-hosts']!);
  const unknownHosts = cliUnknownHostPolicy(io, !!values['accept-new']);
  const pool = new SshPool({ hostKeys, unknownHosts, prompter: terminalPrompter() }, { maxHandshakes });
  const abort = new AbortController();
  // Every host's command listens for the abort.
  setMaxListeners(0, abort.signal);
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    return await inspect(catalog, inventory, pool, { product: values.product, component: values.component, target: values.target }, { parallel, signal: abort.signal, history: ruleHistory, closeAfterHost: true });
  } finally {
    process.removeListener('SIGINT', onSigint);
    pool.dispose();
  }
}

/**
 * Judges what an exported inspection playbook gathered: the same plan as a live inspection, each
 * host's gathering re-derived and compared with what the playbook ran, then the same runner.
 */
async function fromAnsible(file: string, catalog: Catalog, inventory: Inventory, asked: InspectionScope, ruleHistory: Inspection[]): Promise<Inspection> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ResultsError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const results = parseAnsibleResults(text, file);
  for (const key of ['product', 'component', 'target'] as const) {
    if (asked[key] !== undefined && asked[key] !== results.scope[key]) {
      throw new ResultsError(`${file}: gathered for ${results.scope[key] ? `--${key} ${results.scope[key]}` : `every ${key}`}, not --${key} ${asked[key]} (the scope comes from the export)`);
    }
  }
  const plan = planFor(catalog, inventory, results.scope);
  const gathers = await recordGather(catalog, plan, results.scope, results.token);
  verifyGathers(results, gathers);
  return runInspection(catalog, plan, resultsTransport(results, gathers), results.scope, { history: ruleHistory });
}

/** 0 all pass; 1 any FAIL or ERROR; 2 nothing could be checked (see the usage text). */
export function exitCode(results: readonly CheckResult[]): number {
  const ran = results.filter((r) => !notRun(r.status));
  if (ran.length && ran.every((r) => r.status === 'error')) return 2;
  return ran.some((r) => r.status === 'fail' || r.status === 'error') ? 1 : 0;
}

/** The short summary: what needs attention, one line each, then the counts; in `lang`. */
export function summaryText(inspection: Inspection, lang: Lang = 'en'): string {
  const t = translator(lang);
  const lines: string[] = [];
  for (const r of inspection.results) {
    if (r.status === 'pass' || notRun(r.status)) continue;
    const threshold = resultText(r, 'threshold', lang);
    lines.push(`${statusWord(r.status, lang).padEnd(5)} ${r.product}/${r.checkId} @ ${r.host ?? r.component}: ${resultText(r, 'value', lang) ?? resultText(r, 'message', lang)}${threshold ? t(' (expected {0})', threshold) : ''} [§${r.section}]`);
    if (r.action && r.status === 'fail') lines.push(`      ${t('action: {0}', pick(r.action, lang))}`);
  }
  const c = countStatuses(inspection.results);
  const counts = t('{0} pass, {1} warn, {2} fail, {3} error, {4} manual', c.pass, c.warn, c.fail, c.error, c.manual) + (c.na ? t(', {0} n/a', c.na) : '');
  lines.push(t('{0}: {1} on {2} hosts in {3} s', statusWord(overall(inspection), lang), counts, inspection.hosts.length, (inspection.durationMs / 1000).toFixed(2)));
  return lines.join('\n') + '\n';
}
