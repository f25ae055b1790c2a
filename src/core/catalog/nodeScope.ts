/**
 * What a products-tree node is about (its product, component, host, log and catalog entry), typed
 * and set when the tree is built so nothing reads it back out of node id strings. The tree's
 * inspection colouring, "Run Inspection" on a node and the triage filter all take it from here.
 */
import { componentEquivalence } from '../checks/checkPlan';
import { countStatuses, notRun, rollUp, type CheckResult, type CheckStatus, type InspectionScope, type StatusCounts } from '../checks/types';
import type { CatalogNode } from './catalogTree';
import type { Catalog } from './types';

export interface NodeScope {
  /** Catalog product id; every node under a product has it. */
  product?: string;
  /** Catalog component id, for the component node and everything under it. */
  component?: string;
  /** Inventory host name, for host nodes. */
  host?: string;
  /** Catalog log id, for a log node and its patterns. */
  log?: string;
  /** The catalog entry the node is: a port number, or a pattern, check, metric or plan id. */
  entry?: string;
}

type Scoped = Pick<CatalogNode, 'kind' | 'scope'>;

/** A node's colour in the tree: the worst status of its results that ran, and counts of all. */
export interface NodeStatus {
  status: CheckStatus;
  counts: StatusCounts;
}

/** The node's scope, as the tree set it. */
export function scopeOf(node: Pick<CatalogNode, 'scope'>): NodeScope {
  return node.scope;
}

/**
 * What "Run Inspection" on a node runs. A component runs without its product so that it covers
 * the checks the node lists from another chapter (the same deployed app listed twice, see
 * productMembership); other nodes than product, component and host run the whole inspection.
 */
export function inspectionScopeOf(node: Scoped): InspectionScope {
  const scope = scopeOf(node);
  if (node.kind === 'product') return { product: scope.product };
  if (node.kind === 'component') return { component: scope.component };
  if (node.kind === 'host') return { target: scope.host };
  return {};
}

/**
 * The results that colour a node, matched the way the tree lists checks: a component takes the
 * results of its own and its twins' checks (whichever chapter defines them), a product its own
 * checks' results and its components' twins', a host every result on it. Other nodes: none.
 */
export function nodeResults(catalog: Catalog): (node: Scoped, results: readonly CheckResult[]) => CheckResult[] {
  const equivalence = componentEquivalence(catalog);
  const same = (component: string) => equivalence.get(component) ?? new Set([component]);
  const productComponents = new Map(catalog.products.map((p) => [p.product.id, new Set(p.components.flatMap((c) => [...same(c.id)]))]));
  return (node, results) => {
    const { product, component, host } = scopeOf(node);
    if (node.kind === 'product' && product) {
      const mine = productComponents.get(product) ?? new Set<string>();
      return results.filter((r) => r.product === product || mine.has(r.component));
    }
    if (node.kind === 'component' && component) {
      const twins = same(component);
      return results.filter((r) => twins.has(r.component));
    }
    if (node.kind === 'host' && host) return results.filter((r) => r.host === host);
    return [];
  };
}

/** The colour and counts of a node (product, component or host); undefined when none of its checks ran. */
export function nodeStatus(catalog: Catalog): (node: Scoped, results: readonly CheckResult[]) => NodeStatus | undefined {
  const resultsOf = nodeResults(catalog);
  return (node, results) => {
    const mine = resultsOf(node, results);
    const status = rollUp(mine.filter((r) => !notRun(r.status)));
    return status ? { status, counts: countStatuses(mine) } : undefined;
  };
}
