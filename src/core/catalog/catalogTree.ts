/**
 * The products tree as plain data: products → components → Ports, Logs, Checks, Alerts, Runbooks,
 * Emergency plans… Editor-free so it is unit-tested in Node; src/tree adapts it to a TreeView.
 */
import { guideText, noteText, patternRemarks } from './provenance';
import { pick } from './text';
import { describeCondition } from '../checks/ruleModel';
import type { Applicability, Bilingual, Catalog, Check, Component, Condition, Lang, LogFile, LogPattern, ManualReason, Metric, Note, Plan, ProductCatalog, Sampling } from './types';

export type CatalogNodeKind =
  | 'product' | 'component' | 'group' | 'port' | 'log' | 'pattern' | 'check' | 'metric' | 'plan' | 'runbook' | 'host' | 'message';

export interface CatalogNode {
  /** Stable across reloads, so expansion state and reveal survive a refresh. */
  id: string;
  kind: CatalogNodeKind;
  label: string;
  description?: string;
  /** Markdown shown on hover. */
  tooltip?: string;
  /** Guide section the node comes from, for "open guide section". */
  section?: string;
  /** Icon hint: a severity for patterns, the group name for groups. */
  icon?: string;
  /** Runbook file to open, for runbook nodes. */
  file?: string;
  /** Inventory host name, for host nodes. */
  host?: string;
  /** Catalog log id, for log nodes (to open the log on a host). */
  log?: string;
  parent?: CatalogNode;
  children: CatalogNode[];
}

/** An inventory host as the tree shows it under the component it serves. */
export interface HostRef {
  name: string;
  /** host:port as the user would type it. */
  address: string;
  component?: string;
  /** Catalog product the host belongs to; its group of that name is not a component it serves. */
  product?: string;
  groups: string[];
}

export interface RunbookRef {
  product: string;
  file: string;
  title: string;
  components: string[];
}

/** Localised fixed labels; the editor passes its translated strings, the CLI/tests the English ones. */
export interface TreeLabels {
  ports: string;
  logs: string;
  checks: string;
  alerts: string;
  runbooks: string;
  emergencyPlans: string;
  scenarios: string;
  procedures: string;
  general: string;
  hosts: string;
  anyLog: string;
  section: string;
  action: string;
  threshold: string;
  /** The structured rule (conditions, levels, sampling). */
  rule: string;
  /** A rule SSH inspection does not judge. */
  manual: string;
  appliesTo: string;
  inspectedBy: string;
}

export const englishTreeLabels: TreeLabels = {
  ports: 'Ports', logs: 'Logs', checks: 'Checks', alerts: 'Alerts', runbooks: 'Runbooks',
  emergencyPlans: 'Emergency plans', scenarios: 'Scenarios', procedures: 'Procedures', general: 'General', hosts: 'Hosts',
  anyLog: 'Any log', section: 'Guide §', action: 'Action', threshold: 'Threshold',
  rule: 'Rule', manual: 'MANUAL', appliesTo: 'Applies to', inspectedBy: 'Inspected by',
};

export interface TreeInputs {
  labels?: TreeLabels;
  runbooks?: RunbookRef[];
  /** Inventory hosts, listed under the components they serve. */
  hosts?: HostRef[];
}

export function buildCatalogTree(catalog: Catalog, lang: Lang, inputs: TreeInputs = {}): CatalogNode[] {
  const t = tr(lang);
  const labels = inputs.labels ?? englishTreeLabels;
  // A component's logs may be listed under another product (the registry servers' logs are in
  // chapter 2, the registry components in chapter 7): components see every product's logs.
  const shared: SharedLogs = { logs: catalog.products.flatMap((p) => p.logs), patterns: catalog.products.flatMap((p) => p.patterns) };
  return catalog.products.map((p) => productNode(p, t, labels, (inputs.runbooks ?? []).filter((r) => r.product === p.product.id), inputs.hosts ?? [], shared));
}

/**
 * Text for labels (`t`), and for tooltips: `t.g` marks a zh text that is not the guide's verbatim
 * words, `t.note` is what the catalog corrected in the guide (a quote block; `t.noteInline` for a
 * list item or step), `t.remarks` a pattern's extras (where the line appears, its note).
 */
