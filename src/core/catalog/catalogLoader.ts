/**
 * Reads `runbooks/<product>/catalog.yaml` and `*.catalog.yaml`, validates them against the schema
 * and across files (ids, references), and merges them into one Catalog. Every problem names its
 * file and line; a broken file is left out instead of breaking the whole catalog.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { Document, LineCounter, parseDocument } from 'yaml';
import { documentData, yamlErrorText } from '../yamlData';
import { dedupeErrors, describeSchemaError, lineOfPath } from '../yamlSource';
import { needsMonitoring } from '../checks/ruleModel';
import { regexProblem } from './regexSafety';
import type { Catalog, Check, ProductCatalog, Product } from './types';
import type { SourceProblem } from '../sourceProblem';

export interface CatalogLoadResult {
  catalog: Catalog;
  problems: SourceProblem[];
}

export interface SourceLocation {
  file: string;
  line: number;
}

type ListKey = 'components' | 'metrics' | 'logs' | 'patterns' | 'checks' | 'plans';
const LIST_KEYS: ListKey[] = ['components', 'metrics', 'logs', 'patterns', 'checks', 'plans'];

/** Where each loaded item came from, for error messages and "reveal in catalog file". */
const locations = new WeakMap<object, SourceLocation>();

export function locationOf(item: object): SourceLocation | undefined {
  return locations.get(item);
}

export function isCatalogFileName(name: string): boolean {
  return /^(?:.+\.)?catalog\.ya?ml$/.test(name);
}


interface ParsedFile {
  file: string;
  doc: Document;
  lines: LineCounter;
  data: Record<string, unknown>;
}

/**
 * Load every product folder under the given roots (the bundled `runbooks/`, then any workspace
 * catalog folders). A later root's product folder replaces an earlier one of the same name, so a
 * team can adapt a product to its own site without forking the extension.
 * Problem and item locations carry absolute file paths.
 */
export async function loadCatalog(roots: string | string[]): Promise<CatalogLoadResult> {
  const problems: SourceProblem[] = [];
  const folders = new Map<string, string>();
  for (const root of Array.isArray(roots) ? roots : [roots]) {
    let entries: import('fs').Dirent[];
    try {
      entries = await fs.readdir(root, { withFileTypes: true });
    } catch (err) {
      problems.push({ file: root, line: 1, message: `cannot read catalog folder: ${(err as Error).message}` });
      continue;
    }
    let found = 0;
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const dir = path.join(root, e.name);
      const names = await catalogFileNames(dir, problems);
      if (!names.length) continue;
      found += names.length;
      folders.set(e.name, dir);
    }
    // An empty or mistyped --catalog folder must not read as "a catalog without problems".
    if (!found) problems.push({ file: root, line: 1, message: 'no catalog files here: expected product folders holding catalog.yaml (e.g. registry/catalog.yaml)' });
  }
  const products: ProductCatalog[] = [];
  for (const [folder, dir] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    const names = await catalogFileNames(dir, []);
    if (names.length === 0) continue;
    const parsed: ParsedFile[] = [];
    for (const name of names) {
      const file = path.join(dir, name);
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        problems.push({ file, line: 1, message: `cannot read catalog file: ${(err as Error).message}` });
        continue;
      }
      const result = parseCatalogFile(file, text);
      problems.push(...result.problems);
      if (result.parsed) parsed.push(result.parsed);
    }
    const product = mergeProduct(folder, parsed, problems);
    if (product) products.push(product);
  }
  problems.push(...crossCheck(products));
  // Chapter order, as the guide's readers know it (2 微服务平台 … 12 快速故障排查).
  products.sort((a, b) => compareSections(a.product.section, b.product.section) || a.product.id.localeCompare(b.product.id));
  return { catalog: { products }, problems };
}

/** Catalog file names in a product folder, sorted; an unreadable folder is a problem, not a crash. */
async function catalogFileNames(dir: string, problems: SourceProblem[]): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter(isCatalogFileName).sort();
  } catch (err) {
    problems.push({ file: dir, line: 1, message: `cannot read catalog folder: ${(err as Error).message}` });
    return [];
  }
}

