/**
 * Holds the loaded catalog for the editor: loads lazily, reloads when catalog files or the
 * catalog folders setting change, and shows catalog problems in the Problems panel (never as a crash).
 */
import * as vscode from 'vscode';
import { loadCatalog } from '../core/catalog/catalogLoader';
import { listRunbooks } from '../core/catalog/runbookFiles';
import type { RunbookRef } from '../core/catalog/catalogTree';
import type { SourceProblem } from '../core/sourceProblem';
import type { Catalog } from '../core/catalog/types';
import { GuideSections } from '../core/guide/guideSections';
import { Disposable } from '../core/dispose';
import { publishProblems } from '../vscode/diagnostics';
import type { Logger } from '../vscode/logger';
import { extraCatalogPaths, onSettingChange } from '../vscode/settings';
import { SettingKeys } from '../vscode/ids';

export interface CatalogSnapshot {
  catalog: Catalog;
  problems: SourceProblem[];
  runbooks: RunbookRef[];
}

export class CatalogStore extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('sofa-ops-catalog'));
  private loading: Promise<CatalogSnapshot> | undefined;
  private current: CatalogSnapshot | undefined;
  private guide: Promise<GuideSections> | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
  ) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher('**/{*.catalog.yaml,catalog.yaml,*.runbook.md}'));
    const onFile = () => this.reload();
    this.register(watcher.onDidChange(onFile));
    this.register(watcher.onDidCreate(onFile));
    this.register(watcher.onDidDelete(onFile));
    // Only the catalog folders change what loads; the language is read where the catalog is shown.
    this.register(onSettingChange([SettingKeys.catalogPaths], () => this.reload()));
  }

  get bundledRoot(): string {
    return vscode.Uri.joinPath(this.extensionUri, 'runbooks').fsPath;
  }

  /** The last loaded snapshot, if any (for tests and synchronous readers). */
  get snapshot(): CatalogSnapshot | undefined {
    return this.current;
  }

  get(): Promise<CatalogSnapshot> {
    this.loading ??= this.load();
    return this.loading;
  }

  reload(): void {
    this.loading = undefined;
    this.changed.fire();
  }

  guideSections(): Promise<GuideSections> {
    this.guide ??= Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(this.extensionUri, 'runbooks', 'guide.zh.md'))).then(
      (bytes) => new GuideSections(new TextDecoder().decode(bytes)),
    );
    return this.guide;
  }

  private async load(): Promise<CatalogSnapshot> {
    const started = Date.now();
    const roots = [this.bundledRoot, ...extraCatalogPaths()];
    try {
      const [{ catalog, problems }, runbooks] = await Promise.all([loadCatalog(roots), listRunbooks(roots)]);
      this.publish(problems);
      this.logger.info(`catalog: ${catalog.products.length} products, ${problems.length} problems, ${runbooks.length} runbooks in ${Date.now() - started} ms`);
      this.current = { catalog, problems, runbooks };
    } catch (err) {
      this.logger.error('catalog load failed', err);
      const problem = { file: roots[0], line: 1, message: String(err) };
      this.publish([problem]);
      this.current = { catalog: { products: [] }, problems: [problem], runbooks: [] };
    }
    return this.current;
  }

  private publish(problems: SourceProblem[]): void {
    publishProblems(this.diagnostics, problems, 'SOFA Ops catalog');
  }
}
