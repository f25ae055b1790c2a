/**
 * Marks the guide's known lines in log editors (remote `sofa-log:` windows and local `.log` files):
 * severity colours and overview-ruler marks, a per-file summary in the Problems panel, and the
 * findings behind hovers and next/previous problem. Findings come from the core matcher; the
 * decoration types are created once; redraws are throttled while a followed log grows.
 */
import * as vscode from 'vscode';
import type { CatalogStore } from '../catalog/catalogStore';
import { Disposable } from '../core/dispose';
import { fileLineNumbers } from '../core/logs/fileLineNumbers';
import { type LineMarks, markRanges, type MarkSeverity, summarizeFindings } from '../core/logs/findingView';
import { type LogCatalog, logCatalogOf, resolveLogs } from '../core/logs/logCatalog';
import { compileLogMatcher, type LogMatcher } from '../core/logs/logMatcher';
import { type LogFinding, scanText } from '../core/logs/logScanner';
import type { Severity } from '../core/catalog/types';
import { pick } from '../core/catalog/text';
import { catalogLanguage, onSettingChange } from '../vscode/settings';
import { SettingKeys } from '../vscode/ids';
import { LOG_LANGUAGE, LOG_SCHEME, type RemoteLogProvider } from './remoteLogProvider';

const REDRAW_MS = 150;
/** Line numbers are drawn for the visible lines and this many around them (scrolling stays numbered). */
const NUMBER_MARGIN = 200;
const SCROLL_REDRAW_MS = 30;
const LOCAL_SCHEMES = new Set(['file', 'untitled', 'vscode-remote']);
const SEVERITIES: MarkSeverity[] = ['critical', 'error', 'warning', 'info'];

const STYLE: Record<MarkSeverity, { line: string; ruler: string; text: string }> = {
  critical: { line: 'rgba(255, 0, 0, 0.20)', ruler: 'editorError.foreground', text: 'editorError.foreground' },
  error: { line: 'rgba(255, 64, 64, 0.10)', ruler: 'editorError.foreground', text: 'editorError.foreground' },
  warning: { line: 'rgba(255, 180, 0, 0.10)', ruler: 'editorWarning.foreground', text: 'editorWarning.foreground' },
  info: { line: 'rgba(80, 150, 255, 0.06)', ruler: 'editorInfo.foreground', text: 'editorInfo.foreground' },
};

/** What the viewer knows of one document's findings. */
export interface LogView {
  version: number;
  findings: LogFinding[];
  /** 0-based line → finding. */
  byLine: Map<number, LogFinding>;
  marks: LineMarks;
  /** 0-based finding lines, ascending (next/previous problem). */
  lines: number[];
}

/** A whole-file scan's summary row, shown in the Problems panel next to the window's. */
export interface ScanSummaryRow {
  id: string;
  severity: Severity;
  explanation: string;
  count: number;
  first: number;
  last: number;
}

