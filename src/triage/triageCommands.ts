/**
 * Triage commands: **Triage…** (a quick pick: type or paste, ranked results as you go; Enter
 * opens the panel), **Explain Selection** from an editor (a remote log tab gives its host and
 * log) or from a terminal, and the products tree's whole-catalog filter.
 */
import * as vscode from 'vscode';
import { pick } from '../core/catalog/text';
import type { TriageAnswer, TriageResult } from '../core/triage/triageIndex';
import { LOG_SCHEME } from '../logs/remoteLogProvider';
import type { ProductsTreeProvider } from '../tree/productsTreeProvider';
import { CommandIds, ContextKeys } from '../vscode/ids';
import { catalogLanguage } from '../vscode/settings';
import type { TriagePanel } from './triagePanel';
import type { TriageService } from './triageService';

const KIND_ICONS: Record<TriageResult['kind'], string> = {
  pattern: 'symbol-string', field: 'symbol-field', metric: 'graph', check: 'checklist', port: 'plug', log: 'file', component: 'server-process', plan: 'book', product: 'package',
};

/** A remote log tab knows its host and which log it is; a local *.log file its log by name. */
function documentContext(doc: vscode.TextDocument): { host?: string; log?: string } {
  const remote = doc.uri.scheme === LOG_SCHEME;
  const log = remote || /\.log(\.\S+)?$/.test(doc.uri.path) ? doc.uri.path : undefined;
  return { ...(remote ? { host: doc.uri.authority } : {}), ...(log ? { log } : {}) };
}

type Guard = <A extends unknown[]>(what: string, handler: (...args: A) => unknown) => (...args: A) => Promise<void>;

interface ResultItem extends vscode.QuickPickItem {
  index: number;
}

export class TriageCommands {
  constructor(
    private readonly service: TriageService,
    private readonly panel: TriagePanel,
    private readonly tree: ProductsTreeProvider,
  ) {}

  register(guarded: Guard): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand(CommandIds.triage, guarded(vscode.l10n.t('Triage'), (text?: unknown) => (typeof text === 'string' && text.trim() ? this.explain(text) : this.pickAndShow()))),
      vscode.commands.registerCommand(CommandIds.explainSelection, guarded(vscode.l10n.t('Explain selection'), () => this.explainEditorSelection())),
      vscode.commands.registerCommand(CommandIds.explainTerminalSelection, guarded(vscode.l10n.t('Explain selection'), () => this.explainTerminalSelection())),
      vscode.commands.registerCommand(CommandIds.filterProducts, guarded(vscode.l10n.t('Filter products'), (text?: unknown) => this.filterTree(typeof text === 'string' ? text : undefined))),
      vscode.commands.registerCommand(CommandIds.clearProductsFilter, guarded(vscode.l10n.t('Clear filter'), () => this.setTreeFilter(undefined))),
    ];
  }

  /** Straight to the panel (a paste, a selection, a link). */
  async explain(text: string, context: { host?: string; log?: string } = {}): Promise<TriageAnswer> {
    const answer = await this.service.query(text, context);
    this.panel.show(text, answer);
    return answer;
  }

  private async pickAndShow(): Promise<void> {
    const qp = vscode.window.createQuickPick<ResultItem>();
    qp.title = vscode.l10n.t('SOFA Ops Triage');
    qp.placeholder = vscode.l10n.t('Paste an alert or a log line, or type words (推送, 9529, heartbeat…)');
    const editor = vscode.window.activeTextEditor;
    const selected = editor?.document.getText(editor.selection).trim();
    // Text taken from a log tab keeps that log's host and format; typed text is on its own.
    const context = selected && editor ? documentContext(editor.document) : {};
    let answer: TriageAnswer | undefined;
    let asked = 0;
    const update = async (value: string) => {
      const mine = ++asked;
      if (!value.trim()) {
        qp.items = [];
        return;
      }
      qp.busy = true;
      const got = await this.service.query(value, { limit: 15, ...(value === selected ? context : {}) });
      if (mine !== asked) return;
      answer = got;
      qp.busy = false;
      qp.items = got.results.length ? got.results.map((r, index) => this.item(r, index)) : [];
    };
    const done = new Promise<void>((resolve) => {
      qp.onDidChangeValue((v) => void update(v).catch(() => (qp.busy = false)));
      qp.onDidAccept(() => {
        const item = qp.selectedItems[0] ?? qp.activeItems[0];
        if (answer && item) this.panel.show(qp.value, answer, item.index);
        qp.hide();
      });
      qp.onDidHide(() => {
        qp.dispose();
        resolve();
      });
    });
    if (selected) {
      qp.value = selected;
      void update(selected);
    }
    qp.show();
    await done;
  }

  private item(r: TriageResult, index: number): ResultItem {
    const lang = catalogLanguage();
    const where = [r.component ?? r.product, `§${r.section}`, r.host ? vscode.l10n.t('on {0}', r.host.name) : ''].filter(Boolean).join(' · ');
    const detail = [r.explanation && pick(r.explanation, lang), r.action && `→ ${pick(r.action, lang)}`].filter(Boolean).join('  ');
    // alwaysShow: the ranking is ours, the quick pick's own label filter would hide good hits.
    return { index, label: `$(${KIND_ICONS[r.kind]}) ${pick(r.title, lang)}`, description: `${r.exact ? `${vscode.l10n.t('exact match')} · ` : ''}${where}`, detail: detail.replace(/\s+/g, ' ').slice(0, 240), alwaysShow: true };
  }

  private async explainEditorSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return this.explainTerminalSelection();
    const doc = editor.document;
    const text = editor.selections.map((s) => doc.getText(s.isEmpty ? doc.lineAt(s.active.line).range : s)).join('\n').trim();
    if (!text) return;
    await this.explain(text, documentContext(doc));
  }

  /**
   * The terminal API has no selection getter: copy the selection with the terminal's own
   * command and read it from the clipboard, putting the user's clipboard back afterwards.
   */
  private async explainTerminalSelection(): Promise<void> {
    const terminal = vscode.window.activeTerminal;
    if (!terminal) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Select text in an editor or a terminal first.'));
      return;
    }
    const saved = await vscode.env.clipboard.readText();
    await vscode.env.clipboard.writeText('');
    await vscode.commands.executeCommand('workbench.action.terminal.copySelection');
    const text = (await vscode.env.clipboard.readText()).trim();
    await vscode.env.clipboard.writeText(saved);
    if (!text) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Select text in an editor or a terminal first.'));
      return;
    }
    // Our SSH terminals are named "SSH HOST".
    const host = /^SSH (\S+)$/.exec(terminal.name)?.[1];
    await this.explain(text, host ? { host } : {});
  }

  private async filterTree(given?: string): Promise<void> {
    const text = given ?? (await vscode.window.showInputBox({ title: vscode.l10n.t('Filter products'), prompt: vscode.l10n.t('Searches the whole catalog: ports, logs, patterns, checks, alerts, plans (zh or en)'), value: this.tree.filterText ?? '' }));
    if (text === undefined) return;
    await this.setTreeFilter(text.trim() || undefined);
  }

  private async setTreeFilter(text: string | undefined): Promise<void> {
    const hits = text ? (await this.service.query(text, { limit: 40 })).results : [];
    this.tree.setFilter(text, hits);
    await vscode.commands.executeCommand('setContext', ContextKeys.productsFiltered, text !== undefined);
  }
}
