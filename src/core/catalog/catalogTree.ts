/**
 * The products tree as plain data: products → components → Ports, Logs, Checks, Alerts, Runbooks,
 * Emergency plans… Editor-free so it is unit-tested in Node; src/tree adapts it to a TreeView.
 */
import { guideText, noteText, patternRemarks } from './provenance';
import { catalogMembership, patternsOf, type HostRef, type Member, type Members, type ProductMembers } from './productMembership';
import type { NodeScope } from './nodeScope';
import { pick } from './text';
import { describeCondition } from '../checks/ruleModel';
import { severityWord, translator, type Translate as Localize } from '../l10n';
import type { Applicability, Bilingual, Catalog, Check, Component, Condition, Lang, LogFile, LogPattern, ManualReason, Metric, Note, Plan, Sampling } from './types';

export type { HostRef } from './productMembership';

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
  /** What the node is about (product, component, host, log, entry): read it with `scopeOf`, never from `id`. */
  scope: NodeScope;
  parent?: CatalogNode;
  children: CatalogNode[];
}

export interface RunbookRef {
  product: string;
  file: string;
  title: string;
  components: string[];
}

/** Fixed labels, in the catalog language by default (`treeLabelsFor`); a caller may pass its own. */
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
  /** Marks an item another chapter lists (a component the guide lists under two chapters): "from §2". */
  from: string;
}

/** The labels in `lang`, from the extension's l10n bundle (the same strings the editor translates). */
export function treeLabelsFor(lang: Lang): TreeLabels {
  const t = translator(lang);
  return {
    ports: t('Ports'), logs: t('Logs'), checks: t('Checks'), alerts: t('Alerts'), runbooks: t('Runbooks'),
    emergencyPlans: t('Emergency plans'), scenarios: t('Scenarios'), procedures: t('Procedures'), general: t('General'), hosts: t('Hosts'),
    anyLog: t('Any log'), section: t('Guide §'), action: t('Action'), threshold: t('Threshold'),
    rule: t('Rule'), manual: t('MANUAL (not inspected)'), appliesTo: t('Applies to'), inspectedBy: t('Inspected by'), from: t('from'),
  };
}

export interface TreeInputs {
  labels?: TreeLabels;
  runbooks?: RunbookRef[];
  /** Inventory hosts, listed under the components they serve. */
  hosts?: HostRef[];
}

export function buildCatalogTree(catalog: Catalog, lang: Lang, inputs: TreeInputs = {}): CatalogNode[] {
  const t = tr(lang);
  const labels = inputs.labels ?? treeLabelsFor(lang);
  // What belongs where is decided once, in core, for the tree and `sofa-ops catalog` alike.
  return catalogMembership(catalog, inputs.hosts ?? []).map((m) => productNode(catalog, m, t, labels, (inputs.runbooks ?? []).filter((r) => r.product === m.product.product.id)));
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
  /** The tree's own words (severities, check kinds, rule words) in the same language. */
  ui: Localize;
}

function tr(lang: Lang): Translate {
  const quote = (text: string) => (text ? `\n\n> ${text.replace(/\n/g, '\n> ')}` : '');
  const t = ((text: Bilingual | undefined) => pick(text, lang)) as Translate;
  t.g = (text) => guideText(text, lang);
  t.note = (note) => quote(noteText(note, lang));
  t.noteInline = (note) => (note ? ` — *${noteText(note, lang).replace(/\n/g, ' ')}*` : '');
  t.remarks = (pattern) => patternRemarks(pattern, lang).map(quote).join('');
  t.ui = translator(lang);
  return t;
}

/** A node under `parent`: its scope is the parent's narrowed by `scope`. */
function node(parent: CatalogNode | undefined, partial: Omit<CatalogNode, 'children' | 'parent' | 'scope'>, scope: NodeScope = {}): CatalogNode {
  const created: CatalogNode = { ...partial, scope: { ...parent?.scope, ...scope }, parent, children: [] };
  parent?.children.push(created);
  return created;
}

