/**
 * The "Log Search" view: the last cross-host search's hits, grouped by host (a heading per host
 * with its match count or why it was not searched), each hit at its file line; a click opens the
 * remote log at that line. It stays after the quick pick is gone, so an operator can walk the hits
 * of every host one after another.
 */
import * as vscode from 'vscode';
import { Disposable } from '../core/dispose';
import type { HostGrepResult } from '../core/logs/hostGrep';
import { CommandIds, ContextKeys, ViewIds } from '../vscode/ids';

type Node =
  | { kind: 'host'; result: HostGrepResult }
  | { kind: 'hit'; host: string; file: string; line: number; text: string; rotated: boolean };

export interface LogSearchShown {
  /** What was searched: the log's name and the text. */
  title: string;
  results: HostGrepResult[];
}

export class LogSearchView extends Disposable implements vscode.TreeDataProvider<Node> {
  private shown: LogSearchShown | undefined;
  private readonly changed = this.register(new vscode.EventEmitter<Node | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Node>;

  constructor() {
    super();
    this.view = this.register(vscode.window.createTreeView(ViewIds.logSearch, { treeDataProvider: this, showCollapseAll: true }));
  }

  /** Shows `shown` in the view (making the view visible in the SOFA Ops container). */
  async show(shown: LogSearchShown): Promise<void> {
    this.shown = shown;
    const total = shown.results.reduce((n, r) => n + r.matches, 0);
    this.view.message = vscode.l10n.t('{0}: {1} match(es) on {2} host(s)', shown.title, total, shown.results.length);
    await vscode.commands.executeCommand('setContext', ContextKeys.hasLogSearch, true);
    this.changed.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const t = vscode.l10n.t;
    if (node.kind === 'host') {
      const r = node.result;
      const item = new vscode.TreeItem(r.host, r.matches ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
      item.description = r.error ? t('not searched: {0}', r.error) : t('{0} match(es)', r.matches);
      item.iconPath = new vscode.ThemeIcon(r.error ? 'error' : 'server');
      item.tooltip = r.error ?? r.path;
      return item;
    }
    const item = new vscode.TreeItem(`${node.line}`, vscode.TreeItemCollapsibleState.None);
    item.description = node.text.slice(0, 300);
    item.tooltip = `${node.host}:${node.file}:${node.line}\n${node.text}`;
    item.iconPath = new vscode.ThemeIcon('search');
    // A compressed rotated file cannot be opened in the viewer: say so rather than open nothing.
    item.command = { command: CommandIds.openLogSearchHit, title: t('Open'), arguments: [node.host, node.file, node.line] };
    if (node.rotated) item.description = `${node.file.split('/').pop()} · ${item.description}`;
    return item;
  }

  getChildren(node?: Node): Node[] {
    if (!this.shown) return [];
    if (!node) return this.shown.results.map((result) => ({ kind: 'host', result }));
    if (node.kind !== 'host') return [];
    const r = node.result;
    return r.files.flatMap((f) => f.lines.map((l) => ({ kind: 'hit' as const, host: r.host, file: f.path, line: l.line, text: l.text, rotated: f.path !== r.path })));
  }
}
