/**
 * Which logs, patterns, checks, alerts, plans and inventory hosts belong to each product and to
 * each of its components: the one answer the products tree, `sofa-ops catalog` and its JSON give.
 *
 * The guide lists some components under two chapters (the registry servers in chapter 2 as
 * sessionserver/dataserver/metaserver, in chapter 7 as registry-session/-data/-meta). A component
 * is the same deployed app as its equivalents (componentEquivalence, as inspection decides which
 * hosts serve it), so it shows the same items and hosts in both chapters; an item defined in
 * another product's chapter is marked with that product (`from`), and a product's totals count
 * each item once however many of its components list it.
 */
import { componentEquivalence } from '../checks/checkPlan';
import type { Catalog, Check, Component, LogFile, LogPattern, Metric, Plan, ProductCatalog } from './types';

/** An inventory host as the catalog views show it under the component it serves. */
export interface HostRef {
  name: string;
  /** host:port as the user would type it. */
  address: string;
  component?: string;
  /** Catalog product the host belongs to; its group of that name is not a component it serves. */
  product?: string;
  groups: string[];
}

/** The view of an inventory host the catalog views use. */
export function hostRef(host: { name: string; host: string; port: number; component?: string; product?: string; groups: string[] }): HostRef {
  return { name: host.name, address: `${host.host}:${host.port}`, component: host.component, product: host.product, groups: host.groups };
}

export interface Member<T> {
  item: T;
  /** The product whose chapter defines the item, when it is not the product listing it. */
  from?: ProductCatalog;
}

export interface Members {
  logs: Member<LogFile>[];
  /** Patterns tied to no log file ("any log"). Patterns of a log go with the log (`patternsOf`). */
  unboundPatterns: Member<LogPattern>[];
  checks: Member<Check>[];
  metrics: Member<Metric>[];
  plans: Member<Plan>[];
}

export interface ComponentMembers extends Members {
  component: Component;
  hosts: HostRef[];
}

export interface ProductMembers {
  product: ProductCatalog;
  components: ComponentMembers[];
  /** Items of the product that name none of its components: the product as a whole. */
  general: Members;
  /** Every item listed anywhere under the product, each once; hosts serving any of its components. */
  all: Members & { patterns: Member<LogPattern>[]; hosts: HostRef[] };
}

type Kind = 'logs' | 'checks' | 'metrics' | 'plans';
const KINDS: readonly Kind[] = ['logs', 'checks', 'metrics', 'plans'];

