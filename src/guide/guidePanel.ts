/** Shows a guide section beside the editor: the guide's own text (markdown-it) plus what the catalog took from it. */
import * as vscode from 'vscode';
import markdownit from 'markdown-it';
import type { CatalogStore } from '../catalog/catalogStore';
import { Disposable } from '../core/dispose';
import { itemsOfSection } from '../core/guide/sectionItems';
import type { CatalogNode } from '../core/catalog/catalogTree';
import { catalogLanguage } from '../vscode/settings';

export const GUIDE_PANEL_TYPE = 'sofaOps.guide';

export class GuidePanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private markdown: ReturnType<typeof markdownit> | undefined;
  /** The section on screen, for tests and for re-rendering on language change. */
  shownSection: string | undefined;

  constructor(private readonly store: CatalogStore) {
    super();
  }

  /** Accepts a tree node, a section number, or nothing (then asks). */
  async open(target?: CatalogNode | string): Promise<void> {
    const sections = await this.store.guideSections();
    let number = typeof target === 'string' ? target : target?.section;
    if (!number) {
      const picked = await vscode.window.showQuickPick(
        sections.all().map((s) => ({ label: `${s.number} ${s.title}`, number: s.number })),
        { placeHolder: vscode.l10n.t('Guide section to open') },
      );
      number = picked?.number;
    }
    if (!number) return;
    const section = sections.find(number);
    if (!section) throw new Error(vscode.l10n.t('The guide has no section {0}', number));
    const { catalog } = await this.store.get();
    const lang = catalogLanguage();
    const items = itemsOfSection(catalog, section.number, lang);

    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(GUIDE_PANEL_TYPE, '', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: false, enableFindWidget: true });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.shownSection = undefined;
      });
      this.register({ dispose: () => this.panel?.dispose() });
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside, true);
    }
    this.panel.title = vscode.l10n.t('Guide §{0} {1}', section.number, section.title);
    // The guide is trusted data, but HTML in it is still not rendered: a PDF dump may contain "<...>".
    this.markdown ??= markdownit({ html: false, linkify: true, breaks: false });
    const itemsHtml = items.length
      ? `<h2>${escapeHtml(vscode.l10n.t('In the SOFA Ops catalog'))}</h2><table>${items
          .map((i) => `<tr><td class="kind">${escapeHtml(i.kind)}</td><td><code>${escapeHtml(i.label)}</code></td><td>${escapeHtml(i.detail)}</td></tr>`)
          .join('')}</table>`
      : '';
    this.panel.webview.html = `<!DOCTYPE html><html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);line-height:1.6;padding:0 1.5em}
code,pre{font-family:var(--vscode-editor-font-family)}pre{background:var(--vscode-textCodeBlock-background);padding:.6em;overflow:auto}
table{border-collapse:collapse}td{border-top:1px solid var(--vscode-panel-border);padding:.3em .6em;vertical-align:top}td.kind{opacity:.7;white-space:nowrap}</style>
</head><body data-section="${escapeHtml(section.number)}">${this.markdown.render(section.markdown)}${itemsHtml}</body></html>`;
    this.shownSection = section.number;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
