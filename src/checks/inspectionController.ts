/**
 * Runs inspections from the editor (all, or one product, component or host), keeps the latest
 * result for the trees, writes each run to the workspace history, shows a status bar summary and
 * re-checks periodically when `sofaOps.inspection.intervalMinutes` is set. An untrusted
 * workspace runs nothing.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { CatalogStore } from '../catalog/catalogStore';
import type { CatalogNode } from '../core/catalog/catalogTree';
import { inspectionScopeOf, nodeStatus, type NodeStatus } from '../core/catalog/nodeScope';
import { componentEquivalence } from '../core/checks/checkPlan';
import { HISTORY_DIR, loadHistory, loadRuleHistory, saveInspection } from '../core/checks/history';
import { inspect } from '../core/checks/inspect';
import { htmlReport } from '../core/checks/reports';
import { countStatuses, type CheckResult, type Inspection, type InspectionScope } from '../core/checks/types';
import { Disposable } from '../core/dispose';
import type { SshService } from '../ssh/sshService';
import { CommandIds, SettingKeys, ViewIds } from '../vscode/ids';
import type { Logger } from '../vscode/logger';
import { catalogLanguage, inspectionIntervalSetting, onSettingChange } from '../vscode/settings';

export type { NodeStatus } from '../core/catalog/nodeScope';

export class InspectionController extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** A new inspection result (or a partial one while it runs). */
  readonly onDidChange = this.changed.event;
  private readonly statusBar = this.register(vscode.window.createStatusBarItem('sofaOps.inspection', vscode.StatusBarAlignment.Left, 20));
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Inspection | undefined> | undefined;
  latest: Inspection | undefined;
  /** Which results colour which tree node, for the catalog the latest run used. */
  private statusOfNode: ReturnType<typeof nodeStatus> | undefined;

  constructor(
    private readonly store: CatalogStore,
    private readonly ssh: SshService,
    private readonly logger: Logger,
  ) {
    super();
    this.statusBar.name = vscode.l10n.t('SOFA Ops inspection');
    this.statusBar.command = `${ViewIds.inspection}.focus`;
    this.register(onSettingChange([SettingKeys.inspectionInterval], () => this.schedule()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule()));
    this.register({ dispose: () => this.timer && clearInterval(this.timer) });
    this.schedule();
  }

  /** Runs an inspection; a node from the products tree narrows it to that product, component or host. */
  async run(target?: CatalogNode | InspectionScope): Promise<Inspection | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(vscode.l10n.t('This workspace is not trusted: SOFA Ops runs no inspection until you trust it.'));
      return undefined;
    }
    if (this.running) return this.running;
    const scope = !target ? {} : 'kind' in target ? inspectionScopeOf(target) : target;
    this.running = Promise.resolve(vscode.window.withProgress({ location: { viewId: ViewIds.products }, title: vscode.l10n.t('Inspecting') }, () => this.runNow(scope))).finally(
      () => (this.running = undefined),
    );
    return this.running;
  }

  private async runNow(scope: InspectionScope): Promise<Inspection | undefined> {
    const [{ catalog }, inventory] = await Promise.all([this.store.get(), this.ssh.inventory()]);
    if (!inventory?.hosts.length) {
      void vscode.window.showWarningMessage(vscode.l10n.t('No inventory hosts: add a sofa-ops.inventory.yaml to the workspace (or set sofaOps.inventoryFile).'));
      return undefined;
    }
    this.statusOfNode = nodeStatus(catalog);
    const pool = await this.ssh.pool();
    this.statusBar.text = `$(sync~spin) ${vscode.l10n.t('Inspecting…')}`;
    this.statusBar.show();
    const partial: CheckResult[] = [];
    let inspection: Inspection;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    // Baselines (same time yesterday / last week) and consecutive periods come from the history.
    const history = folder ? await loadRuleHistory(path.join(folder, HISTORY_DIR), new Date()) : [];
    try {
      inspection = await inspect(catalog, inventory, pool, scope, {
        history,
        onResults: (batch) => {
          partial.push(...batch);
          this.merge({ startedAt: new Date().toISOString(), durationMs: 0, scope, hosts: [], results: [...partial] }, scope, true);
        },
      });
    } finally {
      this.updateStatusBar();
    }
    this.merge(inspection, scope, false);
    if (folder) {
      try {
        await saveInspection(path.join(folder, HISTORY_DIR), inspection);
      } catch (err) {
        this.logger.warn(`could not save the inspection history: ${(err as Error).message}`);
      }
    }
    const c = countStatuses(inspection.results);
    this.logger.info(`inspection ${JSON.stringify(scope)}: ${c.pass} pass, ${c.warn} warn, ${c.fail} fail, ${c.error} error in ${inspection.durationMs} ms`);
    return inspection;
  }

  /** A narrower run replaces only its own results, so the tree keeps the rest of the picture. */
  private merge(inspection: Inspection, scope: InspectionScope, partial: boolean): void {
    const whole = !scope.product && !scope.component && !scope.target;
    if (whole || !this.latest) {
      this.latest = inspection;
    } else {
      const replaced = new Set(inspection.results.map((r) => `${r.checkId}@${r.host ?? ''}`));
      const kept = this.latest.results.filter((r) => !replaced.has(`${r.checkId}@${r.host ?? ''}`));
      this.latest = { ...inspection, results: [...kept, ...inspection.results] };
    }
    if (!partial) this.updateStatusBar();
    this.changed.fire();
  }

  private updateStatusBar(): void {
    const latest = this.latest;
    if (!latest) {
      this.statusBar.hide();
      return;
    }
    const c = countStatuses(latest.results);
    const bad = c.fail + c.error;
    this.statusBar.text = `$(${bad ? 'error' : c.warn ? 'warning' : 'pass'}) ${c.pass}/${c.pass + c.warn + c.fail + c.error}${bad ? ` · ${bad} ✗` : ''}`;
    this.statusBar.tooltip = vscode.l10n.t('SOFA Ops inspection {0}: {1} pass, {2} warn, {3} fail, {4} error', new Date(latest.startedAt).toLocaleString(), c.pass, c.warn, c.fail, c.error);
    this.statusBar.backgroundColor = bad ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.statusBar.show();
  }

  /** Roll-up for a products-tree node (product, component or host); undefined before any run. */
  statusOf(node: CatalogNode): NodeStatus | undefined {
    const results = this.latest?.results;
    return results && this.statusOfNode?.(node, results);
  }

  /** The latest run as the HTML report (with the workspace's history as the trend). */
  async reportHtml(): Promise<string | undefined> {
    if (!this.latest) return undefined;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const history = folder ? (await loadHistory(path.join(folder, HISTORY_DIR), 20)).inspections : [];
    return htmlReport(this.latest, { lang: catalogLanguage(), history });
  }

  async sameComponent(): Promise<(a: string, b: string) => boolean> {
    const eq = componentEquivalence((await this.store.get()).catalog);
    return (a, b) => a === b || (eq.get(a)?.has(b) ?? false);
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const minutes = inspectionIntervalSetting();
    if (!minutes || !vscode.workspace.isTrusted) return;
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.logger.error('periodic inspection', err));
    }, Math.max(1, minutes) * 60_000);
    this.logger.info(`periodic inspection every ${minutes} min`);
  }
}

/** Registers the inspection commands. */
export function registerInspectionCommands(controller: InspectionController, guarded: <A extends unknown[]>(what: string, handler: (...args: A) => unknown) => (...args: A) => Promise<void>): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(CommandIds.runInspection, guarded(vscode.l10n.t('Run inspection'), (target?: CatalogNode | InspectionScope) => controller.run(target))),
    vscode.commands.registerCommand(CommandIds.showInspectionReport, guarded(vscode.l10n.t('Show inspection report'), async () => {
      const html = await controller.reportHtml();
      if (!html) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No inspection yet: run one first.'));
        return;
      }
      // The report has no script; the webview allows none either.
      const panel = vscode.window.createWebviewPanel('sofaOps.inspectionReport', vscode.l10n.t('Inspection report'), vscode.ViewColumn.Beside, { enableScripts: false });
      panel.webview.html = html.replace('<head>', `<head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    })),
  ];
}