function productNode(catalog: Catalog, m: ProductMembers, t: Translate, labels: TreeLabels, runbooks: RunbookRef[]): CatalogNode {
  const p = m.product;
  const root = node(undefined, {
    id: `product:${p.product.id}`,
    kind: 'product',
    label: t(p.product.name),
    description: `§${p.product.section}`,
    tooltip: `**${t(p.product.name)}** — ${labels.section}${p.product.section}\n\n${t.g(p.product.summary)}`,
    section: p.product.section,
  }, { product: p.product.id });
  const ctx: Fill = { catalog, t, labels };
  for (const members of m.components) {
    const c = members.component;
    const cn = node(root, {
      id: `${root.id}/component:${c.id}`,
      kind: 'component',
      label: c.id,
      description: `${t(c.name)}${c.instances ? ` ×${c.instances}` : ''}`,
      tooltip: componentTooltip(c, t, labels),
      section: c.section,
    }, { component: c.id });
    if (members.hosts.length) {
      // Hosts first: the operator's usual path is component → container → log or shell.
      const hostGroup = node(cn, { id: `${cn.id}/hosts`, kind: 'group', label: labels.hosts, icon: 'hosts' });
      for (const h of members.hosts) node(hostGroup, { id: `${hostGroup.id}/${h.name}`, kind: 'host', label: h.name, description: h.address }, { host: h.name });
    }
    fillGroups(cn, c, members, ctx, runbooks.filter((r) => r.components.includes(c.id)));
  }
  // Items that name no component (e.g. chapter 12's general procedures) and runbooks for the
  // product as a whole go under a "General" node so nothing in the catalog is unreachable.
  const general = node(undefined, { id: `${root.id}/general`, kind: 'group', label: labels.general, icon: 'general' }, root.scope);
  fillGroups(general, undefined, m.general, ctx, runbooks.filter((r) => !r.components.length));
  if (general.children.length) {
    general.parent = root;
    root.children.push(general);
  }
  return root;
}

interface Fill {
  catalog: Catalog;
  t: Translate;
  labels: TreeLabels;
}

function fillGroups(owner: CatalogNode, component: Component | undefined, members: Members, { catalog, t, labels }: Fill, runbooks: RunbookRef[]): void {
  const group = (key: string, label: string) =>
    node(owner, { id: `${owner.id}/${key}`, kind: 'group', label, icon: key });
  const drop = (g: CatalogNode) => {
    if (!g.children.length) owner.children.splice(owner.children.indexOf(g), 1);
  };
  // An item from another chapter says which: the same component listed under two chapters.
  const from = <T>(m: Member<T>, node: CatalogNode) => {
    if (m.from) node.description = [node.description, `${labels.from} §${m.from.product.section} ${t(m.from.product.name)}`].filter(Boolean).join(' · ');
    return node;
  };

  if (component) {
    const ports = group('ports', labels.ports);
    for (const port of component.ports) {
      node(ports, { id: `${ports.id}/${port.port}`, kind: 'port', label: String(port.port), description: t(port.purpose), tooltip: `**${port.port}** — ${t.g(port.purpose)}${t.note(port.note)}\n\n${labels.section}${port.section}`, section: port.section }, { entry: String(port.port) });
    }
    drop(ports);
  }

  const logs = group('logs', labels.logs);
  for (const m of members.logs) {
    const log = m.item;
    const ln = from(m, node(logs, { id: `${logs.id}/${log.id}`, kind: 'log', label: log.name, description: log.path, tooltip: logTooltip(log, t, labels), section: log.section }, { log: log.id }));
    for (const pattern of patternsOf(catalog, log)) patternNode(ln, pattern.item, t, labels);
  }
  // Patterns not tied to a specific file (client-side messages, "any log") for this owner.
  if (members.unboundPatterns.length) {
    const any = node(logs, { id: `${logs.id}/any`, kind: 'group', label: labels.anyLog, icon: 'anyLog' });
    for (const m of members.unboundPatterns) patternNode(any, m.item, t, labels);
  }
  drop(logs);

  const checks = group('checks', labels.checks);
  for (const m of members.checks) from(m, checkNode(checks, m.item, t, labels));
  drop(checks);

  const alerts = group('alerts', labels.alerts);
  for (const m of members.metrics) from(m, metricNode(alerts, m.item, t, labels));
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
    for (const m of members.plans.filter((x) => x.item.kind === kind)) from(m, planNode(g, m.item, t, labels));
    drop(g);
  }
}

function patternNode(parent: CatalogNode, x: LogPattern, t: Translate, labels: TreeLabels): void {
  node(parent, {
    id: `${parent.id}/${x.id}`,
    kind: 'pattern',
    label: x.match,
    description: t.ui(x.severity),
    icon: x.severity,
    section: x.section,
    tooltip: `**${severityWord(x.severity, t.ui)}** \`${x.match}\`\n\n${t.g(x.explanation)}\n\n**${labels.action}:** ${t.g(x.action)}${t.remarks(x)}\n\n${labels.section}${x.section}`,
  }, { entry: x.id });
}

