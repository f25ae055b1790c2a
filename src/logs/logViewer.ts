/**
 * The log viewer's editor glue: opening a log (from the tree, the palette or another command),
 * the CodeLens row at the top of a remote log (load earlier, follow, scan whole file), next and
 * previous problem, and the whole-file scan into the Problems panel.
 */
import * as vscode from 'vscode';
import type { CatalogStore } from '../catalog/catalogStore';
import type { CatalogNode } from '../core/catalog/catalogTree';
import { scopeOf } from '../core/catalog/nodeScope';
import { pick } from '../core/catalog/text';
import { Disposable } from '../core/dispose';
import type { InventoryHost } from '../core/inventory/inventory';
import { nextFindingLine, summarizeFindings } from '../core/logs/findingView';
import { hostLogPath, logOnHost } from '../core/logs/hostLogPath';
import { logCatalogOf } from '../core/logs/logCatalog';
import type { LogFinding } from '../core/logs/logScanner';
import { type RemoteScanResult, scanRemoteLog } from '../core/logs/remoteScan';
import type { SshService } from '../ssh/sshService';
import { guarded } from '../vscode/errors';
import { CommandIds } from '../vscode/ids';
import type { Logger } from '../vscode/logger';
import { catalogLanguage } from '../vscode/settings';
import { LogDecorations } from './logDecorations';
import { LogHoverProvider } from './logHoverProvider';
import { LOG_LANGUAGE, LOG_SCHEME, type RemoteLogDocument, RemoteLogProvider, remoteLogUri } from './remoteLogProvider';

/** Earlier pages (5,000 lines each) loaded at most to reach a line: 100,000 lines. */
const MAX_PAGES_TO_LINE = 20;

const LOG_SELECTOR: vscode.DocumentSelector = [{ scheme: LOG_SCHEME }, { language: LOG_LANGUAGE }, { language: 'log' }, { pattern: '**/*.log' }];

/** What the in-editor tests (and other extensions) use. */
export interface LogViewerApi {
  open(hostName: string, path: string): Promise<vscode.TextEditor>;
  /** Open with this file line (1-based) selected. */
  openAt(hostName: string, path: string, fileLine: number): Promise<vscode.TextEditor>;
  decorationsFor: LogDecorations['decorationsFor'];
  /** The file line numbers drawn in an editor (document line → the number shown). */
  lineNumbersFor: LogDecorations['lineNumbersFor'];
  document(uri: vscode.Uri): RemoteLogDocument | undefined;
  scanWholeFile(uri: vscode.Uri): Promise<RemoteScanResult & { findings: LogFinding[] }>;
  /** Resolves once the document's findings reflect its current text. */
  refreshed(doc: vscode.TextDocument): Promise<unknown>;
}

export class LogViewer extends Disposable implements vscode.CodeLensProvider {
  readonly provider: RemoteLogProvider;
  readonly decorations: LogDecorations;
  private readonly lensesChanged = this.register(new vscode.EventEmitter<void>());
  /** The file line of the cursor: the editor's own "Ln" counts from the top of the window. */
  private readonly fileLineItem = this.register(vscode.window.createStatusBarItem('sofaOps.logFileLine', vscode.StatusBarAlignment.Right, 101));
  readonly onDidChangeCodeLenses = this.lensesChanged.event;