export class LogDecorations extends Disposable {
  private readonly lineTypes = new Map<MarkSeverity, vscode.TextEditorDecorationType>();
  private readonly matchTypes = new Map<MarkSeverity, vscode.TextEditorDecorationType>();
  private readonly views = new Map<string, LogView>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('sofa-ops-logs'));
  private readonly windowDiagnostics = new Map<string, vscode.Diagnostic[]>();
  private readonly scanDiagnostics = new Map<string, vscode.Diagnostic[]>();
  private catalog: Promise<LogCatalog> | undefined;
  private readonly matchers = new Map<string, LogMatcher>();
  private readonly numberType = this.register(vscode.window.createTextEditorDecorationType({
    before: { color: new vscode.ThemeColor('editorLineNumber.foreground'), margin: '0 2ch 0 0' },
  }));
  private readonly numberTimers = new Map<vscode.TextEditor, NodeJS.Timeout>();
  private readonly drawnNumbers = new Map<vscode.TextEditor, { line: number; text: string }[]>();
  private readonly changed = this.register(new vscode.EventEmitter<vscode.Uri>());
  /** A document's findings were recomputed. */
  readonly onDidUpdate = this.changed.event;

  constructor(
    private readonly store: CatalogStore,
    private readonly remote: RemoteLogProvider,
  ) {
    super();
    for (const severity of SEVERITIES) {
      const style = STYLE[severity];
      this.lineTypes.set(severity, this.register(vscode.window.createTextEditorDecorationType({
        isWholeLine: true,
        backgroundColor: style.line,
        overviewRulerColor: new vscode.ThemeColor(style.ruler),
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      })));
      this.matchTypes.set(severity, this.register(vscode.window.createTextEditorDecorationType({
        color: new vscode.ThemeColor(style.text),
        fontWeight: severity === 'info' ? undefined : 'bold',
        textDecoration: severity === 'critical' ? 'underline' : undefined,
      })));
    }
    this.register(vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((e) => this.show(e))));
    this.register(vscode.workspace.onDidChangeTextDocument((e) => this.isLogDocument(e.document) && this.schedule(e.document)));
    this.register(vscode.workspace.onDidOpenTextDocument((doc) => this.isLogDocument(doc) && this.schedule(doc)));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)));
    this.register(store.onDidChange(() => this.reset()));
    this.register(remote.onDidChangeState((doc) => {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === doc.uri.toString());
      if (open) this.schedule(open);
    }));
    this.register(onSettingChange([SettingKeys.language], () => this.reset()));
    this.register(vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.scheduleNumbers(e.textEditor)));
    this.register({
      dispose: () => {
        this.timers.forEach((t) => clearTimeout(t));
        this.numberTimers.forEach((t) => clearTimeout(t));
      },
    });
    for (const editor of vscode.window.visibleTextEditors) this.show(editor);
  }

  isLogDocument(doc: vscode.TextDocument): boolean {
    if (doc.uri.scheme === LOG_SCHEME) return true;
    // Files only: output channels are 'log' documents too, and are not ours to mark.
    if (!LOCAL_SCHEMES.has(doc.uri.scheme)) return false;
    return doc.languageId === LOG_LANGUAGE || doc.languageId === 'log' || /\.log(\.\d+)?$/i.test(doc.uri.path);
  }

  /**
   * Lines of the file before the document's first line: 0 for a local file, the lines before the
   * window for a remote log (undefined until they are counted).
   */
  linesBeforeWindow(uri: vscode.Uri): number | undefined {
    return uri.scheme === LOG_SCHEME ? this.remote.find(uri)?.linesBefore : 0;
  }

  /** The file line numbers drawn in an editor (document line → number shown): for tests and the API. */
  lineNumbersFor(editor: vscode.TextEditor): { line: number; text: string }[] {
    return this.drawnNumbers.get(editor) ?? [];
  }

  /** The findings of a document, computed now if they are missing or stale. */
  async view(doc: vscode.TextDocument): Promise<LogView | undefined> {
    if (!this.isLogDocument(doc)) return undefined;
    const current = this.views.get(doc.uri.toString());
    if (current && current.version === doc.version) return current;
    return this.refresh(doc);
  }

  /** Cached findings (no recomputation), for synchronous readers. */
  cachedView(uri: vscode.Uri): LogView | undefined {
    return this.views.get(uri.toString());
  }

  /** What is drawn for a document: for tests and the API. */
  decorationsFor(uri: vscode.Uri): { line: number; start: number; end: number; severity: MarkSeverity; wholeLine: boolean }[] {
    const view = this.views.get(uri.toString());
    if (!view) return [];
    return [
      ...view.marks.lines.map((l) => ({ line: l.line, start: 0, end: 0, severity: l.severity, wholeLine: true })),
      ...view.marks.ranges.map((r) => ({ ...r, wholeLine: false })),
    ];
  }

  /** Show a whole-file scan's summary for a log in the Problems panel. */
  setScanSummary(uri: vscode.Uri, rows: ScanSummaryRow[], locate: (fileLine: number) => number | undefined): void {
    const t = vscode.l10n.t;
    this.scanDiagnostics.set(uri.toString(), rows.map((row) => {
      const line = locate(row.last) ?? locate(row.first) ?? 0;
      const d = new vscode.Diagnostic(
        new vscode.Range(line, 0, line, 0),
        t('Whole file: {0} line(s), first at line {1}, last at line {2} of the file — {3}', row.count, row.first, row.last, row.explanation),
        toDiagnosticSeverity(row.severity),
      );
      d.source = sourceLabel(t('SOFA Ops log scan'), uri);
      d.code = row.id;
      return d;
    }));
    this.publish(uri);
  }

  private schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    if (this.timers.has(key)) return;
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.refresh(doc);
    }, REDRAW_MS));
  }

  private async refresh(doc: vscode.TextDocument): Promise<LogView | undefined> {
    if (doc.isClosed) return undefined;
    const version = doc.version;
    const matcher = await this.matcherFor(doc.uri);
    const { findings } = scanText(matcher, doc.getText());
    const marks = markRanges(findings);
    const view: LogView = { version, findings, byLine: new Map(findings.map((f) => [f.line - 1, f])), marks, lines: marks.lines.map((l) => l.line) };
    this.views.set(doc.uri.toString(), view);
    this.summarize(doc, view);
    for (const editor of vscode.window.visibleTextEditors) if (editor.document === doc) this.draw(editor, view);
    this.changed.fire(doc.uri);
    return view;
  }

  private show(editor: vscode.TextEditor): void {
    if (!this.isLogDocument(editor.document)) return;
    const view = this.views.get(editor.document.uri.toString());
    if (view && view.version === editor.document.version) this.draw(editor, view);
    else this.schedule(editor.document);
  }

  private draw(editor: vscode.TextEditor, view: LogView): void {
    this.drawNumbers(editor);
    for (const severity of SEVERITIES) {
      editor.setDecorations(this.lineTypes.get(severity)!, view.marks.lines.filter((l) => l.severity === severity).map((l) => new vscode.Range(l.line, 0, l.line, 0)));
      editor.setDecorations(this.matchTypes.get(severity)!, view.marks.ranges.filter((r) => r.severity === severity).map((r) => new vscode.Range(r.line, r.start, r.line, r.end)));
    }
  }

  private scheduleNumbers(editor: vscode.TextEditor): void {
    if (this.numberTimers.has(editor) || !this.numbered(editor.document)) return;
    this.numberTimers.set(editor, setTimeout(() => {
      this.numberTimers.delete(editor);
      this.drawNumbers(editor);
    }, SCROLL_REDRAW_MS));
  }

  /** Remote logs and documents in the log language: the editor's own numbers are off for it (package.json). */
  private numbered(doc: vscode.TextDocument): boolean {
    return doc.uri.scheme === LOG_SCHEME || (doc.languageId === LOG_LANGUAGE && this.isLogDocument(doc));
  }

  /** The file's line numbers before the visible lines (and some around them). */
  private drawNumbers(editor: vscode.TextEditor): void {
    const doc = editor.document;
    if (!this.numbered(doc)) {
      if (this.drawnNumbers.delete(editor)) editor.setDecorations(this.numberType, []);
      return;
    }
    const visible = editor.visibleRanges;
    const from = (visible[0]?.start.line ?? 0) - NUMBER_MARGIN;
    const to = (visible[visible.length - 1]?.end.line ?? 0) + NUMBER_MARGIN;
    const endsWithBreak = doc.lineCount > 0 && doc.lineAt(doc.lineCount - 1).text === '';
    const labels = fileLineNumbers(this.linesBeforeWindow(doc.uri), from, to, doc.lineCount, endsWithBreak);
    this.drawnNumbers.set(editor, labels);
    editor.setDecorations(this.numberType, labels.map((l) => ({ range: new vscode.Range(l.line, 0, l.line, 0), renderOptions: { before: { contentText: l.text } } })));
  }

  /** One Problems-panel entry per pattern: how many lines, first and last seen. */
  private summarize(doc: vscode.TextDocument, view: LogView): void {
    const t = vscode.l10n.t;
    const lang = catalogLanguage();
    // Remote windows name lines of the file once the lines before the window are counted.
    const base = this.linesBeforeWindow(doc.uri);
    const fileLine = (line: number) => (base === undefined ? line : base + line);
    const diagnostics = summarizeFindings(view.findings).map((s) => {
      const first = view.byLine.get(s.first - 1);
      const match = first?.matches.find((m) => m.pattern.id === s.id);
      const range = new vscode.Range(s.first - 1, match?.start ?? 0, s.first - 1, match?.end ?? 0);
      const d = new vscode.Diagnostic(
        range,
        base === undefined
          ? t('{0} — {1} line(s) shown, first at line {2}, last at line {3} of this window', pick(s.explanation, lang), s.count, s.first, s.last)
          : t('{0} — {1} line(s) shown, first at line {2}, last at line {3} of the file', pick(s.explanation, lang), s.count, fileLine(s.first), fileLine(s.last)),
        toDiagnosticSeverity(s.severity),
      );
      d.source = sourceLabel('SOFA Ops', doc.uri);
      d.code = s.id;
      if (s.last !== s.first) {
        d.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, new vscode.Position(s.last - 1, 0)), t('last seen here'))];
      }
      return d;
    });
    this.windowDiagnostics.set(doc.uri.toString(), diagnostics);
    this.publish(doc.uri);
  }

  private publish(uri: vscode.Uri): void {
    const key = uri.toString();
    this.diagnostics.set(uri, [...(this.scanDiagnostics.get(key) ?? []), ...(this.windowDiagnostics.get(key) ?? [])]);
  }

  private forget(uri: vscode.Uri): void {
    for (const editor of this.drawnNumbers.keys()) if (editor.document.uri.toString() === uri.toString()) this.drawnNumbers.delete(editor);
    const key = uri.toString();
    this.views.delete(key);
    this.windowDiagnostics.delete(key);
    this.scanDiagnostics.delete(key);
    this.diagnostics.delete(uri);
  }

  private reset(): void {
    this.catalog = undefined;
    this.matchers.clear();
    this.views.clear();
    for (const editor of vscode.window.visibleTextEditors) this.show(editor);
  }

  /** The matcher for a file: the catalog log(s) its path says it is. */
  async matcherFor(uri: vscode.Uri): Promise<LogMatcher> {
    this.catalog ??= this.store.get().then((s) => logCatalogOf(s.catalog));
    const catalog = await this.catalog;
    const logs = resolveLogs(catalog, uri.path);
    const key = logs.map((l) => l.id).join(',');
    let matcher = this.matchers.get(key);
    if (!matcher) this.matchers.set(key, (matcher = compileLogMatcher(catalog, logs)));
    return matcher;
  }
}

/** A remote log's Problems entries name its host (the file row names it too: see resourceLabelFormatters). */
function sourceLabel(source: string, uri: vscode.Uri): string {
  return uri.scheme === LOG_SCHEME ? `${source} · ${uri.authority}` : source;
}

export function toDiagnosticSeverity(severity: Severity): vscode.DiagnosticSeverity {
  return severity === 'critical' || severity === 'error' ? vscode.DiagnosticSeverity.Error
    : severity === 'warning' ? vscode.DiagnosticSeverity.Warning
    : vscode.DiagnosticSeverity.Information;
}