function checkNode(parent: CatalogNode, c: Check, t: Translate, labels: TreeLabels): CatalogNode {
  const detail = c.command ? `\n\n\`\`\`sh\n${c.command}\n\`\`\`` : c.http ? `\n\n\`GET :${c.http.port}${c.http.path}\`` : c.ports ? `\n\n${c.ports.join(', ')}` : '';
  return node(parent, {
    id: `${parent.id}/${c.id}`,
    kind: 'check',
    label: t(c.title),
    description: t.ui(c.kind),
    icon: c.kind,
    section: c.section,
    tooltip: `**${t.g(c.title)}**${detail}\n\n✔ ${t.g(c.passWhen)}${ruleLines(c, t, labels)}${c.action ? `\n\n**${labels.action}:** ${t.g(c.action)}` : ''}${t.note(c.note)}\n\n${labels.section}${c.section}`,
  }, { entry: c.id });
}

/** The structured rule under an item's hover: condition (and minor level), sampling, versions, why MANUAL. */
function ruleLines(x: { condition?: Condition; minor?: Condition; severity?: string; sampling?: Sampling; appliesTo?: Applicability[]; manual?: ManualReason; manualReason?: ManualReason; inspectedBy?: string[] }, t: Translate, labels: TreeLabels): string {
  const out: string[] = [];
  const ui = t.ui;
  if (x.condition) out.push(`**${labels.rule}:** \`${describeCondition(x.condition, ui)}\`${x.severity ? ` (${ui(x.severity === 'major' ? 'major' : 'minor')})` : ''}${x.minor ? `; ${ui('minor')}: \`${describeCondition(x.minor, ui)}\`` : ''}`);
  const s = x.sampling;
  if (s) out.push([s.interval && ui('interval {0}', s.interval), s.window && ui('window {0}', s.window), s.consecutive && ui('{0} consecutive periods', s.consecutive), s.repeat && ui('repeat {0}', s.repeat)].filter(Boolean).join(ui(', ')));
  if (x.appliesTo?.length) out.push(`**${labels.appliesTo}:** ${x.appliesTo.map((a) => `${a.of} ${a.range}`).join(', ')}`);
  if (x.inspectedBy?.length) out.push(`**${labels.inspectedBy}:** ${x.inspectedBy.join(', ')}`);
  const reason = x.manual ?? x.manualReason;
  if (reason) out.push(`**${labels.manual}:** ${t(reason)}`);
  return out.length ? `\n\n${out.join('\n\n')}` : '';
}

function metricNode(parent: CatalogNode, m: Metric, t: Translate, labels: TreeLabels): CatalogNode {
  return node(parent, {
    id: `${parent.id}/${m.id}`,
    kind: 'metric',
    label: t(m.name),
    description: [m.threshold ? t(m.threshold.text) : '', m.level ?? '', m.manual ? labels.manual : ''].filter(Boolean).join(' · '),
    section: m.section,
    tooltip: `**${t.g(m.name)}**\n\n${t.g(m.meaning)}${m.threshold ? `\n\n**${labels.threshold}:** ${t.g(m.threshold.text)}` : ''}${ruleLines(m, t, labels)}${m.action ? `\n\n**${labels.action}:** ${t.g(m.action)}` : ''}${t.note(m.note)}\n\n${labels.section}${m.section}`,
  }, { entry: m.id });
}

function planNode(parent: CatalogNode, plan: Plan, t: Translate, labels: TreeLabels): CatalogNode {
  const steps = plan.steps.map((s, i) => `${i + 1}. ${t.g(s.text)}${s.command ? ` \`${s.command}\`` : ''}${t.noteInline(s.note)}`).join('\n');
  return node(parent, {
    id: `${parent.id}/${plan.id}`,
    kind: 'plan',
    label: t(plan.title),
    description: [`§${plan.section}`, ...(plan.appliesTo ?? []).map((a) => `${a.of} ${a.range}`)].join(' · '),
    section: plan.section,
    tooltip: `**${t.g(plan.title)}**${plan.problem ? `\n\n${t.g(plan.problem)}` : ''}${ruleLines(plan, t, labels)}\n\n${steps}${t.note(plan.note)}\n\n${labels.section}${plan.section}`,
  }, { entry: plan.id });
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
