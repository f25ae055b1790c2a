/** Wires SOFA Ops together in dependency order; every disposable goes into context.subscriptions. */
import * as vscode from 'vscode';
import { CatalogStore } from './catalog/catalogStore';
import { GuidePanel } from './guide/guidePanel';
import { ProductsTreeProvider } from './tree/productsTreeProvider';
import { guarded } from './vscode/errors';
import { CommandIds, ViewIds } from './vscode/ids';
import { Logger } from './vscode/logger';

/** What activate() returns: used by the in-editor test suite and by other extensions. */
export interface SofaOpsApi {
  readonly activatedInMs: number;
  catalog(): CatalogStore['snapshot'];
  readonly catalogStore: CatalogStore;
  readonly productsTree: ProductsTreeProvider;
  readonly productsView: vscode.TreeView<unknown>;
  readonly guidePanel: GuidePanel;
}

export function activate(context: vscode.ExtensionContext): SofaOpsApi {
  const started = Date.now();
  const channel = Logger.createChannel();
  context.subscriptions.push(channel);
  const logger = new Logger(channel, 'main');

  const catalogStore = new CatalogStore(context.extensionUri, logger.child('catalog'));
  const productsTree = new ProductsTreeProvider(catalogStore);
  const productsView = vscode.window.createTreeView(ViewIds.products, { treeDataProvider: productsTree, showCollapseAll: true });
  const guidePanel = new GuidePanel(catalogStore);
  context.subscriptions.push(catalogStore, productsTree, productsView, guidePanel);

  context.subscriptions.push(
    vscode.commands.registerCommand(CommandIds.refreshCatalog, guarded(logger, vscode.l10n.t('Refresh catalog'), () => catalogStore.reload())),
    vscode.commands.registerCommand(CommandIds.openGuideSection, guarded(logger, vscode.l10n.t('Open guide section'), (target?: unknown) => guidePanel.open(target as string | undefined))),
  );

  const activatedInMs = Date.now() - started;
  logger.info(`activated in ${activatedInMs} ms`);
  return { activatedInMs, catalog: () => catalogStore.snapshot, catalogStore, productsTree, productsView: productsView as vscode.TreeView<unknown>, guidePanel };
}

export function deactivate(): void {}