  constructor(
    private readonly store: CatalogStore,
    private readonly ssh: SshService,
    private readonly logger: Logger,
  ) {
    super();
    this.provider = this.register(new RemoteLogProvider(ssh, logger));
    this.decorations = this.register(new LogDecorations(store, this.provider));
    this.register(vscode.languages.registerHoverProvider(LOG_SELECTOR, this.register(new LogHoverProvider(this.decorations, store))));
    this.register(vscode.languages.registerCodeLensProvider({ scheme: LOG_SCHEME }, this));
    this.register(this.provider.onDidChangeState(() => this.lensesChanged.fire()));
    const t = vscode.l10n.t;
    const command = (id: string, what: string, handler: (...args: never[]) => unknown) =>
      this.register(vscode.commands.registerCommand(id, guarded(logger, what, handler as (...args: unknown[]) => unknown)));
    command(CommandIds.openLog, t('Open log'), (target?: unknown, path?: unknown) => this.openCommand(target, path));
    command(CommandIds.loadEarlierLog, t('Load earlier lines'), (uri?: vscode.Uri) => this.loadEarlier(uri));
    command(CommandIds.followLog, t('Follow log'), (uri?: vscode.Uri) => this.remoteDoc(uri)?.startFollowing());
    command(CommandIds.stopFollowingLog, t('Stop following log'), (uri?: vscode.Uri) => this.remoteDoc(uri)?.stopFollowing());
    command(CommandIds.scanRemoteLog, t('Scan whole remote file'), (uri?: vscode.Uri) => this.scanCommand(uri));
    command(CommandIds.nextLogProblem, t('Next problem in log'), () => this.goToProblem(1));
    command(CommandIds.previousLogProblem, t('Previous problem in log'), () => this.goToProblem(-1));
    command(CommandIds.goToLogFileLine, t('Go to file line'), (line?: unknown) => this.goToFileLine(typeof line === 'number' ? line : undefined));
    this.fileLineItem.name = t('Log file line');
    this.fileLineItem.command = CommandIds.goToLogFileLine;
    this.register(vscode.window.onDidChangeActiveTextEditor(() => this.showFileLine()));
    this.register(vscode.window.onDidChangeTextEditorSelection((e) => e.textEditor === vscode.window.activeTextEditor && this.showFileLine()));
    this.register(this.provider.onDidChangeState(() => this.showFileLine()));
  }

  private showFileLine(): void {
    const editor = vscode.window.activeTextEditor;
    const remote = editor && this.provider.find(editor.document.uri);
    if (!editor || !remote || remote.error !== undefined) {
      this.fileLineItem.hide();
      return;
    }
    const t = vscode.l10n.t;
    const before = remote.linesBefore;
    this.fileLineItem.text = before === undefined ? t('File line: counting…') : t('File line {0}', before + editor.selection.active.line + 1);
    this.fileLineItem.tooltip = t('Line of {0} on {1}, as grep -n counts it (the editor\'s Ln counts from the top of the lines loaded). Click to go to a file line.', remote.path, remote.host);
    this.fileLineItem.show();
  }

  /** Go to a line of the file (as grep -n counts), loading earlier pages when it is above the window. */
  private async goToFileLine(given?: number): Promise<void> {
    const remote = this.remoteDoc();
    if (!remote) return;
    const t = vscode.l10n.t;
    let line = given;
    if (line === undefined) {
      const typed = await vscode.window.showInputBox({
        prompt: t('Line of {0} on {1} (as grep -n counts)', remote.path, remote.host),
        validateInput: (v) => (/^\s*[1-9]\d*\s*$/.test(v) ? undefined : t('A line number: 1 or more')),
      });
      if (!typed) return;
      line = Number(typed);
    }
    await this.openAt(remote.host, remote.path, line);
  }

  get api(): LogViewerApi {
    return {
      open: (hostName, path) => this.open(hostName, path),
      openAt: (hostName, path, line) => this.openAt(hostName, path, line),
      decorationsFor: (uri) => this.decorations.decorationsFor(uri),
      lineNumbersFor: (editor) => this.decorations.lineNumbersFor(editor),
      document: (uri) => this.provider.find(uri),
      scanWholeFile: (uri) => this.scanWholeFile(uri),
      refreshed: (doc) => this.decorations.view(doc),
    };
  }

