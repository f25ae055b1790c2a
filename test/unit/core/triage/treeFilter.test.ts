/** The products tree filter: a search over the whole catalog shows its hits and the path to them. */
import * as assert from 'assert';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { buildCatalogTree, walkNodes, type CatalogNode } from '../../../../src/core/catalog/catalogTree';
import { filterCatalogTree, hitKeys } from '../../../../src/core/triage/treeFilter';
import { TriageIndex } from '../../../../src/core/triage/triageIndex';
import { bundledCatalog } from '../../helpers';

const path = (n: CatalogNode): string[] => (n.parent ? [...path(n.parent), n.label] : [n.label]);

describe('products tree filter', function () {
  this.timeout(60_000);

  it('finds port 9529 deep in collapsed nodes, with the path from the product down', async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const tree = buildCatalogTree(catalog, 'en');
    const hits = new TriageIndex(catalog).query('9529', { limit: 20 }).results;
    const matched = new Set<CatalogNode>();
    const filtered = filterCatalogTree(tree, hitKeys(hits), matched);
    const port = [...walkNodes(filtered)].find((n) => n.kind === 'port' && n.label === '9529');
    assert.ok(port, 'the 9529 port node is in the filtered tree');
    assert.deepStrictEqual(path(port).slice(1), ['msgbroker', 'Ports', '9529']);
    assert.ok(matched.has(port));
    assert.ok(filtered.length < tree.length, 'products without a hit are left out');
    // Nothing that does not lead to a hit stays.
    const inHit = (n: CatalogNode | undefined): boolean => !!n && (matched.has(n) || inHit(n.parent));
    for (const n of walkNodes(filtered)) {
      assert.ok(inHit(n) || [...walkNodes(n.children)].some((d) => matched.has(d)), `${path(n).join(' / ')} leads to no hit`);
    }
  });

  it('shows a bad field value under its log, and nothing for no hits', async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const tree = buildCatalogTree(catalog, 'en');
    const filtered = filterCatalogTree(tree, hitKeys([{ kind: 'field', id: 'microservice-fmt-drmdata-push.result', logs: ['drmdata-drmdata-push'] }]));
    assert.ok([...walkNodes(filtered)].some((n) => n.kind === 'log' && n.scope.log === 'drmdata-drmdata-push'));
    assert.deepStrictEqual(filterCatalogTree(tree, new Set()), []);
  });

  it('finds a check under both chapters that list it, and a component by its id', async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const tree = buildCatalogTree(catalog, 'en');
    const matched = new Set<CatalogNode>();
    filterCatalogTree(tree, hitKeys([{ kind: 'check', id: 'registry-session-health' }, { kind: 'component', id: 'msgbroker' }]), matched);
    const where = [...matched].map((n) => path(n).slice(0, 2).join(' / ')).sort();
    assert.deepStrictEqual(where, ['Message Queue (MQ) / msgbroker', 'Microservice Platform / sessionserver', 'Service Registry (SOFA Registry) / registry-session']);
  });
});
