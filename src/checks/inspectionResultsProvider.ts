/**
 * The `sofaOps.inspection` view: the latest inspection by product → check results; a FAIL, WARN
 * or ERROR opens into links to its guide section, its log (when the log viewer is there) and the
 * runbooks that fix it.
 */
import * as vscode from 'vscode';
import type { CatalogStore } from '../catalog/catalogStore';
import { byProduct } from '../core/checks/reports';
import { resultLinkLabels, resultView } from '../core/checks/resultView';
import { runbooksFor, withSections, type RunbookLink } from '../core/checks/runbookLinks';
import { countStatuses, notRun, rollUp, type CheckResult, type CheckStatus } from '../core/checks/types';
import { Disposable } from '../core/dispose';
import { translator } from '../core/l10n';
import { CommandIds, SettingKeys } from '../vscode/ids';
import { catalogLanguage, onSettingChange } from '../vscode/settings';
import type { InspectionController } from './inspectionController';

export type ResultNode =
  | { kind: 'product'; product: string; results: CheckResult[] }
  | { kind: 'result'; result: CheckResult; parent: ResultNode }
  | { kind: 'link'; label: string; icon: string; command: vscode.Command; parent: ResultNode }
  | { kind: 'message'; label: string; command?: vscode.Command };

export const STATUS_ICONS: Record<CheckStatus, [string, string]> = {
  pass: ['pass-filled', 'testing.iconPassed'],
  warn: ['warning', 'list.warningForeground'],
  fail: ['error', 'testing.iconFailed'],
  error: ['circle-slash', 'problemsErrorIcon.foreground'],
  manual: ['person', 'descriptionForeground'],
  na: ['circle-large-outline', 'disabledForeground'],
};

export function statusIcon(status: CheckStatus): vscode.ThemeIcon {
  const [glyph, color] = STATUS_ICONS[status];
  return new vscode.ThemeIcon(glyph, new vscode.ThemeColor(color));
}

export function countsDescription(results: readonly CheckResult[]): string {
  const c = countStatuses(results);
  return [c.fail && `✗${c.fail}`, c.error && `⊘${c.error}`, c.warn && `⚠${c.warn}`, `✓${c.pass}`].filter(Boolean).join(' ');
}

export class InspectionResultsProvider extends Disposable implements vscode.TreeDataProvider<ResultNode> {
  private readonly changed = this.register(new vscode.EventEmitter<ResultNode | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private runbooks: Promise<RunbookLink[]> | undefined;

  constructor(
    private readonly controller: InspectionController,
    private readonly store: CatalogStore,
  ) {
    super();
    this.register(controller.onDidChange(() => this.changed.fire(undefined)));
    this.register(store.onDidChange(() => (this.runbooks = undefined)));
    // The view's words follow the catalog language: re-render, not re-run, when it changes.
    this.register(onSettingChange([SettingKeys.language], () => this.changed.fire(undefined)));
  }

  getChildren(element?: ResultNode): Promise<ResultNode[]> | ResultNode[] {
    const latest = this.controller.latest;
    if (!element) {
      const t = translator(catalogLanguage());
      if (!latest) return [{ kind: 'message', label: t('No inspection yet: run one'), command: { command: CommandIds.runInspection, title: t('Run Inspection') } }];
      return [...byProduct(latest.results)].map(([product, results]) => ({ kind: 'product', product, results }));
    }
    if (element.kind === 'product') {
      const order: CheckStatus[] = ['fail', 'error', 'warn', 'pass', 'manual', 'na'];
      return [...element.results].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status)).map((result) => ({ kind: 'result', result, parent: element }));
    }
    if (element.kind === 'result') return this.linksFor(element);
    return [];
  }

  getParent(element: ResultNode): ResultNode | undefined {
    return 'parent' in element ? element.parent : undefined;
  }

  getTreeItem(node: ResultNode): vscode.TreeItem {
    const lang = catalogLanguage();
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.label);
        item.command = node.command;
        return item;
      }
      case 'product': {
        const status = rollUp(node.results.filter((r) => !notRun(r.status))) ?? 'manual';
        const item = new vscode.TreeItem(node.product, status === 'pass' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        item.id = `inspection:${node.product}`;
        item.iconPath = statusIcon(status);
        item.description = countsDescription(node.results);
        return item;
      }
      case 'result': {
        const r = node.result;
        const attention = r.status === 'fail' || r.status === 'warn' || r.status === 'error';
        const view = resultView(r, lang);
        const item = new vscode.TreeItem(view.label, attention ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `inspection:${r.product}/${r.checkId}@${r.host ?? r.component}`;
        item.iconPath = statusIcon(r.status);
        item.description = view.description;
        item.contextValue = `result ${r.status}`;
        item.tooltip = new vscode.MarkdownString(view.tooltip);
        if (!attention) item.command = { command: CommandIds.openGuideSection, title: translator(lang)('Open Guide Section'), arguments: [r.section] };
        return item;
      }
      case 'link': {
        const item = new vscode.TreeItem(node.label);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = node.command;
        return item;
      }
    }
  }

  private async linksFor(element: Extract<ResultNode, { kind: 'result' }>): Promise<ResultNode[]> {
    const r = element.result;
    const lang = catalogLanguage();
    const t = translator(lang);
    const words = resultLinkLabels(lang);
    const links: ResultNode[] = [
      { kind: 'link', parent: element, label: words.section(r.section), icon: 'book', command: { command: CommandIds.openGuideSection, title: t('Open Guide Section'), arguments: [r.section] } },
    ];
    if (r.logId && r.host && (await vscode.commands.getCommands(true)).includes(CommandIds.openLog)) {
      const log = (await this.store.get()).catalog.products.flatMap((p) => p.logs).find((l) => l.id === r.logId);
      if (log) links.push({ kind: 'link', parent: element, label: words.log(log.name, r.host), icon: 'output', command: { command: CommandIds.openLog, title: t('Open log'), arguments: [r.host, log.path] } });
    }
    this.runbooks ??= this.store.get().then((s) => withSections(s.runbooks));
    const same = await this.controller.sameComponent();
    for (const rb of runbooksFor(r, await this.runbooks, same)) {
      // Opened for the failing host: its parameters and the cells that target it are pre-filled.
      links.push(
        r.host
          ? { kind: 'link', parent: element, label: words.runbook(rb.title, r.host), icon: 'notebook', command: { command: CommandIds.openRunbookForHost, title: t('Open Runbook'), arguments: [rb.file, r.host] } }
          : { kind: 'link', parent: element, label: words.runbook(rb.title), icon: 'notebook', command: { command: 'vscode.open', title: t('Open Runbook'), arguments: [vscode.Uri.file(rb.file)] } },
      );
    }
    return links;
  }
}
