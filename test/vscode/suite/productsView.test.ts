/** The SOFA Ops activity-bar view: it opens, and its tree lists products and their components. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CatalogNode } from '../../../src/core/catalog/catalogTree';
import { api, labelOf, productsOf, waitFor } from './harness';

// Literal ids on purpose: users, keybindings and docs depend on them, so a rename must fail here.
const CONTAINER_COMMAND = 'workbench.view.extension.sofaOps';
const VIEW_FOCUS_COMMAND = 'sofaOps.products.focus';

async function childrenWithItems<T>(tree: vscode.TreeDataProvider<T>, parent?: T): Promise<Array<{ node: T; item: vscode.TreeItem }>> {
  const nodes = (await tree.getChildren(parent)) ?? [];
  return Promise.all(nodes.map(async (node) => ({ node, item: await tree.getTreeItem(node) })));
}

describe('products view', () => {
  it('opens from the activity bar and is filled by the extension\'s tree provider', async () => {
    const { productsTree, productsView } = await api();
    // Spy on the provider: if the view id in code and in package.json drift apart, the workbench's
    // view never asks this provider for its roots.
    const original = productsTree.getChildren.bind(productsTree);
    let rootRequests = 0;
    productsTree.getChildren = (element?: CatalogNode) => {
      if (element === undefined) rootRequests++;
      return original(element);
    };
    try {
      await vscode.commands.executeCommand(CONTAINER_COMMAND);
      await vscode.commands.executeCommand(VIEW_FOCUS_COMMAND);
      await waitFor('the products view to become visible', () => productsView.visible);
      // The view may have fetched its roots before the spy went in: a refresh makes it ask again.
      await vscode.commands.executeCommand('sofaOps.refreshCatalog');
      await waitFor('the products view to request its top-level items', () => rootRequests > 0);
    } finally {
      productsTree.getChildren = original;
    }
  });

  it('lists the products, registry among them, and registry expands to its components', async () => {
    const { productsTree, catalog } = await api();
    const roots = await childrenWithItems(productsTree);
    const products = productsOf(catalog());
    assert.ok(roots.length >= products.length, `view shows ${roots.length} top-level items for ${products.length} products`);

    const registry = products.find((p) => p.product.id === 'registry');
    assert.ok(registry, 'catalog has no product "registry"');
    const names = [registry.product.name.zh, registry.product.name.en];
    const row = roots.find(({ item }) => names.some((n) => labelOf(item).includes(n)) || /(^|[:/])registry$/.test(item.id ?? ''));
    assert.ok(row, `no top-level item for registry; labels: ${roots.map((r) => labelOf(r.item)).join(' | ')}`);
    assert.notEqual(row.item.collapsibleState ?? vscode.TreeItemCollapsibleState.None, vscode.TreeItemCollapsibleState.None, 'registry cannot be expanded');

    const children = await childrenWithItems(productsTree, row.node);
    const childLabels = children.map((c) => labelOf(c.item));
    for (const component of registry.components) {
      const shown = children.some(
        ({ item }) => [component.name.zh, component.name.en].some((n) => labelOf(item).includes(n)) || (item.id ?? '').endsWith(`component:${component.id}`),
      );
      assert.ok(shown, `component ${component.id} missing under registry; children: ${childLabels.join(' | ')}`);
    }

    // A component opens onto its groups (Ports, Logs, Checks, ...): at least one has some.
    const grandchildren = await Promise.all(children.map((c) => productsTree.getChildren(c.node)));
    assert.ok(grandchildren.some((g) => (g ?? []).length > 0), 'no component of registry has anything under it');
  });

  it('speaks sofaOps.language: group labels follow the catalog text (zh 端口/日志, en Ports/Logs), and the Inspection view re-renders', async () => {
    const { productsTree, inspectionResults, catalogStore } = await api();
    const loaded = await catalogStore.get();
    const config = vscode.workspace.getConfiguration('sofaOps');
    const before = config.inspect<string>('language')?.globalValue;
    const groupsOfRegistryMeta = async () => {
      const roots = await childrenWithItems(productsTree);
      const registry = roots.find(({ item }) => /(^|[:/])registry$/.test(item.id ?? ''))!;
      const meta = (await childrenWithItems(productsTree, registry.node)).find(({ item }) => (item.id ?? '').endsWith('component:registry-meta'))!;
      return (await childrenWithItems(productsTree, meta.node)).map(({ item }) => labelOf(item));
    };
    let rerendered = 0;
    const listener = inspectionResults.onDidChangeTreeData(() => rerendered++);
    try {
      await config.update('language', 'zh', vscode.ConfigurationTarget.Global);
      await waitFor('the tree to show zh group labels', async () => (await groupsOfRegistryMeta()).includes('端口'));
      assert.ok((await groupsOfRegistryMeta()).includes('日志'));
      await waitFor('the Inspection view to re-render', () => rerendered > 0);
      await config.update('language', 'en', vscode.ConfigurationTarget.Global);
      await waitFor('the tree to show en group labels', async () => (await groupsOfRegistryMeta()).includes('Ports'));
      assert.ok(!(await groupsOfRegistryMeta()).includes('端口'));
      // The language is how the catalog is shown, not what loads: nothing was read again.
      assert.strictEqual(await catalogStore.get(), loaded, 'a language change reloaded the catalog');
    } finally {
      listener.dispose();
      await config.update('language', before, vscode.ConfigurationTarget.Global);
    }
  });

  it('reloads the catalog when sofaOps.catalogPaths changes, and only then', async () => {
    const { catalogStore } = await api();
    const config = vscode.workspace.getConfiguration('sofaOps');
    const before = config.inspect<string[]>('catalogPaths')?.workspaceValue;
    const loaded = await catalogStore.get();
    let changes = 0;
    const listener = catalogStore.onDidChange(() => changes++);
    try {
      // A setting of another part (the inspection interval) leaves the catalog as it is. Once a
      // listener added after the store's has seen the change, the store has seen it too.
      let seen = false;
      const seenListener = vscode.workspace.onDidChangeConfiguration((e) => (seen ||= e.affectsConfiguration('sofaOps.inspection.intervalMinutes')));
      await config.update('inspection.intervalMinutes', 720, vscode.ConfigurationTarget.Workspace);
      await waitFor('the change of sofaOps.inspection.intervalMinutes', () => seen).finally(() => seenListener.dispose());
      assert.strictEqual(await catalogStore.get(), loaded, 'an inspection setting reloaded the catalog');
      await config.update('catalogPaths', ['extra-catalog'], vscode.ConfigurationTarget.Workspace);
      await waitFor('the catalog to reload for its new folder', () => changes > 0);
      assert.notStrictEqual(await catalogStore.get(), loaded);
    } finally {
      listener.dispose();
      await config.update('catalogPaths', before, vscode.ConfigurationTarget.Workspace);
      await config.update('inspection.intervalMinutes', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
