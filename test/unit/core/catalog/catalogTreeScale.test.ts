/**
 * The products tree over a 5,000-host inventory (a real file, parsed and validated like the
 * editor does): every host is listed once under each component it serves (a component the guide
 * lists in two chapters also lists its twin's hosts), in inventory order,
 * with ids that stay unique and parents that lead back to the product (reveal needs them).
 * Structure only; how fast it is built is bench/tree.bench.ts's business.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { componentEquivalence } from '../../../../src/core/checks/checkPlan';
import { buildCatalogTree, walkNodes, type CatalogNode } from '../../../../src/core/catalog/catalogTree';
import type { Catalog } from '../../../../src/core/catalog/types';
import { loadInventory } from '../../../../src/core/inventory/inventory';
import { bigInventory } from '../../../fixtures/bigInventory';
import { bundledCatalog } from '../../helpers';

const HOSTS = 5000;

describe('products tree with a 5,000-host inventory', function () {
  this.timeout(60_000);
  let catalog: Catalog;
  let dir: string;

  before(async () => {
    ({ catalog } = await loadCatalog(bundledCatalog));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-tree-scale-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists every host under the component it serves (and its twin of the other chapter), once, in inventory order', async () => {
    const components = catalog.products.flatMap((p) => p.components.map((c) => ({ product: p.product.id, component: c.id })));
    const crowded = components.find((c) => c.component === 'registry-session')!;
    const big = bigInventory(components, HOSTS, { port: 2022, crowded });
    const file = path.join(dir, 'sofa-ops.inventory.yaml');
    fs.writeFileSync(file, big.text);
    const componentIds = new Map(components.map((c) => [c.component, c.product] as const));
    const { inventory, problems } = await loadInventory(file, { knownComponents: componentIds });
    assert.deepStrictEqual(problems, []);
    assert.strictEqual(inventory.hosts.length, HOSTS);

    const hosts = inventory.hosts.map((h) => ({ name: h.name, address: `${h.host}:${h.port}`, component: h.component, product: h.product, groups: h.groups }));
    const roots = buildCatalogTree(catalog, 'en', { hosts });
    const twinsOf = componentEquivalence(catalog);
    const componentOf = new Map(inventory.hosts.map((h) => [h.name, h.component!]));
    const all = [...walkNodes(roots)];
    const hostNodes = all.filter((n) => n.kind === 'host');

    // Each host under its own component (product/component/Hosts/host), in file order.
    const componentNode = (product: string, component: string): CatalogNode =>
      roots.find((r) => r.id === `product:${product}`)!.children.find((c) => c.id === `product:${product}/component:${component}`)!;
    for (const [key, names] of big.hostsByComponent) {
      const [product, component] = key.split('/');
      const cn = componentNode(product, component);
      const group = cn.children.find((g) => g.kind === 'group' && g.id.endsWith('/hosts'));
      if (!names.length) {
        assert.strictEqual(group, undefined, `${key} has no hosts and shows no Hosts group`);
        continue;
      }
      assert.ok(group, `${key}: no Hosts group`);
      assert.strictEqual(cn.children[0], group, `${key}: Hosts comes first`);
      // Its own hosts in file order; any others are hosts of its twin in the other chapter.
      const own = new Set(names);
      assert.deepStrictEqual(group.children.map((h) => h.label).filter((n) => own.has(n)), names, `${key}: hosts in inventory order`);
      const twins = twinsOf.get(component) ?? new Set([component]);
      const others = group.children.filter((h) => !own.has(h.label));
      assert.ok(others.every((h) => twins.has(componentOf.get(h.label)!)), `${key}: lists only its own and its twin's hosts`);
      assert.ok(group.children.every((h) => h.kind === 'host' && h.scope.host === h.label && /^127\.1\.\d+\.\d+:2022$/.test(h.description!)));
      assert.ok(group.children.every((h) => h.parent === group && group.parent === cn && cn.parent?.kind === 'product'), `${key}: getParent chain`);
    }
    assert.strictEqual(big.hostsByComponent.get('registry/registry-session')!.length, HOSTS / 2, 'one component opens onto 2,500 hosts');

    // Nothing lost, nothing doubled: a host shows once under its component, and once more under
    // each twin of that component in another chapter.
    const expected = inventory.hosts.reduce((n, h) => n + (twinsOf.get(h.component!)?.size ?? 1), 0);
    assert.strictEqual(hostNodes.length, expected);
    assert.deepStrictEqual(new Set(hostNodes.map((n) => n.scope.host)), new Set(big.names));
    assert.strictEqual(new Set(all.map((n) => n.id)).size, all.length, 'node ids are unique (the view keys expansion state on them)');
  });

  it('builds the same tree as without hosts, plus the Hosts groups', async () => {
    const components = catalog.products.flatMap((p) => p.components.map((c) => ({ product: p.product.id, component: c.id })));
    const big = bigInventory(components, HOSTS, { port: 2022 });
    const file = path.join(dir, 'second.inventory.yaml');
    fs.writeFileSync(file, big.text);
    const { inventory } = await loadInventory(file, { knownComponents: new Map(components.map((c) => [c.component, c.product] as const)) });
    const hosts = inventory.hosts.map((h) => ({ name: h.name, address: `${h.host}:${h.port}`, component: h.component, product: h.product, groups: h.groups }));
    const ids = (nodes: CatalogNode[]) => [...walkNodes(nodes)].map((n) => n.id);
    const without = ids(buildCatalogTree(catalog, 'en'));
    const withHosts = ids(buildCatalogTree(catalog, 'en', { hosts })).filter((id) => !/\/hosts(\/|$)/.test(id));
    assert.deepStrictEqual(withHosts, without);
  });
});
