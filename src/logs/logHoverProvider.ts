/** Hover over a known log line: the guide's explanation and action, the section link, the field table. */
import * as vscode from 'vscode';
import type { CatalogStore } from '../catalog/catalogStore';
import { findingMarkdown, hoverLabelsFor } from '../core/logs/findingView';
import type { GuideSections } from '../core/guide/guideSections';
import { CommandIds } from '../vscode/ids';
import { catalogLanguage } from '../vscode/settings';
import type { LogDecorations } from './logDecorations';

export class LogHoverProvider implements vscode.HoverProvider {
  private sections: GuideSections | undefined;

  constructor(
    private readonly decorations: LogDecorations,
    private readonly store: CatalogStore,
  ) {
    void store.guideSections().then((s) => (this.sections = s), () => undefined);
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const view = await this.decorations.view(doc);
    const finding = view?.byLine.get(position.line);
    if (!finding) return undefined;
    this.sections ??= await this.store.guideSections().catch(() => undefined);
    const text = findingMarkdown(finding, {
      lang: catalogLanguage(),
      labels: hoverLabelsFor(catalogLanguage()),
      sectionTitle: (n) => this.sections?.find(n)?.title,
      openSectionCommand: CommandIds.openGuideSection,
    });
    const markdown = new vscode.MarkdownString(text);
    // Links may run exactly one command: opening a guide section.
    markdown.isTrusted = { enabledCommands: [CommandIds.openGuideSection] };
    const line = doc.lineAt(position.line);
    return new vscode.Hover(markdown, line.range);
  }
}
