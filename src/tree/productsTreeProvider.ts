/** Adapts the catalog tree model (src/core/catalog/catalogTree) to the `sofaOps.products` view. */
import * as vscode from 'vscode';
import { buildCatalogTree, type CatalogNode } from '../core/catalog/catalogTree';
import { scopeOf } from '../core/catalog/nodeScope';
import { filterCatalogTree, hitKeys, type TreeHit } from '../core/triage/treeFilter';
import { Disposable } from '../core/dispose';
import { translator } from '../core/l10n';
import type { CatalogStore } from '../catalog/catalogStore';
import { hostRef } from '../core/catalog/productMembership';
import type { SshService } from '../ssh/sshService';
import type { NodeStatus } from '../checks/inspectionController';
import { statusIcon } from '../checks/inspectionResultsProvider';
import { CommandIds, SettingKeys } from '../vscode/ids';
import { catalogLanguage, onSettingChange } from '../vscode/settings';

/** What the tree shows when there is nothing to list: a hint with a way forward, never a blank view. */
export interface MessageNode extends CatalogNode {
  kind: 'message';
  command?: vscode.Command;
}

/** The view's own words, in the catalog's language so labels and catalog text never mix languages. */
function viewText(): ReturnType<typeof translator> {
  return translator(catalogLanguage());
}

const GROUP_ICONS: Record<string, string> = {
  ports: 'plug', logs: 'output', checks: 'pass', alerts: 'bell', runbooks: 'notebook', emergency: 'flame',
  scenarios: 'question', procedures: 'list-ordered', general: 'library', anyLog: 'search', hosts: 'server-environment',
};
const KIND_ICONS: Record<string, string> = {
  product: 'package', component: 'server-process', port: 'plug', log: 'file', check: 'checklist', metric: 'graph',
  plan: 'book', runbook: 'notebook', message: 'info',
};
const SEVERITY_COLORS: Record<string, string> = {
  critical: 'errorForeground', error: 'errorForeground', warning: 'editorWarning.foreground', info: 'editorInfo.foreground', ok: 'testing.iconPassed',
};

