/** Wires SOFA Ops together in dependency order; every disposable goes into context.subscriptions. */
import * as vscode from 'vscode';
import { CatalogStore } from './catalog/catalogStore';
import { InspectionController, registerInspectionCommands } from './checks/inspectionController';
import { InspectionResultsProvider } from './checks/inspectionResultsProvider';
import type { CatalogNode } from './core/catalog/catalogTree';
import { scopeOf } from './core/catalog/nodeScope';
import { DemoCommands } from './gettingStarted/demoCommands';
import { GuidePanel } from './guide/guidePanel';
import { CrossHostSearch } from './logs/crossHostSearch';
import { LogViewer, type LogViewerApi } from './logs/logViewer';
import { RunbookCellStatusBar } from './notebook/cellStatusBar';
import { editCellOptions, RunbookDiagnostics } from './notebook/runbookCommands';
import { openRunbookForHost } from './notebook/openForHost';
import { RunbookController } from './notebook/runbookController';
import { RunHistoryProvider } from './notebook/runHistoryView';
import { RUNBOOK_NOTEBOOK_TYPE, RunbookSerializer } from './notebook/runbookSerializer';
import { openShellTerminal } from './ssh/shellTerminal';
import { SshService } from './ssh/sshService';
import { ProductsTreeProvider } from './tree/productsTreeProvider';
import { TreeItemCommands } from './tree/treeItemCommands';
import { TriageCommands } from './triage/triageCommands';
import { TriagePanel } from './triage/triagePanel';
import { TriageService } from './triage/triageService';
import { type ErrorNotice, guarded, onDidShowError } from './vscode/errors';
import { CommandIds, ViewIds } from './vscode/ids';
import { Logger } from './vscode/logger';

/** What activate() returns: used by the in-editor test suite and by other extensions. */
export interface SofaOpsApi {
  readonly activatedInMs: number;
  catalog(): CatalogStore['snapshot'];
  readonly catalogStore: CatalogStore;
  readonly productsTree: ProductsTreeProvider;
  readonly productsView: vscode.TreeView<CatalogNode>;
  readonly guidePanel: GuidePanel;
  readonly logs: LogViewerApi;
  readonly ssh: SshService;
  readonly inspections: InspectionController;
  readonly inspectionResults: InspectionResultsProvider;
  readonly runbooks: RunbookController;
  readonly runHistory: RunHistoryProvider;
  readonly triage: { service: TriageService; panel: TriagePanel; commands: TriageCommands };
  openShell(hostName: string): ReturnType<typeof openShellTerminal>;
  /** Error notifications as shown (text, buttons), for tests: VS Code has no API to read them. */
  readonly onDidShowError: vscode.Event<ErrorNotice>;
}

