/**
 * The "Runbook Runs" view: the runs in the workspace's audit trail (.sofa-ops/audit.jsonl), newest
 * first, each with who ran it, when, on which hosts and how it ended; "Open Report" shows a run's
 * report as Markdown. The grouping and the report are core (core/audit/runHistory.ts); this only
 * shows them and reloads when the trail changes.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { outcomeWord, readRunHistory, runHistoryReport, type RunHistory, type RunRecord } from '../core/audit/runHistory';
import { Disposable } from '../core/dispose';
import { guarded } from '../vscode/errors';
import { CommandIds, SettingKeys } from '../vscode/ids';
import type { Logger } from '../vscode/logger';
import { catalogLanguage, onSettingChange } from '../vscode/settings';

/** Where the editor and the CLI write the trail, relative to the workspace folder. */
export const AUDIT_TRAIL = path.join('.sofa-ops', 'audit.jsonl');

/** Read-only documents holding a run's report (nothing to save when closed). */
export const RUN_REPORT_SCHEME = 'sofa-ops-run';

/** Runs listed at most: the trail keeps everything, the view the recent past. */
const MAX_RUNS = 200;

const ICONS: Record<RunRecord['outcome'], [string, string]> = {
  passed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
  incomplete: ['warning', 'editorWarning.foreground'],
};

type Item = RunRecord | { message: string; command?: vscode.Command };

export class RunHistoryProvider extends Disposable implements vscode.TreeDataProvider<Item> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeTreeData = this.changed.event;
  private history: Promise<RunHistory> | undefined;

  constructor(private readonly logger: Logger) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(`**/${AUDIT_TRAIL.split(path.sep).join('/')}`));
    for (const event of [watcher.onDidChange, watcher.onDidCreate, watcher.onDidDelete]) this.register(event(() => this.refresh()));
    this.register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()));
    this.register(onSettingChange([SettingKeys.language], () => this.changed.fire()));
    this.register(vscode.commands.registerCommand(CommandIds.refreshRunHistory, () => this.refresh()));
    this.register(vscode.workspace.registerTextDocumentContentProvider(RUN_REPORT_SCHEME, { provideTextDocumentContent: (uri) => this.reportText(uri) }));
    this.register(vscode.commands.registerCommand(CommandIds.openRunReport, guarded(logger, vscode.l10n.t('Open run report'), (run?: RunRecord) => this.openReport(run))));
  }

  refresh(): void {
    this.history = undefined;
    this.changed.fire();
  }

  /** The trail's runs, newest first (read once per change). */
  async runs(): Promise<RunHistory> {
    this.history ??= this.read();
    return this.history;
  }

  private async read(): Promise<RunHistory> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!folder) return { runs: [], problems: [] };
    const history = await readRunHistory(path.join(folder, AUDIT_TRAIL));
    for (const p of history.problems) this.logger.warn(p);
    return history;
  }

  async getChildren(element?: Item): Promise<Item[]> {
    if (element) return [];
    let history: RunHistory;
    try {
      history = await this.runs();
    } catch (err) {
      this.logger.error('run history', err);
      return [{ message: vscode.l10n.t('The audit trail cannot be read: {0}', (err as Error).message) }];
    }
    if (!history.runs.length) return [{ message: vscode.l10n.t('No runbook runs yet: run a runbook and it is listed here.') }];
    const items: Item[] = history.runs.slice(0, MAX_RUNS);
    if (history.problems.length) items.unshift({ message: vscode.l10n.t('{0} line(s) of the audit trail cannot be read: see the log', history.problems.length), command: { command: 'workbench.action.output.show.sofa-ops.sofa-ops.SOFA Ops', title: vscode.l10n.t('Show Log') } });
    return items;
  }

  getTreeItem(item: Item): vscode.TreeItem {
    if ('message' in item) {
      const message = new vscode.TreeItem(item.message);
      message.iconPath = new vscode.ThemeIcon('info');
      message.command = item.command;
      return message;
    }
    const lang = catalogLanguage();
    const node = new vscode.TreeItem(path.basename(item.runbook).replace(/\.runbook\.md$/, ''));
    node.id = `run:${item.seq}`;
    const when = new Date(item.startedAt).toLocaleString();
    node.description = vscode.l10n.t('{0} · {1} · {2} · {3} host(s)', outcomeWord(item.outcome, lang), item.who, when, item.hosts.length);
    node.tooltip = new vscode.MarkdownString(vscode.l10n.t('**{0}**\n\n{1} by {2}, {3}\n\nHosts: {4}\n\nSteps: {5}', item.runbook, outcomeWord(item.outcome, lang), item.who, when, item.hosts.join(', ') || '—', item.steps.length));
    const [icon, color] = ICONS[item.outcome];
    node.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    node.contextValue = `run ${item.outcome}`;
    node.command = { command: CommandIds.openRunReport, title: vscode.l10n.t('Open Report'), arguments: [item] };
    return node;
  }

  /** The run's report, read-only, beside the view. */
  private async openReport(run?: RunRecord): Promise<void> {
    const target = run ?? (await this.pick());
    if (!target) return;
    const name = path.basename(target.runbook).replace(/\.runbook\.md$/, '').replace(/[^\w.-]+/g, '-');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: RUN_REPORT_SCHEME, path: `/${name}-${target.seq}.md` }));
    await vscode.window.showTextDocument(doc, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  /** `/NAME-SEQ.md` → the report of the run whose first record is SEQ. */
  private async reportText(uri: vscode.Uri): Promise<string> {
    const seq = Number(/-(\d+)\.md$/.exec(uri.path)?.[1]);
    const run = (await this.runs()).runs.find((r) => r.seq === seq);
    return run ? runHistoryReport(run, catalogLanguage()) : vscode.l10n.t('This run is no longer in the audit trail.');
  }

  private async pick(): Promise<RunRecord | undefined> {
    const { runs } = await this.runs();
    if (!runs.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No runbook runs yet: run a runbook and it is listed here.'));
      return undefined;
    }
    const lang = catalogLanguage();
    const picked = await vscode.window.showQuickPick(
      runs.slice(0, MAX_RUNS).map((r) => ({ label: r.runbook, description: `${outcomeWord(r.outcome, lang)} · ${r.who} · ${new Date(r.startedAt).toLocaleString()}`, run: r })),
      { placeHolder: vscode.l10n.t('Run to show the report of') },
    );
    return picked?.run;
  }
}
