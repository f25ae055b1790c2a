/** `sofa-ops catalog`: print the guide catalog, or fail with file:line problems. */
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../core/catalog/catalogLoader';
import { formatProblem } from '../core/catalog/problems';
import { guideText, noteText, patternRemarks } from '../core/catalog/provenance';
import { flattenLanguage, pick } from '../core/catalog/text';
import type { Lang, Note, ProductCatalog } from '../core/catalog/types';
import { translator } from '../core/l10n';
import { cliLang, type CliIO, say, UsageError } from './io';

export const catalogUsage = `Usage: sofa-ops catalog [--json] [--lang zh|en] [--product ID] [--catalog DIR]

Prints the operations guide as data: products, components, ports, logs, known log patterns,
monitoring thresholds, inspection checks and plans, each with its guide section.
  --json         machine-readable output (both languages unless --lang is given)
  --lang zh|en   language of the text (default: en, or zh when LANG starts with zh)
  --product ID   only this product (e.g. registry, mq, dbp)
  --catalog DIR  read the catalog from DIR instead of the bundled runbooks/
Exit code: 0 valid, 1 the catalog has problems (printed as file:line: message), 2 usage error.
`;

export async function catalogCommand(args: string[], io: CliIO, defaultCatalogDir: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: 'boolean', default: false },
      lang: { type: 'string' },
      product: { type: 'string' },
      catalog: { type: 'string', default: defaultCatalogDir },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.out(say(io, values.lang, catalogUsage));
    return 0;
  }
  if (values.lang !== undefined && values.lang !== 'zh' && values.lang !== 'en') {
    throw new UsageError('--lang must be zh or en, not "{0}"', values.lang);
  }
  const { catalog, problems } = await loadCatalog(values.catalog!);
  if (problems.length) {
    for (const problem of problems) io.err(`${formatProblem({ ...problem, file: path.relative(process.cwd(), problem.file) || problem.file })}\n`);
    io.err(`sofa-ops: the catalog in ${values.catalog} has ${problems.length} problem(s)\n`);
    return 1;
  }
  let products = catalog.products;
  if (values.product) {
    products = products.filter((p) => p.product.id === values.product);
    if (!products.length) {
      throw new UsageError('no product "{0}"; known: {1}', values.product, catalog.products.map((p) => p.product.id).join(', '));
    }
  }
  const explicitLang = (values.lang ?? io.lang) as Lang | undefined;
  if (values.json) {
    const data = { products: products.map(({ files: _files, ...rest }) => rest) };
    io.out(JSON.stringify(explicitLang ? flattenLanguage(data, explicitLang) : data, null, 2) + '\n');
    return 0;
  }
  const lang: Lang = cliLang(io, explicitLang);
  for (const product of products) io.out(describeProduct(product, lang, products.length === 1));
  return 0;
}

function describeProduct(p: ProductCatalog, lang: Lang, detailed: boolean): string {
  const lines: string[] = [];
  const t = (text: Parameters<typeof pick>[0]) => pick(text, lang);
  const ui = translator(lang);
  lines.push(`${p.product.id}  ${t(p.product.name)}  [§${p.product.section}]`);
  lines.push(
    `  ${ui('{0} components, {1} ports, {2} logs, {3} patterns, {4} metrics, {5} checks, {6} plans', p.components.length, p.components.reduce((n, c) => n + c.ports.length, 0), p.logs.length, p.patterns.length, p.metrics.length, p.checks.length, p.plans.length)}`,
  );
  for (const c of p.components) {
    const ports = c.ports.map((port) => port.port).join(', ');
    lines.push(`  - ${c.id}: ${t(c.name)}${c.instances ? ` ×${c.instances}` : ''}${ports ? `  ${ui('ports {0}', ports)}` : ''}`);
  }
  if (detailed) {
    // A zh text that is not the guide's words says so; what the catalog corrected follows the item.
    const g = (text: Parameters<typeof pick>[0]) => guideText(text, lang);
    const n = (note: Note | undefined) => (note ? `  (${noteText(note, lang)})` : '');
    section(lines, ui('Ports'), p.components.flatMap((c) => c.ports.map((port) => `${c.id}:${port.port}  ${g(port.purpose)}  [§${port.section}]${n(port.note)}`)));
    section(lines, ui('Logs'), p.logs.map((l) => `${l.path}  ${g(l.records)}  [§${l.section}]${n(l.note)}`));
    section(lines, ui('Log patterns'), p.patterns.map((x) => `[${ui(x.severity)}] "${x.match}"  ${g(x.explanation)} → ${g(x.action)}  [§${x.section}]${patternRemarks(x, lang).map((r) => `  (${r})`).join('')}`));
    section(lines, ui('Metrics and alerts'), p.metrics.map((m) => `${g(m.name)}: ${m.threshold ? g(m.threshold.text) : g(m.meaning)}${m.level ? ` (${m.level})` : ''}  [§${m.section}]${n(m.note)}`));
    section(lines, ui('Checks'), p.checks.map((c) => `${ui(c.kind)}: ${g(c.title)}${c.command ? `  $ ${c.command}` : ''}  [§${c.section}]${n(c.note)}`));
    section(lines, ui('Plans'), p.plans.map((plan) => `${ui(plan.kind)}: ${g(plan.title)} ${ui('({0} steps)', plan.steps.length)}  [§${plan.section}]${n(plan.note)}`));
  }
  return lines.join('\n') + '\n\n';
}

function section(lines: string[], title: string, items: string[]): void {
  if (!items.length) return;
  lines.push(`  ${title}:`);
  for (const item of items) lines.push(`    ${item}`);
}
