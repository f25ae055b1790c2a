/**
 * Reads `runbooks/<product>/catalog.yaml` and `*.catalog.yaml`, validates them against the schema
 * and across files (ids, references), and merges them into one Catalog. Every problem names its
 * file and line; a broken file is left out instead of breaking the whole catalog.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { Document, LineCounter, parseDocument } from 'yaml';
// Precompiled from the JSON schema (scripts/generate-validators.mjs): no schema compilation at run time.
import { validate as catalogValidator } from '../generated/catalogValidator';
import { dedupeErrors, describeSchemaError, lineOfPath } from '../yamlSource';
import type { Catalog, Check, ProductCatalog, Product } from './types';
import type { SourceProblem } from './problems';

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
    for (const e of entries) if (e.isDirectory()) folders.set(e.name, path.join(root, e.name));
  }
  const products: ProductCatalog[] = [];
  for (const [folder, dir] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
    const names = (await fs.readdir(dir)).filter(isCatalogFileName).sort();
    if (names.length === 0) continue;
    const parsed: ParsedFile[] = [];
    for (const name of names) {
      const file = path.join(dir, name);
      const result = parseCatalogFile(file, await fs.readFile(file, 'utf8'));
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
  const problems: SourceProblem[] = doc.errors.map((e) => ({
    file,
    line: lines.linePos(e.pos[0]).line,
    message: `YAML: ${e.message.split('\n')[0]}`,
  }));
  if (problems.length) return { problems };
  const data = doc.toJS() as unknown;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { problems: [{ file, line: 1, message: 'a catalog file must be a mapping with keys such as product, components, logs, patterns' }] };
  }
  const validate = catalogValidator;
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
  const needComponents = (item: object, ids: string[] | undefined, what: string) => {
    for (const id of ids ?? []) if (!componentIds.has(id)) report(item, `${what} refers to unknown component "${id}"`);
  };
  for (const p of products) {
    for (const list of [p.metrics, p.logs, p.checks, p.plans, p.patterns]) {
      for (const item of list) needComponents(item, item.components, `"${item.id}"`);
    }
    for (const pattern of p.patterns) {
      for (const logId of pattern.logs) if (!logIds.has(logId)) report(pattern, `pattern "${pattern.id}" refers to unknown log "${logId}"`);
      if (pattern.regex) checkRegex(pattern.match, (m) => report(pattern, `pattern "${pattern.id}": invalid regex: ${m}`));
    }
    for (const log of p.logs) {
      if (log.format?.regex) checkRegex(log.format.regex, (m) => report(log, `log "${log.id}" format: invalid regex: ${m}`));
      if (log.format && !log.format.regex && !log.format.separator) report(log, `log "${log.id}" format needs a separator or a regex`);
    }
    for (const check of p.checks) {
      const missing = missingForKind(check);
      if (missing) report(check, `check "${check.id}" of kind ${check.kind} needs \`${missing}\``);
      if (check.log && !logIds.has(check.log.logId)) report(check, `check "${check.id}" refers to unknown log "${check.log.logId}"`);
    }
    for (const plan of p.plans) {
      for (const step of [...(plan.checks ?? []), ...plan.steps, ...(plan.verification ?? []), ...(plan.rollback ?? [])]) {
        if (step.target && !componentIds.has(step.target)) report(plan, `plan "${plan.id}" has a step targeting unknown component "${step.target}"`);
      }
    }
  }
  return problems;
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

function checkRegex(source: string, onError: (message: string) => void): void {
  try {
    new RegExp(source);
  } catch (err) {
    onError((err as Error).message);
  }
}
