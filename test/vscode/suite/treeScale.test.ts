/**
 * The products tree over a 5,000-host workspace inventory, inside the real editor: every host is
 * listed under its component, a host deep in a 2,500-row list can be revealed, and opening the
 * whole tree connects to nothing (a TCP listener stands in for every host's SSH port and counts).
 * The times are printed with the run's numbers, not asserted; the < 200 ms proof is
 * bench/tree.bench.ts (bench/README.md, "Products tree").
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { bigInventory, type BigInventory } from '../../fixtures/bigInventory';
import type { CatalogNode } from '../../../src/core/catalog/catalogTree';
import { api, note, productsOf, waitFor } from './harness';

const HOSTS = 5000;

describe('products tree with a 5,000-host inventory', function () {
  this.timeout(300_000);
  let listener: net.Server;
  let connections = 0;
  let folder: vscode.Uri;
  let big: BigInventory;

  before(async () => {
    // Every 127.1.x.y reaches a listener on 0.0.0.0: a connection to any inventory host counts.
    listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    // The catalog loads lazily, with the tree's first roots.
    await (await api()).productsTree.getChildren();
    const components = productsOf(await waitFor('the catalog to load', () => (api().then((a) => a.catalog())))).flatMap((p) => p.components.map((c) => ({ product: p.product.id, component: c.id })));
    const crowded = components.find((c) => c.component === 'registry-session');
    big = bigInventory(components, HOSTS, { port, crowded });
    folder = vscode.workspace.workspaceFolders![0].uri;
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'sofa-ops.inventory.yaml'), new TextEncoder().encode(big.text));
    // The file watcher reloads the inventory (and rebuilds the tree) on its own: let that pass
    // before the test times its own refresh.
    await new Promise((r) => setTimeout(r, 2000));
  });

  after(async () => {
    listener?.close();
    if (!folder) return;
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder, 'sofa-ops.inventory.yaml')).then(undefined, () => undefined);
    await vscode.commands.executeCommand('sofaOps.refreshCatalog');
  });

  it('lists all 5,000 hosts under their components, reveals one, and opens no SSH connection', async () => {
    const { productsTree, productsView } = await api();
    const tree = productsTree;
    await vscode.commands.executeCommand('sofaOps.refreshCatalog');
    const t0 = Date.now();
    // The first roots after the refresh: catalog and inventory reloaded, tree model built.
    let roots = await waitFor('the tree to list the inventory hosts', async () => {
      const r = await tree.getChildren();
      return r.some((p) => p.children.some((c) => c.children.some((g) => g.children.some((h) => h.kind === 'host')))) ? r : undefined;
    }, 60_000);
    const renderMs = Date.now() - t0;

    // What an inventory edit costs: the inventory alone reloads (the catalog stays), tree rebuilt.
    const { ssh } = await api();
    const t = Date.now();
    ssh.reload();
    await waitFor('the tree rebuilt with the hosts', async () => {
      const r = await tree.getChildren();
      return r !== roots && r.some((p) => p.children.some((c) => c.children.some((g) => g.children.some((h) => h.kind === 'host')))) ? r : undefined;
    }, 60_000);
    const reloadMs = Date.now() - t;

    roots = await tree.getChildren();
    // Expand everything as the view would: children of each node and a TreeItem for each row.
    const t1 = Date.now();
    const hostRows: CatalogNode[] = [];
    let rows = 0;
    const expand = async (nodes: CatalogNode[]) => {
      for (const n of nodes) {
        const item = await tree.getTreeItem(n);
        rows++;
        if (n.kind === 'host') {
          hostRows.push(n);
          assert.equal((item.iconPath as vscode.ThemeIcon).id, 'vm-outline', `${n.label} shows as not connected`);
        }
        await expand(await tree.getChildren(n));
      }
    };
    await expand(roots);
    const expandMs = Date.now() - t1;

    // Each host has a row under its component, and one more under the twin component of the
    // other chapter for the components the guide lists twice (registry servers in §2 and §7).
    assert.ok(hostRows.length >= HOSTS, `${hostRows.length} host rows for ${HOSTS} hosts`);
    assert.deepEqual(new Set(hostRows.map((h) => h.label)), new Set(big.names));
    for (const [key, names] of big.hostsByComponent) {
      if (!names.length) continue;
      const component = key.split('/')[1];
      // Its own hosts, in inventory order (a twin component also lists the other chapter's).
      const own = new Set(names);
      const shown = hostRows.filter((h) => h.parent?.parent?.label === component).map((h) => h.label).filter((n) => own.has(n as string));
      assert.deepEqual(shown, names, `${key}: its hosts, in inventory order`);
    }

    // The view itself renders a row deep in the 2,500 under registry-session (the node taken from
    // the tree as it is now: a background reload would have made new node objects).
    const label = hostRows.filter((h) => h.parent?.parent?.label === 'registry-session').at(-1)!.label;
    let revealMs = -1;
    if (productsView) {
      // What earlier tests left open (a quick pick, notifications) out of the way first.
      for (const command of ['workbench.action.closeQuickOpen', 'notifications.clearAll']) await vscode.commands.executeCommand(command);
      await vscode.commands.executeCommand('sofaOps.products.focus');
      // The node is taken from the tree as it is now, and taken again if a background reload
      // replaced it before the view selected it (a busy machine makes that window wide).
      const freshDeep = async () => {
        const now = await tree.getChildren();
        return now.flatMap((p) => p.children).find((c) => c.label === 'registry-session')!
          .children.find((g) => g.children.some((h) => h.kind === 'host'))!.children.at(-1)!;
      };
      let deep = await freshDeep();
      assert.equal(deep.label, label);
      const t2 = Date.now();
      await productsView.reveal(deep, { select: true, focus: true, expand: false });
      revealMs = Date.now() - t2;
      await waitFor('the revealed host to be selected', async () => {
        if (productsView.selection.some((n) => n.label === label)) return true;
        const again = await freshDeep();
        if (again !== deep) {
          deep = again;
          await productsView.reveal(deep, { select: true, focus: true, expand: false });
        }
        return undefined;
      }, 90_000);
    }

    // Anything connecting in the background would have reached the listener by now.
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(connections, 0, 'rendering and expanding the tree made no connection to any host');
    note(`products tree, ${HOSTS} hosts: roots after Refresh Catalog (catalog + inventory reloaded, model built) ${renderMs} ms; ` +
      `after an inventory reload (the catalog kept) ${reloadMs} ms; ` +
      `expanding all ${rows} rows (getChildren + getTreeItem) ${expandMs} ms; reveal of ${label} in the view ${revealMs} ms; SSH connections 0`);
  });
});
