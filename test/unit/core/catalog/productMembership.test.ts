/**
 * One view of the catalog: for every product of the bundled catalog, `sofa-ops catalog --json`
 * and the products tree list the same logs, checks, alerts, plans and hosts under the same
 * components (and under General), the summary counts them once, and what another chapter lists
 * is marked in both. The inventory is a real file the CLI loads, as a user would pass it.
 */
import * as assert from 'assert';
import * as path from 'path';
import { main } from '../../../../src/cli/main';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { buildCatalogTree, type CatalogNode } from '../../../../src/core/catalog/catalogTree';
import { hostRef, type MembershipSummary } from '../../../../src/core/catalog/productMembership';
import type { Catalog } from '../../../../src/core/catalog/types';
import { loadInventory } from '../../../../src/core/inventory/inventory';
import { bundledCatalog, captureIO, tempTree } from '../../helpers';

// Hosts by the §7 ids, by a §2 id, and through an Ansible-style group: each must land on both chapters' component.
const INVENTORY = `defaults: { port: 2022, user: admin }
products:
  registry:
    registry-session:
      - { name: session-1, host: 127.0.9.1 }
    registry-meta:
      - { name: meta-1, host: 127.0.9.2 }
  microservice:
    dataserver:
      - { name: data-1, host: 127.0.9.3 }
    antscheduler:
      - { name: scheduler-1, host: 127.0.9.4 }
  mq:
    msgbroker:
      - { name: broker-1, host: 127.0.9.5 }
`;

type Kind = 'logs' | 'checks' | 'metrics' | 'plans' | 'hosts';
const GROUPS: Record<Kind, { groups: string[]; kind: CatalogNode['kind'] }> = {
  logs: { groups: ['logs'], kind: 'log' },
  checks: { groups: ['checks'], kind: 'check' },
  metrics: { groups: ['alerts'], kind: 'metric' },
  plans: { groups: ['emergency', 'scenarios', 'procedures'], kind: 'plan' },
  hosts: { groups: ['hosts'], kind: 'host' },
};

/** Item ids the tree lists under one component (or General) for a kind. */
function treeIds(owner: CatalogNode | undefined, kind: Kind): string[] {
  if (!owner) return [];
  const { groups, kind: nodeKind } = GROUPS[kind];
  return owner.children
    .filter((g) => g.kind === 'group' && groups.includes(g.icon ?? ''))
    .flatMap((g) => g.children.filter((n) => n.kind === nodeKind))
    .map((n) => (nodeKind === 'host' ? n.scope.host! : nodeKind === 'log' ? n.scope.log! : n.scope.entry!))
    .sort();
}

/** The same from the CLI's JSON. */
function jsonIds(members: MembershipSummary, kind: Kind, component: string | undefined): string[] {
  const list = kind === 'hosts' ? members.hosts.map((h) => ({ id: h.name, components: h.components })) : members[kind];
  return list.filter((x) => (component ? x.components.includes(component) : !x.components.length)).map((x) => x.id).sort();
}

describe('one view of the catalog: CLI summary, JSON and products tree agree', () => {
  let catalog: Catalog;
  let json: { products: Array<{ product: { id: string; section: string }; components: Array<{ id: string }>; members: MembershipSummary }> };
  let tree: CatalogNode[];
  let summary: string;
  let cleanup: () => void;

  before(async () => {
    const t = tempTree({ 'inventory.yaml': INVENTORY });
    cleanup = t.cleanup;
    const inventoryFile = path.join(t.dir, 'inventory.yaml');
    catalog = (await loadCatalog(bundledCatalog)).catalog;
    const io = captureIO();
    assert.strictEqual(await main(['catalog', '--json', '--inventory', inventoryFile], io, bundledCatalog), 0, io.stderr);
    json = JSON.parse(io.stdout) as typeof json;
    const listing = captureIO();
    assert.strictEqual(await main(['catalog', '--lang', 'en', '--inventory', inventoryFile], listing, bundledCatalog), 0, listing.stderr);
    summary = listing.stdout;
    const { inventory, problems } = await loadInventory(inventoryFile);
    assert.deepStrictEqual(problems, []);
    tree = buildCatalogTree(catalog, 'en', { hosts: inventory.hosts.map(hostRef) });
  });
  after(() => cleanup?.());

  it('lists the same logs, checks, alerts, plans and hosts under every component and under General, for every product', () => {
    assert.strictEqual(json.products.length, catalog.products.length);
    const compared: string[] = [];
    for (const product of json.products) {
      const root = tree.find((n) => n.id === `product:${product.product.id}`)!;
      assert.ok(root, product.product.id);
      for (const kind of Object.keys(GROUPS) as Kind[]) {
        for (const c of product.components) {
          const node = root.children.find((n) => n.id === `${root.id}/component:${c.id}`);
          assert.deepStrictEqual(treeIds(node, kind), jsonIds(product.members, kind, c.id), `${product.product.id} → ${c.id} → ${kind}`);
          compared.push(`${product.product.id}/${c.id}/${kind}`);
        }
        const general = root.children.find((n) => n.id === `${root.id}/general`);
        assert.deepStrictEqual(treeIds(general, kind), jsonIds(product.members, kind, undefined), `${product.product.id} → General → ${kind}`);
      }
    }
    assert.ok(compared.length > 100, `compared ${compared.length} component lists`);
  });

  it('shows registry (§7) with the logs the guide lists under §2, marked and counted once; the same hosts in both chapters', () => {
    const registry = json.products.find((p) => p.product.id === 'registry')!;
    const sessionLogs = registry.members.logs.filter((l) => l.components.includes('registry-session'));
    assert.ok(sessionLogs.some((l) => l.id === 'sessionserver-registry-session' && l.from === 'microservice'), 'registry-session.log, from §2');
    // Counted once: the summary's number is the distinct logs, and says how many §2 lists.
    const logCount = new Set(registry.members.logs.map((l) => l.id)).size;
    assert.strictEqual(logCount, registry.members.logs.length);
    assert.match(summary, new RegExp(`^registry .*\\n {2}5 components, \\d+ ports, ${logCount} logs \\(${logCount} from §2\\)`, 'm'));
    assert.match(summary, /^ {2}- registry-session: .* hosts session-1$/m);
    assert.match(summary, /^ {2}- sessionserver: .* hosts session-1$/m);
    assert.match(summary, /^ {2}- registry-data: .* hosts data-1$/m);
    // The tree marks the same log as another chapter's, under §7; under §2 it is its own.
    const session = tree.find((n) => n.id === 'product:registry')!.children.find((n) => n.label === 'registry-session')!;
    const log = session.children.find((g) => g.icon === 'logs')!.children.find((n) => n.scope.log === 'sessionserver-registry-session')!;
    assert.match(log.description!, / · from §2 Microservice Platform$/);
    const ms = tree.find((n) => n.id === 'product:microservice')!.children.find((n) => n.label === 'sessionserver')!;
    assert.doesNotMatch(ms.children.find((g) => g.icon === 'logs')!.children.find((n) => n.scope.log === 'sessionserver-registry-session')!.description!, /from §/);
    // A host is listed once per product however many of its components it serves.
    const hosts = json.products.find((p) => p.product.id === 'microservice')!.members.hosts.map((h) => h.name);
    assert.strictEqual(new Set(hosts).size, hosts.length);
  });
});