export function compareSections(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

/** Parse and schema-check one file's text. Exported for unit tests and editor diagnostics. */
export function parseCatalogFile(file: string, text: string): { parsed?: ParsedFile; problems: SourceProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  // Warnings too: YAML the reader did not understand (an unknown !!tag read as plain text).
  const problems: SourceProblem[] = [...doc.errors, ...doc.warnings].map((e) => ({
    file,
    line: lines.linePos(e.pos[0]).line,
    message: `YAML: ${yamlErrorText(e.message)}`,
  }));
  if (problems.length) return { problems };
  const read = documentData(doc, lines);
  if (!('data' in read)) return { problems: [{ file, line: read.line, message: read.message }] };
  const data = read.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [{ file, line: 1, message: 'a catalog file must be a mapping with keys such as product, components, logs, patterns' }] };
  }
  // Precompiled from the JSON schema (scripts/generate-validators.mjs), loaded on first use: the
  // bundle ships it as dist/validator-catalog.js (scripts/build.mjs), off the activation path.
  const { validate } = require('../generated/catalogValidator') as typeof import('../generated/catalogValidator');
  if (!validate(data)) {
    for (const error of dedupeErrors(validate.errors ?? [])) {
      problems.push({ file, line: lineOfPath(doc, lines, error.instancePath), message: describeSchemaError(error) });
    }
    return { problems };
  }
  const parsed: ParsedFile = { file, doc, lines, data: data as Record<string, unknown> };
  for (const key of LIST_KEYS) {
    const list = parsed.data[key] as object[] | undefined;
    list?.forEach((item, index) => locations.set(item, { file, line: lineOfPath(doc, lines, `/${key}/${index}`) }));
  }
  if (parsed.data.product) locations.set(parsed.data.product as object, { file, line: lineOfPath(doc, lines, '/product') });
  return { parsed, problems };
}

function mergeProduct(folder: string, files: ParsedFile[], problems: SourceProblem[]): ProductCatalog | undefined {
  const declaring = files.filter((f) => f.data.product);
  if (declaring.length === 0) {
    if (files.length) problems.push({ file: files[0].file, line: 1, message: `no file in ${path.dirname(files[0].file)} declares \`product\`; add it to catalog.yaml` });
    return undefined;
  }
  for (const extra of declaring.slice(1)) {
    problems.push({ file: extra.file, line: lineOfPath(extra.doc, extra.lines, '/product'), message: `\`product\` is already declared in ${path.basename(declaring[0].file)}` });
  }
  const product = declaring[0].data.product as Product;
  if (product.id !== folder) {
    problems.push({ file: declaring[0].file, line: lineOfPath(declaring[0].doc, declaring[0].lines, '/product/id'), message: `product id "${product.id}" must match its folder name "${folder}"` });
  }
  const merged: ProductCatalog = { product, components: [], metrics: [], logs: [], patterns: [], checks: [], plans: [], files: files.map((f) => f.file) };
  for (const f of files) {
    for (const key of LIST_KEYS) {
      const list = f.data[key] as never[] | undefined;
      if (list) (merged[key] as never[]).push(...list);
    }
  }
  return merged;
}

function at(item: object): SourceLocation {
  return locations.get(item) ?? { file: '?', line: 1 };
}

