/** Hover over a known log line: the guide's explanation and action, the section link, the field table. */
import * as vscode from 'vscode';
import type { CatalogStore } from '../catalog/catalogStore';
import { badFieldAdvice, type FieldAdvice, findingMarkdown, hoverLabelsFor } from '../core/logs/findingView';
import { Disposable } from '../core/dispose';
import type { GuideSections } from '../core/guide/guideSections';
import { CommandIds } from '../vscode/ids';
import { catalogLanguage } from '../vscode/settings';
import type { LogDecorations } from './logDecorations';

export class LogHoverProvider extends Disposable implements vscode.HoverProvider {
  private sections: GuideSections | undefined;
  private advice: Promise<Map<string, FieldAdvice>> | undefined;

  constructor(
    private readonly decorations: LogDecorations,
    private readonly store: CatalogStore,
  ) {
    super();
    void store.guideSections().then((s) => (this.sections = s), () => undefined);
    this.register(store.onDidChange(() => (this.advice = undefined)));
  }

  async provideHover(doc: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const view = await this.decorations.view(doc);
    const finding = view?.byLine.get(position.line);
    if (!finding) return undefined;
    this.sections ??= await this.store.guideSections().catch(() => undefined);
    this.advice ??= this.store.get().then((s) => badFieldAdvice(s.catalog));
    const advice = await this.advice;
    const base = this.decorations.linesBeforeWindow(doc.uri);
    const text = findingMarkdown(finding, {
      lang: catalogLanguage(),
      labels: hoverLabelsFor(catalogLanguage()),
      sectionTitle: (n) => this.sections?.find(n)?.title,
      openSectionCommand: CommandIds.openGuideSection,
      fieldAdvice: (id) => advice.get(id),
      fileLine: (line) => (base === undefined ? undefined : base + line),
    });
    const markdown = new vscode.MarkdownString(text);
    // Links may run exactly one command: opening a guide section.
    markdown.isTrusted = { enabledCommands: [CommandIds.openGuideSection] };
    const line = doc.lineAt(position.line);
    return new vscode.Hover(markdown, line.range);
  }
}