/** Per product, in catalog order, what belongs to it and to each component. */
export function catalogMembership(catalog: Catalog, hosts: readonly HostRef[] = []): ProductMembers[] {
  const equivalence = componentEquivalence(catalog);
  const same = (id: string) => equivalence.get(id) ?? new Set([id]);
  const tagged = <T>(kind: (p: ProductCatalog) => T[]) => catalog.products.flatMap((p) => kind(p).map((item) => ({ item, owner: p })));
  const everywhere = {
    logs: tagged((p) => p.logs),
    checks: tagged((p) => p.checks),
    metrics: tagged((p) => p.metrics),
    plans: tagged((p) => p.plans),
    unboundPatterns: tagged((p) => p.patterns.filter((x) => !x.logs.length)),
  };

  return catalog.products.map((p) => {
    const member = <T>({ item, owner }: { item: T; owner: ProductCatalog }): Member<T> => (owner === p ? { item } : { item, from: owner });
    const pick = (test: (item: { components?: string[] }, owner: ProductCatalog) => boolean): Members => ({
      logs: everywhere.logs.filter((x) => test(x.item, x.owner)).map(member),
      unboundPatterns: everywhere.unboundPatterns.filter((x) => test(x.item, x.owner)).map(member),
      checks: everywhere.checks.filter((x) => test(x.item, x.owner)).map(member),
      metrics: everywhere.metrics.filter((x) => test(x.item, x.owner)).map(member),
      plans: everywhere.plans.filter((x) => test(x.item, x.owner)).map(member),
    });

    const components = p.components.map((c): ComponentMembers => {
      const ids = same(c.id);
      return {
        component: c,
        // A group named after a component means the host serves it (Ansible inventories), except the
        // host's product group: acvip-metadata-rds hosts are in group "acvip", not component acvip's.
        hosts: hosts.filter((h) => (h.component !== undefined && ids.has(h.component)) || h.groups.some((g) => ids.has(g) && g !== h.product)),
        ...pick((item) => item.components?.some((x) => ids.has(x)) ?? false),
      };
    });
    // An item of this product naming none of its components (none at all, or another product's,
    // as the DDS emergency plan does for antscheduler/drmdata) belongs to the product as a whole.
    const own = new Set(p.components.flatMap((c) => [...same(c.id)]));
    const general = pick((item, owner) => owner === p && !item.components?.some((x) => own.has(x)));

    const all = { ...emptyMembers(), patterns: [] as Member<LogPattern>[], hosts: [] as HostRef[] };
    for (const holder of [...components, general]) {
      for (const kind of KINDS) addOnce(all[kind] as Member<unknown>[], holder[kind] as Member<unknown>[]);
      addOnce(all.unboundPatterns, holder.unboundPatterns);
    }
    for (const c of components) for (const h of c.hosts) if (!all.hosts.includes(h)) all.hosts.push(h);
    addOnce(all.patterns, all.logs.flatMap((l) => patternsOf(catalog, l.item).map((x) => x.owner === p ? { item: x.item } : { item: x.item, from: x.owner })));
    addOnce(all.patterns, all.unboundPatterns);
    return { product: p, components, general, all };
  });
}

/** The patterns matched in a log file, from whichever product's chapter lists them. */
export function patternsOf(catalog: Catalog, log: LogFile): Array<{ item: LogPattern; owner: ProductCatalog }> {
  return catalog.products.flatMap((owner) => owner.patterns.filter((x) => x.logs.includes(log.id)).map((item) => ({ item, owner })));
}

function emptyMembers(): Members {
  return { logs: [], unboundPatterns: [], checks: [], metrics: [], plans: [] };
}

function addOnce<T>(into: Member<T>[], items: Member<T>[]): void {
  for (const m of items) if (!into.some((x) => x.item === m.item)) into.push(m);
}

/** Ids only, for JSON and tests: per kind, each item once with where it is listed and where it comes from. */
export interface MembershipSummary {
  logs: MemberRef[];
  patterns: MemberRef[];
  checks: MemberRef[];
  metrics: MemberRef[];
  plans: MemberRef[];
  hosts: Array<{ name: string; address: string; components: string[] }>;
}

export interface MemberRef {
  id: string;
  /** This product's components it is listed under; empty: the product as a whole (General). */
  components: string[];
  /** The product whose chapter defines it, when another. */
  from?: string;
}

export function summarizeMembership(m: ProductMembers): MembershipSummary {
  const refs = <T extends { id: string }>(all: Member<T>[], of: (holder: Members) => Member<T>[]): MemberRef[] =>
    all.map(({ item, from }) => ({
      id: item.id,
      components: m.components.filter((c) => of(c).some((x) => x.item === item)).map((c) => c.component.id),
      ...(from ? { from: from.product.id } : {}),
    }));
  return {
    logs: refs(m.all.logs, (h) => h.logs),
    // A bound pattern is listed wherever its log is.
    patterns: refs(m.all.patterns, (h) => [...h.unboundPatterns, ...m.all.patterns.filter((x) => h.logs.some((l) => x.item.logs.includes(l.item.id)))]),
    checks: refs(m.all.checks, (h) => h.checks),
    metrics: refs(m.all.metrics, (h) => h.metrics),
    plans: refs(m.all.plans, (h) => h.plans),
    hosts: m.all.hosts.map((h) => ({ name: h.name, address: h.address, components: m.components.filter((c) => c.hosts.includes(h)).map((c) => c.component.id) })),
  };
}