/** Rules a JSON schema cannot say: unique ids, references that resolve, kind-specific fields. */
function crossCheck(products: ProductCatalog[]): SourceProblem[] {
  const problems: SourceProblem[] = [];
  const report = (item: object, message: string) => problems.push({ ...at(item), message });
  const seen = new Map<string, object>();
  for (const p of products) {
    for (const key of LIST_KEYS) {
      for (const item of p[key] as Array<{ id: string }>) {
        const namespaced = `${key}:${item.id}`;
        const first = seen.get(namespaced);
        if (first) {
          const where = at(first);
          report(item, `duplicate ${key.replace(/s$/, '')} id "${item.id}" (first defined at ${where.file}:${where.line})`);
        } else {
          seen.set(namespaced, item);
        }
      }
    }
  }
  const componentIds = new Set(products.flatMap((p) => p.components.map((c) => c.id)));
  const logIds = new Set(products.flatMap((p) => p.logs.map((l) => l.id)));
  const checkIds = new Set(products.flatMap((p) => p.checks.map((c) => c.id)));
  const needComponents = (item: object, ids: string[] | undefined, what: string) => {
    for (const id of ids ?? []) if (!componentIds.has(id)) report(item, `${what} refers to unknown component "${id}"`);
  };
  for (const p of products) {
    for (const list of [p.metrics, p.logs, p.checks, p.plans, p.patterns]) {
      for (const item of list) needComponents(item, item.components, `"${item.id}"`);
    }
    // A regex that is invalid or can backtrack catastrophically is reported and its item left out,
    // so a scan runs with the rest of the catalog instead of crashing or hanging on it.
    p.patterns = p.patterns.filter((pattern) => {
      for (const logId of pattern.logs) if (!logIds.has(logId)) report(pattern, `pattern "${pattern.id}" refers to unknown log "${logId}"`);
      // The guide names no application log file: such a line must be explained in any log.
      if (pattern.applicationLogs && pattern.logs.length) report(pattern, `pattern "${pattern.id}" appears in the applications' logs (applicationLogs), so \`logs\` must be empty, not ${pattern.logs.join(', ')}`);
      const bad = pattern.regex ? regexProblem(pattern.match) : undefined;
      if (bad) report(pattern, `pattern "${pattern.id}": ${bad}; the pattern is not used`);
      return !bad;
    });
    for (const log of p.logs) {
      const badFormat = log.format?.regex ? regexProblem(log.format.regex, 'd') : undefined;
      if (badFormat) {
        report(log, `log "${log.id}" format: ${badFormat}; the field format is not used`);
        delete log.format;
      }
      if (log.format && !log.format.regex && !log.format.separator) report(log, `log "${log.id}" format needs a separator or a regex`);
      for (const field of log.format?.fields ?? []) {
        const badRule = field.bad?.regex !== undefined ? regexProblem(field.bad.regex) : undefined;
        if (badRule) {
          report(log, `log "${log.id}" field "${field.name}" bad.regex: ${badRule}; the rule is not used`);
          delete field.bad;
        }
      }
    }
    p.checks = p.checks.filter((check) => {
      const bad = check.expect?.regex !== undefined ? regexProblem(check.expect.regex) : undefined;
      if (bad) report(check, `check "${check.id}" expect.regex: ${bad}; the check is not used`);
      return !bad;
    });
    for (const check of p.checks) {
      const missing = missingForKind(check);
      if (missing) report(check, `check "${check.id}" of kind ${check.kind} needs \`${missing}\``);
      if (check.log && !logIds.has(check.log.logId)) report(check, `check "${check.id}" refers to unknown log "${check.log.logId}"`);
      const rule = ruleProblem(check);
      if (rule) report(check, `check "${check.id}": ${rule}`);
    }
    for (const metric of p.metrics) {
      if (metric.manual && metric.inspectedBy) report(metric, `metric "${metric.id}" is both manual and inspectedBy checks; say one`);
      for (const id of metric.inspectedBy ?? []) if (!checkIds.has(id)) report(metric, `metric "${metric.id}" inspectedBy unknown check "${id}"`);
    }
    for (const plan of p.plans) {
      for (const step of [...(plan.checks ?? []), ...plan.steps, ...(plan.verification ?? []), ...(plan.rollback ?? [])]) {
        if (step.target && !componentIds.has(step.target)) report(plan, `plan "${plan.id}" has a step targeting unknown component "${step.target}"`);
      }
    }
  }
  return problems;
}

/** What the rule model cannot judge as written (a JSON schema cannot say it). */
function ruleProblem(check: Check): string | undefined {
  if (check.kind === 'log' && check.log && check.log.maxCount === undefined && !check.condition) return 'a log check needs log.maxCount or a condition';
  if (check.rule === 'count-hosts' && (!check.http || !JSON.stringify(check.condition ?? {}).includes('"hosts"'))) return 'rule count-hosts needs http and a hosts condition';
  if (check.kind !== 'manual' && (needsMonitoring(check.condition) || needsMonitoring(check.minor))) return 'a condition on a monitoring metric cannot be inspected over SSH: make the check kind manual with a manualReason';
  if (check.kind !== 'log' && check.kind !== 'manual' && /"window"/.test(JSON.stringify([check.condition, check.minor]))) return 'a condition with a window counts log lines: only a log check has them';
  return undefined;
}

function missingForKind(check: Check): string | undefined {
  switch (check.kind) {
    case 'resource': return !check.resource ? 'resource' : !check.threshold ? 'threshold' : undefined;
    case 'port': return check.ports?.length ? undefined : 'ports';
    case 'http': return check.http ? undefined : 'http';
    case 'command': return check.command ? undefined : 'command';
    case 'process': return check.process ? undefined : 'process';
    case 'log': return check.log ? undefined : 'log';
    case 'composite': return check.rule ? undefined : 'rule';
    case 'manual': return undefined;
  }
}
