/** One call for the CLI and the editor: choose hosts and checks, run them over the SSH pool. */
import type { Catalog } from '../catalog/types';
import type { Inventory, InventoryHost } from '../inventory/inventory';
import { selectTargets } from '../inventory/selectors';
import type { SshPool } from '../ssh/sshPool';
import { targetsForHosts } from '../ssh/targets';
import type { SshTarget } from '../ssh/types';
import { planInspection, type InspectionPlan } from './checkPlan';
import { runInspection, type InspectionTransport, type RunOptions } from './inspectionRunner';
import type { Inspection, InspectionScope } from './types';

export interface PoolTransportOptions {
  /** Close each host's connection once its checks are done (the CLI: a thousand hosts, one visit each). */
  closeAfterHost?: boolean;
}

export function poolTransport(pool: SshPool, targetOf: (host: InventoryHost) => SshTarget, options: PoolTransportOptions = {}): InspectionTransport {
  return {
    ...(options.closeAfterHost ? { hostDone: (host: InventoryHost) => pool.closeIdle(targetOf(host)) } : {}),
    exec: (host, command, options) => pool.exec(targetOf(host), command, options),
    forwarder: async (host) => {
      const connection = await pool.connection(targetOf(host));
      return (h, p) => connection.forwardOut(h, p);
    },
  };
}

/** Hosts in scope: the `--target` selector (SelectorError for a typo), else every host. */
export function hostsInScope(inventory: Inventory, scope: InspectionScope): InventoryHost[] {
  // No target means every host; a host the inventory says is not reached over SSH makes that an
  // error (selectTargets names it), never a silent skip.
  if (!scope.target && !inventory.hosts.some((h) => h.notSsh)) return inventory.hosts;
  return selectTargets(inventory, scope.target ?? 'all');
}

export function planFor(catalog: Catalog, inventory: Inventory, scope: InspectionScope): InspectionPlan {
  return planInspection(catalog, hostsInScope(inventory, scope), scope);
}

export async function inspect(catalog: Catalog, inventory: Inventory, pool: SshPool, scope: InspectionScope, options: RunOptions & PoolTransportOptions = {}): Promise<Inspection> {
  const plan = planFor(catalog, inventory, scope);
  const targets = new Map<string, SshTarget>();
  const targetOf = (host: InventoryHost) => {
    let t = targets.get(host.name);
    if (!t) targets.set(host.name, (t = targetsForHosts(inventory, [host])[0]));
    return t;
  };
  return runInspection(catalog, plan, poolTransport(pool, targetOf, options), scope, options);
}
