/**
 * Editor glue for the cross-host log commands: "Search Logs Across Hosts…" (one log on every host
 * of its component, results in a quick pick grouped by host and in the Log Search view, which
 * stays; choosing a hit opens the remote log at that line) and "Incident Timeline…" (the known problems of a window as Markdown in an untitled
 * editor). The work is core's (hostGrep, logTimeline); this file only asks and shows.
 */
import { setMaxListeners } from 'events';
import * as vscode from 'vscode';
import type { CatalogStore } from '../catalog/catalogStore';
import type { CatalogNode } from '../core/catalog/catalogTree';
import { scopeOf } from '../core/catalog/nodeScope';
import { Disposable } from '../core/dispose';
import type { InventoryHost } from '../core/inventory/inventory';
import { grepOnHosts, type HostExec } from '../core/logs/hostGrep';
import { logCatalogOf } from '../core/logs/logCatalog';
import { checkQuery, type GrepQuery } from '../core/logs/logGrep';
import { collectTimeline, timelineMarkdown } from '../core/logs/logTimeline';
import { localTimeText, parseTimeBound, parseWindow } from '../core/logs/timeWindow';
import type { SshService } from '../ssh/sshService';
import { guarded } from '../vscode/errors';
import { CommandIds } from '../vscode/ids';
import type { Logger } from '../vscode/logger';
import { catalogLanguage } from '../vscode/settings';
import type { LogViewer } from './logViewer';
import { LogSearchView } from './logSearchView';

interface HitItem extends vscode.QuickPickItem {
  host?: string;
  file?: string;
  line?: number;
}

export class CrossHostSearch extends Disposable {
  private readonly results = this.register(new LogSearchView());

  constructor(
    private readonly store: CatalogStore,
    private readonly ssh: SshService,
    private readonly viewer: LogViewer,
    private readonly logger: Logger,
  ) {
    super();
    const t = vscode.l10n.t;
    // Code (tests, other commands) may pass what the prompts would ask: the text; the window.
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    this.register(vscode.commands.registerCommand(CommandIds.searchLogsAcrossHosts, guarded(logger, t('Search logs across hosts'), (node?: unknown, query?: unknown) => this.search(node as CatalogNode | undefined, text(query)))));
    this.register(vscode.commands.registerCommand(CommandIds.openLogSearchHit, guarded(logger, t('Open log'), (host: string, file: string, line: number) => this.open(host, file, line))));
    this.register(vscode.commands.registerCommand(CommandIds.incidentTimeline, guarded(logger, t('Incident timeline'), (node?: unknown, since?: unknown, until?: unknown) => this.timeline(node as CatalogNode | undefined, text(since), text(until)))));
  }

  private async hosts(): Promise<InventoryHost[]> {
    const hosts = (await this.ssh.inventory())?.hosts.filter((h) => !h.notSsh) ?? [];
    if (!hosts.length) throw new Error(vscode.l10n.t('No inventory hosts: add a sofa-ops.inventory.yaml to the workspace (or set sofaOps.inventoryFile).'));
    return hosts;
  }

  private exec(): HostExec {
    return (target, command, options) => this.ssh.exec(target.name, command, options);
  }