interface Translate {
  (text: Bilingual | undefined): string;
  g: (text: Bilingual | undefined) => string;
  note: (note: Note | undefined) => string;
  noteInline: (note: Note | undefined) => string;
  remarks: (pattern: LogPattern) => string;
}

function tr(lang: Lang): Translate {
  const quote = (text: string) => (text ? `\n\n> ${text.replace(/\n/g, '\n> ')}` : '');
  const t = ((text: Bilingual | undefined) => pick(text, lang)) as Translate;
  t.g = (text) => guideText(text, lang);
  t.note = (note) => quote(noteText(note, lang));
  t.noteInline = (note) => (note ? ` — *${noteText(note, lang).replace(/\n/g, ' ')}*` : '');
  t.remarks = (pattern) => patternRemarks(pattern, lang).map(quote).join('');
  return t;
}

function node(parent: CatalogNode | undefined, partial: Omit<CatalogNode, 'children' | 'parent'>): CatalogNode {
  const created: CatalogNode = { ...partial, parent, children: [] };
  parent?.children.push(created);
  return created;
}

interface SharedLogs {
  logs: LogFile[];
  patterns: LogPattern[];
}

function productNode(p: ProductCatalog, t: Translate, labels: TreeLabels, runbooks: RunbookRef[], hosts: HostRef[], shared: SharedLogs): CatalogNode {
  const root = node(undefined, {
    id: `product:${p.product.id}`,
    kind: 'product',
    label: t(p.product.name),
    description: `§${p.product.section}`,
    tooltip: `**${t(p.product.name)}** — ${labels.section}${p.product.section}\n\n${t.g(p.product.summary)}`,
    section: p.product.section,
  });
  const own = new Set(p.components.map((c) => c.id));
  // An item naming none of this product's components (none at all, or another product's, as the
  // DDS emergency plan does for antscheduler/drmdata) belongs to the product as a whole.
  const belongsTo = (component: string | undefined) => (item: { components?: string[] }) =>
    component === undefined ? !item.components?.some((c) => own.has(c)) : item.components?.includes(component) ?? false;

  for (const c of p.components) {
    const cn = node(root, {
      id: `${root.id}/component:${c.id}`,
      kind: 'component',
      label: c.id,
      description: `${t(c.name)}${c.instances ? ` ×${c.instances}` : ''}`,
      tooltip: componentTooltip(c, t, labels),
      section: c.section,
    });
    // A group named after a component means the host serves it (Ansible inventories), except the
    // host's product group: acvip-metadata-rds hosts are in group "acvip", not component acvip's.
    const serving = hosts.filter((h) => h.component === c.id || (h.groups.includes(c.id) && h.product !== c.id));
    if (serving.length) {
      // Hosts first: the operator's usual path is component → container → log or shell.
      const hostGroup = node(cn, { id: `${cn.id}/hosts`, kind: 'group', label: labels.hosts, icon: 'hosts' });
      for (const h of serving) node(hostGroup, { id: `${hostGroup.id}/${h.name}`, kind: 'host', label: h.name, description: h.address, host: h.name });
    }
    fillGroups(cn, p, belongsTo(c.id), t, labels, runbooks.filter((r) => r.components.includes(c.id)), shared);
  }
  // Items that name no component (e.g. chapter 12's general procedures) and runbooks for the
  // product as a whole go under a "General" node so nothing in the catalog is unreachable.
  const general = node(undefined, { id: `${root.id}/general`, kind: 'group', label: labels.general, icon: 'general' });
  fillGroups(general, p, belongsTo(undefined), t, labels, runbooks.filter((r) => !r.components.length), { logs: p.logs, patterns: p.patterns });
  if (general.children.length) {
    general.parent = root;
    root.children.push(general);
  }
  return root;
}