export function activate(context: vscode.ExtensionContext): SofaOpsApi {
  const started = Date.now();
  const channel = Logger.createChannel();
  context.subscriptions.push(channel);
  const logger = new Logger(channel, 'main');

  const catalogStore = new CatalogStore(context.extensionUri, logger.child('catalog'));
  const ssh = new SshService(context.secrets, logger.child('ssh'), vscode.Uri.joinPath(context.globalStorageUri, 'cache').fsPath);
  const productsTree = new ProductsTreeProvider(catalogStore, ssh);
  const productsView = vscode.window.createTreeView(ViewIds.products, { treeDataProvider: productsTree, showCollapseAll: true });
  const guidePanel = new GuidePanel(catalogStore);
  context.subscriptions.push(catalogStore, ssh, productsTree, productsView, guidePanel);
  const logViewer = new LogViewer(catalogStore, ssh, logger.child('logs'));
  context.subscriptions.push(logViewer, new CrossHostSearch(catalogStore, ssh, logViewer, logger.child('logs')));
  const inspections = new InspectionController(catalogStore, ssh, logger.child('inspect'));
  productsTree.setStatusSource(inspections);
  const inspectionResults = new InspectionResultsProvider(inspections, catalogStore);
  context.subscriptions.push(inspections, inspectionResults, vscode.window.createTreeView(ViewIds.inspection, { treeDataProvider: inspectionResults }));
  context.subscriptions.push(...registerInspectionCommands(inspections, (what, handler) => guarded(logger, what, handler)), new TreeItemCommands(catalogStore, ssh, inspections, logger.child('tree')));
  const cellStatusBar = new RunbookCellStatusBar(ssh);
  const runbooks = new RunbookController(ssh, logger.child('runbook'));
  context.subscriptions.push(
    vscode.workspace.registerNotebookSerializer(RUNBOOK_NOTEBOOK_TYPE, new RunbookSerializer(), { transientOutputs: true }),
    runbooks,
    cellStatusBar,
    vscode.notebooks.registerNotebookCellStatusBarItemProvider(RUNBOOK_NOTEBOOK_TYPE, cellStatusBar),
    new RunbookDiagnostics(),
  );
  const runHistory = new RunHistoryProvider(logger.child('runs'));
  context.subscriptions.push(runHistory, vscode.window.createTreeView(ViewIds.runHistory, { treeDataProvider: runHistory }));

  context.subscriptions.push(
    vscode.commands.registerCommand(CommandIds.refreshCatalog, guarded(logger, vscode.l10n.t('Refresh catalog'), () => {
      catalogStore.reload();
      ssh.reload();
    })),
    vscode.commands.registerCommand(CommandIds.openShell, guarded(logger, vscode.l10n.t('Open shell'), async (target?: CatalogNode | string) => {
      const hostName = typeof target === 'string' ? target : (target && scopeOf(target).host) ?? (await pickHost(ssh));
      if (hostName) openShellTerminal(ssh, hostName);
    })),
    vscode.commands.registerCommand(CommandIds.editCellOptions, guarded(logger, vscode.l10n.t('Edit cell options'), (cell?: vscode.NotebookCell) => editCellOptions(cell))),
    vscode.commands.registerCommand(CommandIds.previewRun, guarded(logger, vscode.l10n.t('Preview run'), () => runbooks.previewRun())),
    vscode.commands.registerCommand(CommandIds.disconnectAll, guarded(logger, vscode.l10n.t('Disconnect all'), () => ssh.resetPool())),
    vscode.commands.registerCommand(CommandIds.openGuideSection, guarded(logger, vscode.l10n.t('Open guide section'), (target?: unknown) => guidePanel.open(target as string | undefined))),
  );

  // Triage builds its index on the first search, not here.
  const triage = { service: new TriageService(catalogStore, ssh, logger.child('triage')), panel: new TriagePanel() };
  const triageCommands = new TriageCommands(triage.service, triage.panel, productsTree);
  context.subscriptions.push(
    triage.service,
    triage.panel,
    ...triageCommands.register((what, handler) => guarded(logger, what, handler)),
    vscode.commands.registerCommand(CommandIds.openRunbookForHost, guarded(logger, vscode.l10n.t('Open runbook'), (file: string, host?: string) => openRunbookForHost(runbooks, ssh, file, host))),
  );

  context.subscriptions.push(new DemoCommands(context.extensionPath, ssh, logger.child('demo')));

  const activatedInMs = Date.now() - started;
  logger.info(`activated in ${activatedInMs} ms`);
  return { activatedInMs, catalog: () => catalogStore.snapshot, catalogStore, productsTree, productsView, guidePanel, logs: logViewer.api, ssh, inspections, inspectionResults, runbooks, runHistory, triage: { ...triage, commands: triageCommands }, openShell: (hostName) => openShellTerminal(ssh, hostName), onDidShowError };
}

async function pickHost(ssh: SshService): Promise<string | undefined> {
  const inventory = await ssh.inventory();
  const picked = await vscode.window.showQuickPick(
    (inventory?.hosts ?? []).map((h) => ({ label: h.name, description: `${h.host}:${h.port}`, detail: h.component })),
    { placeHolder: vscode.l10n.t('Host to open a shell on') },
  );
  return picked?.label;
}

export function deactivate(): void {}