  /** From a log node: that log on every host serving it. From a host node: a log of its component, on every host of that component. */
  private async search(node?: CatalogNode, given?: string): Promise<void> {
    const t = vscode.l10n.t;
    const all = await this.hosts();
    const catalog = logCatalogOf((await this.store.get()).catalog);
    const serves = (h: InventoryHost, components: string[]) => components.some((c) => h.component === c || h.groups.includes(c));
    const { log: nodeLog, host: hostName } = node ? scopeOf(node) : {};
    let logId = node?.kind === 'log' ? nodeLog : undefined;
    let scope = all;
    if (node?.kind === 'host' && hostName) {
      const host = all.find((h) => h.name === hostName);
      if (host?.component) scope = all.filter((h) => h.component === host.component);
    }
    if (!logId) {
      const logs = catalog.logs.filter((l) => scope.some((h) => serves(h, l.components)));
      const picked = await vscode.window.showQuickPick(
        logs.map((l) => ({ label: l.name, description: l.path, detail: l.components.join(', '), id: l.id })),
        { placeHolder: t('Log to search'), matchOnDescription: true },
      );
      if (!picked) return;
      logId = picked.id;
    }
    const log = catalog.logs.find((l) => l.id === logId);
    if (!log) return;
    const hosts = scope.filter((h) => serves(h, log.components));
    if (!hosts.length) throw new Error(t('No inventory host serves {0}.', log.components.join(', ')));
    const text = given ?? await vscode.window.showInputBox({
      prompt: t('Text to find in {0} on {1} host(s) (literal; /…/ for a regex)', log.name, hosts.length),
      validateInput: (value) => {
        try {
          checkQuery(toQuery(value));
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    if (!text) return;
    const query = toQuery(text);
    const targets = await Promise.all(hosts.map((h) => this.ssh.target(h.name)));
    const results = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Searching {0} on {1} host(s)…', log.name, hosts.length), cancellable: true }, (_p, token) => {
      const abort = new AbortController();
      setMaxListeners(0, abort.signal); // one listener per remote command
      token.onCancellationRequested(() => abort.abort());
      return grepOnHosts(this.exec(), catalog, hosts, targets, { log: log.id, query: { ...query, maxCount: 1000 }, signal: abort.signal });
    });
    const items: HitItem[] = [];
    for (const r of results) {
      items.push({ label: r.error ? t('{0}: not searched', r.host) : t('{0}: {1} match(es)', r.host, r.matches), kind: vscode.QuickPickItemKind.Separator });
      if (r.error) items.push({ label: `$(error) ${r.error}` });
      for (const f of r.files) for (const l of f.lines) items.push({ label: `${l.line}`, description: l.text.slice(0, 300), detail: f.path === r.path ? undefined : f.path, host: r.host, file: f.path, line: l.line });
    }
    this.logger.info(`search ${log.id} for ${JSON.stringify(text)}: ${results.map((r) => `${r.host}=${r.error ? 'error' : r.matches}`).join(' ')}`);
    await this.results.show({ title: `${log.name} "${text}"`, results });
    const picked = await vscode.window.showQuickPick(items, { placeHolder: t('Matches of "{0}" by host: choose one to open the log at that line', text), matchOnDescription: true });
    if (!picked?.host || !picked.file || !picked.line) return;
    await this.open(picked.host, picked.file, picked.line);
  }

  private async open(host: string, file: string, line: number): Promise<void> {
    if (file.endsWith('.gz')) {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} is compressed; the viewer opens plain files only.', file));
      return;
    }
    await this.viewer.openAt(host, file, line);
  }

  private async timeline(node?: CatalogNode, givenSince?: string, givenUntil?: string): Promise<void> {
    const t = vscode.l10n.t;
    const all = await this.hosts();
    let hosts = all;
    const hostName = node ? scopeOf(node).host : undefined;
    if (node?.kind === 'host' && hostName) hosts = all.filter((h) => h.name === hostName);
    else {
      const components = [...new Set(all.map((h) => h.component).filter((c): c is string => !!c))].sort();
      const picked = await vscode.window.showQuickPick(
        [{ label: t('All hosts'), description: String(all.length), id: '' }, ...components.map((c) => ({ label: c, description: String(all.filter((h) => h.component === c).length), id: c }))],
        { placeHolder: t('Hosts for the timeline'), canPickMany: true },
      );
      if (!picked?.length) return;
      if (!picked.some((p) => p.id === '')) hosts = all.filter((h) => picked.some((p) => p.id === h.component));
    }
    const now = new Date();
    const since = givenSince ?? await vscode.window.showInputBox({ prompt: t('Start of the window (the logs\' own time)'), value: localTimeText(new Date(now.getTime() - 15 * 60_000)), validateInput: validTime });
    if (!since) return;
    const until = givenUntil ?? await vscode.window.showInputBox({ prompt: t('End of the window (excluded)'), value: localTimeText(new Date(now.getTime() + 60_000)), validateInput: validTime });
    if (!until) return;
    const window = parseWindow(since, until);
    const lang = catalogLanguage();
    const catalog = logCatalogOf((await this.store.get()).catalog);
    const targets = await Promise.all(hosts.map((h) => this.ssh.target(h.name)));
    const timeline = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Collecting the timeline from {0} host(s)…', hosts.length), cancellable: true }, (_p, token) => {
      const abort = new AbortController();
      setMaxListeners(0, abort.signal); // one listener per remote command
      token.onCancellationRequested(() => abort.abort());
      return collectTimeline(this.exec(), catalog, hosts, targets, { window, lang, signal: abort.signal });
    });
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: timelineMarkdown(timeline, lang) });
    await vscode.window.showTextDocument(doc, { preview: false });
  }
}

function toQuery(text: string): GrepQuery {
  const regex = text.length > 2 && text.startsWith('/') && text.endsWith('/');
  return { pattern: regex ? text.slice(1, -1) : text, regex };
}

function validTime(value: string): string | undefined {
  try {
    parseTimeBound(value);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