function fillGroups(
  owner: CatalogNode,
  p: ProductCatalog,
  belongs: (item: { components?: string[] }) => boolean,
  t: Translate,
  labels: TreeLabels,
  runbooks: RunbookRef[],
  shared: SharedLogs,
): void {
  const group = (key: string, label: string) =>
    node(owner, { id: `${owner.id}/${key}`, kind: 'group', label, icon: key });
  const drop = (g: CatalogNode) => {
    if (!g.children.length) owner.children.splice(owner.children.indexOf(g), 1);
  };

  if (owner.kind === 'component') {
    const component = p.components.find((c) => owner.id.endsWith(`/component:${c.id}`));
    const ports = group('ports', labels.ports);
    for (const port of component?.ports ?? []) {
      node(ports, { id: `${ports.id}/${port.port}`, kind: 'port', label: String(port.port), description: t(port.purpose), tooltip: `**${port.port}** — ${t.g(port.purpose)}${t.note(port.note)}\n\n${labels.section}${port.section}`, section: port.section });
    }
    drop(ports);
  }

  const logs = group('logs', labels.logs);
  const logsHere = shared.logs.filter(belongs);
  for (const log of logsHere) {
    const ln = node(logs, { id: `${logs.id}/${log.id}`, kind: 'log', label: log.name, description: log.path, tooltip: logTooltip(log, t, labels), section: log.section, log: log.id });
    for (const pattern of shared.patterns.filter((x) => x.logs.includes(log.id))) patternNode(ln, pattern, t, labels);
  }
  // Patterns not tied to a specific file (client-side messages, "any log") for this owner.
  const unbound = p.patterns.filter((x) => !x.logs.length && belongs(x));
  if (unbound.length) {
    const any = node(logs, { id: `${logs.id}/any`, kind: 'group', label: labels.anyLog, icon: 'anyLog' });
    for (const pattern of unbound) patternNode(any, pattern, t, labels);
  }
  drop(logs);

  const checks = group('checks', labels.checks);
  for (const check of p.checks.filter(belongs)) checkNode(checks, check, t, labels);
  drop(checks);

  const alerts = group('alerts', labels.alerts);
  for (const metric of p.metrics.filter(belongs)) metricNode(alerts, metric, t, labels);
  drop(alerts);

  const runbookGroup = group('runbooks', labels.runbooks);
  for (const r of runbooks) node(runbookGroup, { id: `${runbookGroup.id}/${r.file}`, kind: 'runbook', label: r.title, file: r.file });
  drop(runbookGroup);

  for (const [kind, key, label] of [
    ['emergency', 'emergency', labels.emergencyPlans],
    ['scenario', 'scenarios', labels.scenarios],
    ['procedure', 'procedures', labels.procedures],
  ] as const) {
    const g = group(key, label);
    for (const plan of p.plans.filter((x) => x.kind === kind && belongs(x))) planNode(g, plan, t, labels);
    drop(g);
  }
}

function patternNode(parent: CatalogNode, x: LogPattern, t: Translate, labels: TreeLabels): void {
  node(parent, {
    id: `${parent.id}/${x.id}`,
    kind: 'pattern',
    label: x.match,
    description: x.severity,
    icon: x.severity,
    section: x.section,
    tooltip: `**${x.severity.toUpperCase()}** \`${x.match}\`\n\n${t.g(x.explanation)}\n\n**${labels.action}:** ${t.g(x.action)}${t.remarks(x)}\n\n${labels.section}${x.section}`,
  });
}

function checkNode(parent: CatalogNode, c: Check, t: Translate, labels: TreeLabels): void {
  const detail = c.command ? `\n\n\`\`\`sh\n${c.command}\n\`\`\`` : c.http ? `\n\n\`GET :${c.http.port}${c.http.path}\`` : c.ports ? `\n\n${c.ports.join(', ')}` : '';
  node(parent, {
    id: `${parent.id}/${c.id}`,
    kind: 'check',
    label: t(c.title),
    description: c.kind,
    icon: c.kind,
    section: c.section,
    tooltip: `**${t.g(c.title)}**${detail}\n\n✔ ${t.g(c.passWhen)}${ruleLines(c, t, labels)}${c.action ? `\n\n**${labels.action}:** ${t.g(c.action)}` : ''}${t.note(c.note)}\n\n${labels.section}${c.section}`,
  });
}

