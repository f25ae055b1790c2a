/**
 * Every products-tree node carries its typed scope, and the colouring and "Run Inspection" on a
 * node take it from `scopeOf`: the bundled catalog, a real inventory file and results shaped by the
 * real inspection planner. Registry's session server is listed in §2 (microservice/sessionserver)
 * and §7 (registry/registry-session): both nodes list §7's checks, so both turn red when one fails.
 */
import * as assert from 'assert';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { buildCatalogTree, walkNodes, type CatalogNode } from '../../../../src/core/catalog/catalogTree';
import { inspectionScopeOf, nodeResults, nodeStatus, scopeOf } from '../../../../src/core/catalog/nodeScope';
import { hostRef } from '../../../../src/core/catalog/productMembership';
import type { Catalog } from '../../../../src/core/catalog/types';
import { planInspection } from '../../../../src/core/checks/checkPlan';
import type { CheckResult, CheckStatus } from '../../../../src/core/checks/types';
import { loadInventory, type InventoryHost } from '../../../../src/core/inventory/inventory';
import { bundledCatalog, tempTree } from '../../helpers';

// session-1 serves §7's registry-session, so also §2's sessionserver.
const INVENTORY = `defaults: { port: 2022, user: admin }
products:
  registry: { registry-session: [{ name: session-1, host: 127.0.9.1 }], registry-meta: [{ name: meta-1, host: 127.0.9.2 }] }
  mq: { msgbroker: [{ name: broker-1, host: 127.0.9.5 }] }
`;

const FAILING = 'registry-session-health';

/** One result per planned check and host, as an inspection reports them; FAILING fails, the rest pass. */
function resultsOf(catalog: Catalog, hosts: InventoryHost[], scope: Parameters<typeof planInspection>[2] = {}): CheckResult[] {
  return planInspection(catalog, hosts, scope).hosts.flatMap(({ host, checks }) =>
    checks.map(({ check, product, component }): CheckResult => {
      const status: CheckStatus = check.id === FAILING ? 'fail' : 'pass';
      return { checkId: check.id, product: product.product.id, kind: check.kind, component, host: host.name, status, message: status, durationMs: 0, section: check.section, title: check.title, passWhen: check.passWhen };
    }),
  );
}

/** Check ids the tree lists anywhere under a node. */
const listedChecks = (node: CatalogNode) => new Set([...walkNodes(node.children)].filter((n) => n.kind === 'check').map((n) => scopeOf(n).entry!));

