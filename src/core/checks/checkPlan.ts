/**
 * Which of the catalog's checks apply to which inventory hosts. A check names catalog components;
 * a host serves one. The guide calls some deployed apps by two names in two chapters (registry's
 * `registry-data` is microservice's `dataserver`, both alias `data-server`), so a component also
 * matches another product's component that shares an alias with it.
 */
import type { Catalog, Check, Component, ProductCatalog } from '../catalog/types';
import type { InventoryHost } from '../inventory/inventory';
import type { InspectionScope } from './types';

export interface PlannedCheck {
  check: Check;
  product: ProductCatalog;
  /** The check's component this host serves. */
  component: string;
}

export interface HostPlan {
  host: InventoryHost;
  checks: PlannedCheck[];
}

/** A rule over the hosts of one component (composite checks). */
export interface GroupPlan {
  check: Check;
  product: ProductCatalog;
  component: string;
  hosts: InventoryHost[];
}

export interface InspectionPlan {
  hosts: HostPlan[];
  composites: GroupPlan[];
  /** `manual` checks of the products in scope: listed in the report, never run. */
  manual: PlannedCheck[];
}

function names(c: Component): string[] {
  return [c.id, c.appName ?? '', ...(c.aliases ?? [])].filter(Boolean).map((n) => n.toLowerCase());
}

/** Component id → every component id (in any product) that is the same deployed app. */
export function componentEquivalence(catalog: Catalog): Map<string, Set<string>> {
  const all = catalog.products.flatMap((p) => p.components);
  const result = new Map<string, Set<string>>();
  for (const c of all) {
    const mine = new Set(names(c));
    const same = new Set([c.id]);
    for (const other of all) if (other !== c && names(other).some((n) => mine.has(n))) same.add(other.id);
    result.set(c.id, same);
  }
  return result;
}

/**
 * Does `host` serve `component` (directly, through a group, or as an equivalent component)? A
 * host of a known component is not taken for another one because its product shares that one's
 * name (ACVIP's metadata RDS is in product `acvip`, not component `acvip`).
 */
export function serves(host: InventoryHost, component: string, equivalence: Map<string, Set<string>>): boolean {
  const same = equivalence.get(component) ?? new Set([component]);
  if (host.component && same.has(host.component)) return true;
  return host.groups.some((g) => same.has(g) && !(host.component && g === host.product));
}

export function planInspection(catalog: Catalog, hosts: readonly InventoryHost[], scope: InspectionScope = {}): InspectionPlan {
  const equivalence = componentEquivalence(catalog);
  const products = catalog.products.filter((p) => !scope.product || p.product.id === scope.product);
  const inScope = (component: string) => !scope.component || (equivalence.get(scope.component) ?? new Set([scope.component])).has(component);
  const plan: InspectionPlan = { hosts: hosts.map((host) => ({ host, checks: [] })), composites: [], manual: [] };
  for (const product of products) {
    for (const check of product.checks) {
      if (scope.check && check.id !== scope.check) continue;
      const components = check.components.filter(inScope);
      if (!components.length) continue;
      if (check.kind === 'manual') {
        // Listed once per check, under the first component a host in scope serves (or the first).
        const served = components.find((c) => hosts.some((h) => serves(h, c, equivalence)));
        if (served || !hosts.length) plan.manual.push({ check, product, component: served ?? components[0] });
        continue;
      }
      if (check.kind === 'composite') {
        for (const component of components) {
          const group = hosts.filter((h) => serves(h, component, equivalence));
          if (group.length) plan.composites.push({ check, product, component, hosts: group });
        }
        continue;
      }
      for (const hp of plan.hosts) {
        const component = components.find((c) => serves(hp.host, c, equivalence));
        if (component) hp.checks.push({ check, product, component });
      }
    }
  }
  plan.hosts = plan.hosts.filter((hp) => hp.checks.length);
  return plan;
}