  /** Open `path` on `hostName` as a remote log, its tail shown, in the sofa-log language. */
  async open(hostName: string, path: string): Promise<vscode.TextEditor> {
    const uri = remoteLogUri(hostName, path);
    // An editor already showing the log keeps its place; a new one shows the last line.
    const shown = vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === uri.toString());
    const remote = await this.provider.forOpen(uri);
    try {
      await remote.loaded;
    } catch (err) {
      this.provider.discard(uri);
      throw err;
    }
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== LOG_LANGUAGE) doc = await vscode.languages.setTextDocumentLanguage(doc, LOG_LANGUAGE);
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    if (shown) return editor;
    const last = Math.max(0, doc.lineCount - 1);
    editor.selection = new vscode.Selection(last, 0, last, 0);
    editor.revealRange(new vscode.Range(last, 0, last, 0), vscode.TextEditorRevealType.Default);
    return editor;
  }

  /**
   * Open the log with file line `fileLine` (1-based, as grep -n counts) selected: earlier pages are
   * loaded until the window holds it (at most `MAX_PAGES_TO_LINE`; beyond that the user is told).
   */
  async openAt(hostName: string, path: string, fileLine: number): Promise<vscode.TextEditor> {
    const editor = await this.open(hostName, path);
    const remote = this.provider.find(editor.document.uri);
    const before = await remote?.linesCounted();
    if (!remote || before === undefined) return editor;
    let line = fileLine - 1 - before;
    for (let pages = 0; line < 0 && remote.start > 0 && pages < MAX_PAGES_TO_LINE; pages++) {
      const changed = new Promise<void>((resolve) => {
        const sub = vscode.workspace.onDidChangeTextDocument((e) => {
          if (e.document !== editor.document) return;
          sub.dispose();
          resolve();
        });
        setTimeout(() => {
          sub.dispose();
          resolve();
        }, 5000);
      });
      const added = await remote.loadEarlier();
      if (!added) break;
      await changed;
      line += added;
    }
    if (line < 0 || line >= editor.document.lineCount) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Line {0} of {1} is outside the loaded window (lines {2}–{3}).', fileLine, path, (remote.linesBefore ?? 0) + 1, (remote.linesBefore ?? 0) + remote.lineCount));
      return editor;
    }
    editor.selection = new vscode.Selection(line, 0, line, 0);
    editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenter);
    return editor;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const remote = this.provider.find(doc.uri);
    if (!remote || remote.error !== undefined) return [];
    const t = vscode.l10n.t;
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses: vscode.CodeLens[] = [];
    if (remote.start > 0) {
      lenses.push(new vscode.CodeLens(top, { title: `$(fold-up) ${t('Load earlier lines ({0} before this window)', formatBytes(remote.start))}`, command: CommandIds.loadEarlierLog, arguments: [doc.uri] }));
    }
    lenses.push(remote.following
      ? new vscode.CodeLens(top, { title: `$(debug-pause) ${remote.followState === 'reconnecting' ? t('Reconnecting… (stop following)') : t('Following (stop)')}`, command: CommandIds.stopFollowingLog, arguments: [doc.uri] })
      : new vscode.CodeLens(top, { title: `$(debug-start) ${t('Follow')}`, command: CommandIds.followLog, arguments: [doc.uri] }));
    lenses.push(new vscode.CodeLens(top, { title: `$(search) ${t('Scan whole file')}`, command: CommandIds.scanRemoteLog, arguments: [doc.uri] }));
    const first = remote.linesBefore;
    const where = first === undefined ? '' : t('lines {0}–{1} of the file', first + 1, first + remote.lineCount);
    lenses.push(new vscode.CodeLens(top, { title: `${remote.host}:${remote.path} · ${formatBytes(remote.size)}${where ? ` · ${where}` : ''}`, command: '' }));
    return lenses;
  }

  private remoteDoc(uri?: vscode.Uri): RemoteLogDocument | undefined {
    const target = uri ?? vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== LOG_SCHEME) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a remote log first (SOFA Ops: Open Log).'));
      return undefined;
    }
    return this.provider.document(target);
  }

  private async loadEarlier(uri?: vscode.Uri): Promise<void> {
    const remote = this.remoteDoc(uri);
    if (!remote) return;
    const added = await remote.loadEarlier();
    // Keep the line that was at the top in view: it moved down by the lines added.
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === remote.uri.toString());
    if (editor && added) {
      const sub = vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document !== editor.document) return;
        sub.dispose();
        editor.revealRange(new vscode.Range(added, 0, added, 0), vscode.TextEditorRevealType.AtTop);
      });
      setTimeout(() => sub.dispose(), 5000);
    }
  }

  private async goToProblem(direction: 1 | -1): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    const view = await this.decorations.view(editor.document);
    const line = view && nextFindingLine(view.lines, editor.selection.active.line, direction);
    if (line === undefined) {
      void vscode.window.setStatusBarMessage(vscode.l10n.t('No known problems in this log'), 3000);
      return;
    }
    editor.selection = new vscode.Selection(line, 0, line, 0);
    editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async scanCommand(uri?: vscode.Uri): Promise<void> {
    const remote = this.remoteDoc(uri);
    if (!remote) return;
    const result = await this.scanWholeFile(remote.uri);
    const t = vscode.l10n.t;
    const show = t('Show Problems');
    const message = t('{0}: {1} matching line(s) in the whole file ({2} transferred in {3} s).', remote.path, result.totals.findings, formatBytes(result.transferred), (result.durationMs / 1000).toFixed(1));
    // The scan is done when the notification shows, not when it is dismissed.
    void vscode.window.showInformationMessage(message, show).then((choice) => {
      if (choice === show) void vscode.commands.executeCommand('workbench.actions.view.problems');
    });
  }

  /** Scan the whole file on its host; the summary goes to the Problems panel. */
  async scanWholeFile(uri: vscode.Uri): Promise<RemoteScanResult & { findings: LogFinding[] }> {
    const remote = this.provider.document(uri);
    const matcher = await this.decorations.matcherFor(uri);
    const findings: LogFinding[] = [];
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Scanning {0} on {1}…', remote.path, remote.host), cancellable: true },
      (_progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return scanRemoteLog((command, options) => this.ssh.exec(remote.host, command, options), remote.path, matcher, { signal: abort.signal, onFinding: (f) => findings.push(f) });
      },
    );
    const lang = catalogLanguage();
    this.decorations.setScanSummary(uri, summarizeFindings(findings).map((s) => ({ ...s, explanation: pick(s.explanation, lang) })), (fileLine) => {
      const before = remote.linesBefore;
      if (before === undefined) return undefined;
      const line = fileLine - 1 - before;
      return line >= 0 && line < remote.lineCount ? line : undefined;
    });
    this.logger.info(`scan ${remote.host}:${remote.path}: ${result.totals.findings} lines (${result.mode}, ${result.transferred} bytes, ${result.durationMs} ms)`);
    return { ...result, findings };
  }

  /** `sofaOps.openLog` from the palette (nothing), the tree (a log or host node) or code (host, path). */
  private async openCommand(target?: unknown, path?: unknown): Promise<void> {
    if (typeof target === 'string' && typeof path === 'string') {
      await this.open(target, path);
      return;
    }
    const node = target as CatalogNode | undefined;
    const inventory = await this.ssh.inventory();
    const hosts = inventory?.hosts ?? [];
    if (!hosts.length) throw new Error(vscode.l10n.t('No inventory hosts: add a sofa-ops.inventory.yaml to the workspace (or set sofaOps.inventoryFile).'));
    const catalog = logCatalogOf((await this.store.get()).catalog);
    const scope = node ? scopeOf(node) : {};
    if (node?.kind === 'log' && scope.log) {
      const log = catalog.logs.find((l) => l.id === scope.log);
      if (!log) return;
      const serving = hosts.filter((h) => log.components.some((c) => h.component === c || h.groups.includes(c)));
      if (!serving.length) throw new Error(vscode.l10n.t('No inventory host serves {0}.', log.components.join(', ')));
      const host = await pickHost(serving, vscode.l10n.t('Host to open {0} on', log.name));
      if (host) await this.open(host.name, hostLogPath(log.path, host.logRoot));
      return;
    }
    const host = node?.kind === 'host' && scope.host ? hosts.find((h) => h.name === scope.host) : await pickHost(hosts, vscode.l10n.t('Host to open a log on'));
    if (!host) return;
    const own = catalog.logs.filter((l) => l.components.some((c) => host.component === c || host.groups.includes(c)));
    const other = vscode.l10n.t('Other file…');
    const picked = await vscode.window.showQuickPick(
      [...own.map((l) => ({ label: l.name, description: hostLogPath(l.path, host.logRoot), detail: pick(l.records, catalogLanguage()), id: l.id })), { label: other, description: host.logRoot, id: '' }],
      { placeHolder: vscode.l10n.t('Log to open on {0}', host.name), matchOnDescription: true },
    );
    if (!picked) return;
    if (picked.id) {
      await this.open(host.name, logOnHost(catalog, picked.id, host)!.path);
      return;
    }
    const typed = await vscode.window.showInputBox({ prompt: vscode.l10n.t('Path of the log on {0}', host.name), value: `${host.logRoot}/` });
    if (typed) await this.open(host.name, logOnHost(catalog, typed, host)?.path ?? typed);
  }
}

async function pickHost(hosts: InventoryHost[], placeHolder: string): Promise<InventoryHost | undefined> {
  if (hosts.length === 1) return hosts[0];
  const picked = await vscode.window.showQuickPick(hosts.map((h) => ({ label: h.name, description: `${h.host}:${h.port}`, detail: h.component, host: h })), { placeHolder });
  return picked?.host;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MB`;
  return `${(n / (1 << 30)).toFixed(2)} GB`;
}