/** The structured rule under an item's hover: condition (and minor level), sampling, versions, why MANUAL. */
function ruleLines(x: { condition?: Condition; minor?: Condition; severity?: string; sampling?: Sampling; appliesTo?: Applicability[]; manual?: ManualReason; manualReason?: ManualReason; inspectedBy?: string[] }, t: Translate, labels: TreeLabels): string {
  const out: string[] = [];
  if (x.condition) out.push(`**${labels.rule}:** \`${describeCondition(x.condition)}\`${x.severity ? ` (${x.severity === 'major' ? '重大 major' : '次要 minor'})` : ''}${x.minor ? `; 次要 minor: \`${describeCondition(x.minor)}\`` : ''}`);
  const s = x.sampling;
  if (s) out.push([s.interval && `interval ${s.interval}`, s.window && `window ${s.window}`, s.consecutive && `${s.consecutive} consecutive periods`, s.repeat && `repeat ${s.repeat}`].filter(Boolean).join(', '));
  if (x.appliesTo?.length) out.push(`**${labels.appliesTo}:** ${x.appliesTo.map((a) => `${a.of} ${a.range}`).join(', ')}`);
  if (x.inspectedBy?.length) out.push(`**${labels.inspectedBy}:** ${x.inspectedBy.join(', ')}`);
  const reason = x.manual ?? x.manualReason;
  if (reason) out.push(`**${labels.manual}:** ${t(reason)}`);
  return out.length ? `\n\n${out.join('\n\n')}` : '';
}

function metricNode(parent: CatalogNode, m: Metric, t: Translate, labels: TreeLabels): void {
  node(parent, {
    id: `${parent.id}/${m.id}`,
    kind: 'metric',
    label: t(m.name),
    description: [m.threshold ? t(m.threshold.text) : '', m.level ?? '', m.manual ? labels.manual : ''].filter(Boolean).join(' · '),
    section: m.section,
    tooltip: `**${t.g(m.name)}**\n\n${t.g(m.meaning)}${m.threshold ? `\n\n**${labels.threshold}:** ${t.g(m.threshold.text)}` : ''}${ruleLines(m, t, labels)}${m.action ? `\n\n**${labels.action}:** ${t.g(m.action)}` : ''}${t.note(m.note)}\n\n${labels.section}${m.section}`,
  });
}

function planNode(parent: CatalogNode, plan: Plan, t: Translate, labels: TreeLabels): void {
  const steps = plan.steps.map((s, i) => `${i + 1}. ${t.g(s.text)}${s.command ? ` \`${s.command}\`` : ''}${t.noteInline(s.note)}`).join('\n');
  node(parent, {
    id: `${parent.id}/${plan.id}`,
    kind: 'plan',
    label: t(plan.title),
    description: [`§${plan.section}`, ...(plan.appliesTo ?? []).map((a) => `${a.of} ${a.range}`)].join(' · '),
    section: plan.section,
    tooltip: `**${t.g(plan.title)}**${plan.problem ? `\n\n${t.g(plan.problem)}` : ''}${ruleLines(plan, t, labels)}\n\n${steps}${t.note(plan.note)}\n\n${labels.section}${plan.section}`,
  });
}

function componentTooltip(c: Component, t: Translate, labels: TreeLabels): string {
  const size = c.size ? `\n\n${c.instances ?? ''}× ${c.size.text}` : '';
  const ports = c.ports.length ? `\n\n${c.ports.map((p) => `- **${p.port}** ${t.g(p.purpose)}${t.noteInline(p.note)}`).join('\n')}` : '';
  return `**${c.id}** — ${t.g(c.name)}\n\n${t.g(c.role)}${size}${ports}${t.note(c.note)}\n\n${labels.section}${c.section}`;
}

function logTooltip(log: LogFile, t: Translate, labels: TreeLabels): string {
  const sample = log.samples?.length ? `\n\n\`\`\`\n${log.samples[0]}\n\`\`\`` : '';
  return `**${log.name}** \`${log.path}\`\n\n${t.g(log.records)}${sample}${t.note(log.note)}\n\n${labels.section}${log.section}`;
}

/** Walk a forest depth-first. */
export function* walkNodes(nodes: CatalogNode[]): Generator<CatalogNode> {
  for (const n of nodes) {
    yield n;
    yield* walkNodes(n.children);
  }
}