describe('typed tree scope and scopeOf', function () {
  this.timeout(60_000);
  let catalog: Catalog;
  let hosts: InventoryHost[];
  let tree: CatalogNode[];
  let cleanup: () => void;
  const find = (product: string, component?: string) => {
    const p = tree.find((n) => n.kind === 'product' && scopeOf(n).product === product)!;
    return component ? p.children.find((c) => c.kind === 'component' && scopeOf(c).component === component)! : p;
  };
  const hostUnder = (component: CatalogNode, name: string) => [...walkNodes(component.children)].find((n) => n.kind === 'host' && n.label === name)!;

  before(async () => {
    const t = tempTree({ 'inventory.yaml': INVENTORY });
    cleanup = t.cleanup;
    catalog = (await loadCatalog(bundledCatalog)).catalog;
    const { inventory, problems } = await loadInventory(path.join(t.dir, 'inventory.yaml'));
    assert.deepStrictEqual(problems, []);
    hosts = inventory.hosts;
    tree = buildCatalogTree(catalog, 'en', { hosts: hosts.map(hostRef) });
  });
  after(() => cleanup?.());

  it('gives each node kind its product, component, host, log or entry, narrowing its parent', () => {
    const ids = (kind: 'checks' | 'metrics' | 'plans' | 'patterns' | 'logs') => new Set(catalog.products.flatMap((p) => p[kind].map((x) => x.id)));
    const entries = { check: ids('checks'), metric: ids('metrics'), plan: ids('plans'), pattern: ids('patterns') };
    const logs = ids('logs');
    const kinds = new Set<string>();
    for (const n of walkNodes(tree)) {
      const s = scopeOf(n);
      kinds.add(n.kind);
      assert.ok(s.product && catalog.products.some((p) => p.product.id === s.product), `${n.id}: a product`);
      if (n.parent) for (const [k, v] of Object.entries(scopeOf(n.parent))) assert.strictEqual(s[k as keyof typeof s], v, `${n.id}: keeps its parent's ${k}`);
      if (n.kind === 'component') assert.strictEqual(s.component, n.label);
      if (n.kind === 'host') assert.ok(s.component && hosts.some((h) => h.name === s.host && h.name === n.label), `${n.id}: its inventory host, under a component`);
      if (n.kind === 'port') assert.ok(s.component && catalog.products.flatMap((p) => p.components).some((c) => c.id === s.component && c.ports.some((p) => String(p.port) === s.entry)), `${n.id}: its component's port`);
      if (n.kind === 'log') assert.ok(logs.has(s.log!), `${n.id}: a catalog log`);
      if (n.kind === 'check' || n.kind === 'metric' || n.kind === 'plan' || n.kind === 'pattern') assert.ok(entries[n.kind].has(s.entry!), `${n.id}: a catalog ${n.kind}`);
    }
    assert.deepStrictEqual([...kinds].sort(), ['check', 'component', 'group', 'host', 'log', 'metric', 'pattern', 'plan', 'port', 'product']);
    // General (items naming no component) has the product and no component.
    const general = [...walkNodes(tree)].find((n) => n.kind === 'group' && n.icon === 'general')!;
    assert.strictEqual(scopeOf(general).component, undefined);
    assert.ok(scopeOf(general).product);
  });

  it('colours both chapters of a twin red when its check fails, and nothing else red', () => {
    const results = resultsOf(catalog, hosts);
    assert.ok(results.some((r) => r.checkId === FAILING && r.host === 'session-1' && r.product === 'registry'), 'the planner runs the §7 health check on session-1');
    const status = nodeStatus(catalog);
    const red = (node: CatalogNode) => status(node, results)?.status;
    const session = find('registry', 'registry-session');
    const twin = find('microservice', 'sessionserver');
    assert.strictEqual(red(session), 'fail');
    assert.strictEqual(red(twin), 'fail', '§2 sessionserver lists the §7 health check, so it shows its failure');
    assert.strictEqual(red(find('registry')), 'fail');
    assert.strictEqual(red(find('microservice')), 'fail', 'a product is as red as its reddest component');
    assert.strictEqual(red(hostUnder(session, 'session-1')), 'fail');
    assert.strictEqual(red(hostUnder(twin, 'session-1')), 'fail');
    assert.strictEqual(red(find('registry', 'registry-meta')), 'pass');
    assert.strictEqual(red(hostUnder(find('registry', 'registry-meta'), 'meta-1')), 'pass');
    assert.strictEqual(red(find('mq')), 'pass');
    assert.strictEqual(red(find('registry', 'registry-data')), undefined, 'no host serves it: not coloured');
    const counts = status(session, results)!.counts;
    assert.strictEqual(counts.fail, 1);
    assert.strictEqual(counts.pass, results.filter((r) => r.host === 'session-1').length - 1);
  });

  it('counts under a node only checks the node lists', () => {
    const results = resultsOf(catalog, hosts);
    const pick = nodeResults(catalog);
    for (const n of walkNodes(tree)) {
      if (n.kind !== 'product' && n.kind !== 'component') continue;
      const listed = listedChecks(n);
      for (const r of pick(n, results)) assert.ok(listed.has(r.checkId), `${n.id} counts ${r.checkId} it does not list`);
    }
  });

  it('runs on a node exactly what colours it', () => {
    const whole = resultsOf(catalog, hosts);
    const pick = nodeResults(catalog);
    const key = (r: CheckResult) => `${r.checkId}@${r.host}`;
    const run = (node: CatalogNode) => {
      const scope = inspectionScopeOf(node);
      return resultsOf(catalog, scope.target ? hosts.filter((h) => h.name === scope.target) : hosts, scope).map(key).sort();
    };
    for (const node of [find('registry', 'registry-session'), find('microservice', 'sessionserver'), hostUnder(find('registry', 'registry-meta'), 'meta-1')]) {
      assert.ok(run(node).length, `${node.id}: the run plans checks`);
      assert.deepStrictEqual(run(node), pick(node, whole).map(key).sort(), `${node.id}: run ${JSON.stringify(inspectionScopeOf(node))}`);
    }
    // A product runs its own chapter's checks; its colour also counts its components' twins.
    const registry = new Set(pick(find('registry'), whole).map(key));
    assert.ok(run(find('registry')).every((k) => registry.has(k)));
    assert.deepStrictEqual(inspectionScopeOf(find('mq')), { product: 'mq' });
    assert.deepStrictEqual(inspectionScopeOf(find('microservice', 'sessionserver')), { component: 'sessionserver' });
    assert.deepStrictEqual(inspectionScopeOf(hostUnder(find('registry', 'registry-meta'), 'meta-1')), { target: 'meta-1' });
    const check = [...walkNodes([find('registry')])].find((n) => n.kind === 'check')!;
    assert.deepStrictEqual(inspectionScopeOf(check), {}, 'any other node runs the whole inspection');
  });
});
