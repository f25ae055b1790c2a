/** `sofa-ops catalog`: print the guide catalog, or fail with file:line problems. */
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../core/catalog/catalogLoader';
import { formatProblem } from '../core/sourceProblem';
import { catalogMembership, hostRef, summarizeMembership, type HostRef, type Member, type ProductMembers } from '../core/catalog/productMembership';
import { loadInventory } from '../core/inventory/inventory';
import { guideText, noteText, patternRemarks } from '../core/catalog/provenance';
import { flattenLanguage, pick } from '../core/catalog/text';
import type { Lang, Note } from '../core/catalog/types';
import { translator } from '../core/l10n';
import { cliLang, type CliIO, say, UsageError } from './io';

export const catalogUsage = `Usage: sofa-ops catalog [--json] [--lang zh|en] [--product ID] [--catalog DIR] [--inventory FILE]

Prints the operations guide as data: products, components, ports, logs, known log patterns,
monitoring thresholds, inspection checks and plans, each with its guide section. A component the
guide lists under two chapters (registry servers in §2 and §7) shows the same items in both; an
item from the other chapter is marked "from §N", and each product counts an item once.
  --json           machine-readable output (both languages unless --lang is given); each product's
                   "members" say which logs, patterns, checks, metrics, plans and hosts are listed
                   under which of its components, as the products tree shows them
  --lang zh|en     language of the text (default: en, or zh when LANG starts with zh)
  --product ID     only this product (e.g. registry, mq, dbp)
  --catalog DIR    read the catalog from DIR instead of the bundled runbooks/
  --inventory FILE also list the inventory's hosts under the components they serve
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
      inventory: { type: 'string' },
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
  let hosts: HostRef[] = [];
  if (values.inventory) {
    const loaded = await loadInventory(path.resolve(values.inventory));
    if (loaded.problems.length) {
      for (const problem of loaded.problems) io.err(`${formatProblem(problem)}\n`);
      io.err(`sofa-ops: the inventory ${values.inventory} has ${loaded.problems.length} problem(s)\n`);
      return 2;
    }
    hosts = loaded.inventory.hosts.map(hostRef);
  }
  // The same membership the products tree is built from.
  let members = catalogMembership(catalog, hosts);
  if (values.product) {
    members = members.filter((m) => m.product.product.id === values.product);
    if (!members.length) {
      throw new UsageError('no product "{0}"; known: {1}', values.product, catalog.products.map((p) => p.product.id).join(', '));
    }
  }
  const explicitLang = (values.lang ?? io.lang) as Lang | undefined;
  if (values.json) {
    const data = { products: members.map((m) => { const { files: _files, ...rest } = m.product; return { ...rest, members: summarizeMembership(m) }; }) };
    io.out(JSON.stringify(explicitLang ? flattenLanguage(data, explicitLang) : data, null, 2) + '\n');
    return 0;
  }
  const lang: Lang = cliLang(io, explicitLang);
  for (const m of members) io.out(describeProduct(m, lang, members.length === 1, values.inventory !== undefined));
  return 0;
}

function describeProduct(m: ProductMembers, lang: Lang, detailed: boolean, withHosts: boolean): string {
  const p = m.product;
  const all = m.all;
  const lines: string[] = [];
  const t = (text: Parameters<typeof pick>[0]) => pick(text, lang);
  const ui = translator(lang);
  // "13 logs (13 from §2)": counted once, and how many another chapter lists.
  const count = (items: Member<unknown>[], template: string) => {
    const shared = [...new Set(items.filter((x) => x.from).map((x) => x.from!.product.section))];
    const n = items.filter((x) => x.from).length;
    return `${ui(template, items.length)}${n ? ` ${ui('({0} from §{1})', n, shared.join(', §'))}` : ''}`;
  };
  lines.push(`${p.product.id}  ${t(p.product.name)}  [§${p.product.section}]`);
  lines.push(
    `  ${ui('{0} components', p.components.length)}, ${ui('{0} ports', p.components.reduce((n, c) => n + c.ports.length, 0))}, ${count(all.logs, '{0} logs')}, ` +
      `${count(all.patterns, '{0} patterns')}, ${count(all.metrics, '{0} metrics')}, ${count(all.checks, '{0} checks')}, ${count(all.plans, '{0} plans')}` +
      (withHosts ? `, ${ui('{0} hosts', all.hosts.length)}` : ''),
  );
  for (const c of m.components) {
    const ports = c.component.ports.map((port) => port.port).join(', ');
    const hosts = withHosts ? `  ${ui('hosts {0}', c.hosts.map((h) => h.name).join(', ') || '-')}` : '';
    lines.push(`  - ${c.component.id}: ${t(c.component.name)}${c.component.instances ? ` ×${c.component.instances}` : ''}${ports ? `  ${ui('ports {0}', ports)}` : ''}${hosts}`);
  }
  if (detailed) {
    // A zh text that is not the guide's words says so; what the catalog corrected follows the item.
    const g = (text: Parameters<typeof pick>[0]) => guideText(text, lang);
    const n = (note: Note | undefined) => (note ? `  (${noteText(note, lang)})` : '');
    const from = (x: Member<unknown>) => (x.from ? `  (${ui('from')} §${x.from.product.section} ${t(x.from.product.name)})` : '');
    section(lines, ui('Ports'), p.components.flatMap((c) => c.ports.map((port) => `${c.id}:${port.port}  ${g(port.purpose)}  [§${port.section}]${n(port.note)}`)));
    section(lines, ui('Logs'), all.logs.map((x) => `${x.item.path}  ${g(x.item.records)}  [§${x.item.section}]${n(x.item.note)}${from(x)}`));
    section(lines, ui('Log patterns'), all.patterns.map(({ item: x, ...rest }) => `[${ui(x.severity)}] "${x.match}"  ${g(x.explanation)} → ${g(x.action)}  [§${x.section}]${patternRemarks(x, lang).map((r) => `  (${r})`).join('')}${from({ item: x, ...rest })}`));
    section(lines, ui('Metrics and alerts'), all.metrics.map((x) => `${g(x.item.name)}: ${x.item.threshold ? g(x.item.threshold.text) : g(x.item.meaning)}${x.item.level ? ` (${x.item.level})` : ''}  [§${x.item.section}]${n(x.item.note)}${from(x)}`));
    section(lines, ui('Checks'), all.checks.map((x) => `${ui(x.item.kind)}: ${g(x.item.title)}${x.item.command ? `  $ ${x.item.command}` : ''}  [§${x.item.section}]${n(x.item.note)}${from(x)}`));
    section(lines, ui('Plans'), all.plans.map((x) => `${ui(x.item.kind)}: ${g(x.item.title)} ${ui('({0} steps)', x.item.steps.length)}  [§${x.item.section}]${n(x.item.note)}${from(x)}`));
  }
  return lines.join('\n') + '\n\n';
}

function section(lines: string[], title: string, items: string[]): void {
  if (!items.length) return;
  lines.push(`  ${title}:`);
  for (const item of items) lines.push(`    ${item}`);
}
