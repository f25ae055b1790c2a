/**
 * The products tree filtered by a triage search over the whole catalog (not only the nodes the
 * view has expanded): the nodes of the matching entries with their whole subtree, and the path
 * from the root to each. Node ids stay as they are, so everything keyed by them still works.
 */
import type { CatalogNode } from '../catalog/catalogTree';
import { scopeOf } from '../catalog/nodeScope';
import type { TriageKind } from './triageEntries';

export interface TreeHit {
  kind: TriageKind;
  id: string;
  /** For fields: the log the field is in (fields have no node of their own). */
  logs?: readonly string[];
}

/** Keys (`kind:id`) under which a node is one of the catalog's entries. */
function nodeKeys(node: CatalogNode): string[] {
  const { product, component, log, entry } = scopeOf(node);
  switch (node.kind) {
    case 'product':
      return product ? [`product:${product}`] : [];
    case 'component':
      return component ? [`component:${component}`] : [];
    case 'port':
      return component && entry ? [`port:${component}:${entry}`] : [];
    case 'log':
      return log ? [`log:${log}`] : [];
    case 'pattern':
    case 'check':
    case 'metric':
    case 'plan':
      return entry ? [`${node.kind}:${entry}`] : [];
    default:
      return [];
  }
}

export function hitKeys(hits: readonly TreeHit[]): Set<string> {
  const keys = new Set<string>();
  for (const h of hits) {
    if (h.kind === 'field') for (const log of h.logs ?? []) keys.add(`log:${log}`);
    else keys.add(`${h.kind}:${h.id}`);
  }
  return keys;
}

/** Pruned copies of `roots` (parents relinked); `matched` gets the copies of the nodes that matched. */
export function filterCatalogTree(roots: readonly CatalogNode[], keys: ReadonlySet<string>, matched: Set<CatalogNode> = new Set()): CatalogNode[] {
  const copyAll = (n: CatalogNode, parent: CatalogNode | undefined): CatalogNode => {
    const c: CatalogNode = { ...n, parent, children: [] };
    c.children = n.children.map((k) => copyAll(k, c));
    return c;
  };
  const prune = (n: CatalogNode, parent: CatalogNode | undefined): CatalogNode | undefined => {
    if (nodeKeys(n).some((k) => keys.has(k))) {
      const whole = copyAll(n, parent);
      matched.add(whole);
      return whole;
    }
    const c: CatalogNode = { ...n, parent, children: [] };
    c.children = n.children.map((k) => prune(k, c)).filter((k): k is CatalogNode => k !== undefined);
    return c.children.length ? c : undefined;
  };
  return roots.map((r) => prune(r, undefined)).filter((r): r is CatalogNode => r !== undefined);
}