export class ProductsTreeProvider extends Disposable implements vscode.TreeDataProvider<CatalogNode> {
  private readonly changed = this.register(new vscode.EventEmitter<CatalogNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private roots: Promise<CatalogNode[]> | undefined;
  private statusSource: { statusOf(node: CatalogNode): NodeStatus | undefined } | undefined;
  /** The filter on: its hits' keys, the nodes that matched, the nodes on the way to them (shown open). */
  private filter: { text: string; keys: Set<string>; matched: Set<CatalogNode>; open: Set<CatalogNode>; roots?: Promise<CatalogNode[]> } | undefined;

  constructor(
    private readonly store: CatalogStore,
    private readonly ssh: SshService,
  ) {
    super();
    this.register(store.onDidChange(() => this.refresh()));
    this.register(ssh.onDidChange(() => this.refresh()));
    this.register(onSettingChange([SettingKeys.language], () => this.refresh()));
  }

  /** Inspection results colour products, components and hosts (red/yellow/green + counts). */
  setStatusSource(source: { onDidChange: vscode.Event<void>; statusOf(node: CatalogNode): NodeStatus | undefined }): void {
    this.statusSource = source;
    this.register(source.onDidChange(() => this.changed.fire(undefined)));
  }

  refresh(): void {
    this.roots = undefined;
    if (this.filter) this.filter.roots = undefined;
    this.changed.fire(undefined);
  }

  /** The filter text on, if any. */
  get filterText(): string | undefined {
    return this.filter?.text;
  }

  /** Show only the nodes of `hits` (a triage search over the whole catalog) and the paths to them. */
  setFilter(text: string | undefined, hits: readonly TreeHit[] = []): void {
    this.filter = text === undefined ? undefined : { text, keys: hitKeys(hits), matched: new Set(), open: new Set() };
    this.changed.fire(undefined);
  }

  async getChildren(element?: CatalogNode): Promise<CatalogNode[]> {
    if (element) return element.children;
    this.roots ??= this.buildRoots();
    if (this.filter) {
      const filter = this.filter;
      filter.roots ??= this.roots.then((roots) => this.filteredRoots(roots, filter));
      return filter.roots;
    }
    return this.roots;
  }

  private filteredRoots(roots: CatalogNode[], filter: NonNullable<ProductsTreeProvider['filter']>): CatalogNode[] {
    filter.matched.clear();
    filter.open.clear();
    const kept = filterCatalogTree(roots.filter((r) => r.kind !== 'message'), filter.keys, filter.matched);
    for (const hit of filter.matched) for (let up = hit.parent; up && !filter.open.has(up); up = up.parent) filter.open.add(up);
    const t = viewText();
    const header: MessageNode = {
      id: 'message:filter',
      kind: 'message',
      scope: {},
      label: kept.length ? t('Filter "{0}": {1} match(es) — clear', filter.text, filter.matched.size) : t('Nothing in the catalog matches "{0}" — clear the filter', filter.text),
      children: [],
      command: { command: CommandIds.clearProductsFilter, title: t('Clear Filter') },
    };
    return [header, ...kept];
  }

  getParent(element: CatalogNode): CatalogNode | undefined {
    return element.parent;
  }

  getTreeItem(node: CatalogNode): vscode.TreeItem {
    // Filtered: the path down to each hit is open, and the ids differ so the view does not
    // apply the expansion state it remembers for the unfiltered tree.
    const onPath = this.filter?.open.has(node);
    const t = viewText();
    const item = new vscode.TreeItem(node.label, !node.children.length ? vscode.TreeItemCollapsibleState.None : onPath ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.filter ? `filter:${node.id}` : node.id;
    item.description = node.description;
    if (node.tooltip) item.tooltip = new vscode.MarkdownString(node.tooltip);
    item.iconPath = this.iconFor(node);
    const inspected = node.kind === 'product' || node.kind === 'component' || node.kind === 'host' ? this.statusSource?.statusOf(node) : undefined;
    if (inspected) {
      const c = inspected.counts;
      item.iconPath = statusIcon(inspected.status);
      item.description = [node.description, [c.fail && `✗${c.fail}`, c.error && `⊘${c.error}`, c.warn && `⚠${c.warn}`, `✓${c.pass}`].filter(Boolean).join(' ')].filter(Boolean).join(' · ');
    }
    // contextValue drives menus: "section" marks nodes that can open their guide section.
    item.contextValue = [node.kind, node.section ? 'section' : ''].filter(Boolean).join(' ');
    if ((node as MessageNode).command) {
      item.command = (node as MessageNode).command;
    } else if (node.kind === 'host') {
      item.tooltip = new vscode.MarkdownString(`**${node.label}** \`${node.description}\`\n\n${this.ssh.isConnected(scopeOf(node).host!) ? t('Connected') : t('Not connected')}`);
    } else if (node.kind === 'runbook' && node.file) {
      item.command = { command: 'vscode.open', title: t('Open Runbook'), arguments: [vscode.Uri.file(node.file)] };
    } else if (!node.children.length && node.section) {
      item.command = { command: CommandIds.openGuideSection, title: t('Open Guide Section'), arguments: [node] };
    }
    return item;
  }

  private iconFor(node: CatalogNode): vscode.ThemeIcon {
    if (node.kind === 'pattern') {
      const severity = node.icon ?? 'info';
      const glyph = severity === 'ok' ? 'pass' : severity === 'info' ? 'info' : severity === 'warning' ? 'warning' : 'error';
      return new vscode.ThemeIcon(glyph, new vscode.ThemeColor(SEVERITY_COLORS[severity] ?? 'foreground'));
    }
    if (node.kind === 'group') return new vscode.ThemeIcon(GROUP_ICONS[node.icon ?? ''] ?? 'folder');
    if (node.kind === 'host') {
      return this.ssh.isConnected(scopeOf(node).host!) ? new vscode.ThemeIcon('vm-active', new vscode.ThemeColor('testing.iconPassed')) : new vscode.ThemeIcon('vm-outline');
    }
    return new vscode.ThemeIcon(KIND_ICONS[node.kind] ?? 'circle-outline');
  }

  private async buildRoots(): Promise<CatalogNode[]> {
    const [snapshot, inventory] = await Promise.all([this.store.get(), this.ssh.inventory().catch(() => undefined)]);
    const lang = catalogLanguage();
    const t = translator(lang);
    const nodes: CatalogNode[] = buildCatalogTree(snapshot.catalog, lang, { runbooks: snapshot.runbooks, hosts: inventory?.hosts.map(hostRef) });
    if (snapshot.problems.length) {
      const problems: MessageNode = {
        id: 'message:problems',
        kind: 'message',
        scope: {},
        label: t('The catalog has {0} problem(s): show them', snapshot.problems.length),
        tooltip: snapshot.problems.slice(0, 10).map((p) => `- \`${p.file}:${p.line}\` ${p.message}`).join('\n'),
        children: [],
        command: { command: 'workbench.actions.view.problems', title: t('Show Problems') },
      };
      nodes.unshift(problems);
    }
    if (!snapshot.catalog.products.length) {
      const empty: MessageNode = {
        id: 'message:empty',
        kind: 'message',
        scope: {},
        label: t('No products in the catalog. Check the sofaOps.catalogPaths setting, then refresh.'),
        children: [],
        command: { command: 'workbench.action.openSettings', title: t('Open Settings'), arguments: ['sofaOps.catalogPaths'] },
      };
      nodes.push(empty);
    }
    return nodes;
  }
}
