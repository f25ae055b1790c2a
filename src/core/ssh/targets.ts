/** Inventory hosts → connectable SSH targets (inventory values win over ~/.ssh/config, as on a command line). */
import * as os from 'os';
import * as path from 'path';
import type { Inventory, InventoryHost } from '../inventory/inventory';
import { defaultKnownHostsFiles, HostKeyVerifier } from './hostKeys';
import { type ResolveOptions, resolveTarget, type TargetRequest } from './sshConfig';
import type { SshTarget } from './types';

function requestOf(host: InventoryHost): TargetRequest {
  return { name: host.name, host: host.host, port: host.port, user: host.user, identityFiles: host.identityFiles, proxyJump: host.proxyJump };
}

export function targetsForHosts(inventory: Inventory, hosts: InventoryHost[], options: ResolveOptions = {}): SshTarget[] {
  const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
  const lookupInventoryHost = (name: string) => {
    const found = byName.get(name);
    return found ? requestOf(found) : undefined;
  };
  return hosts.map((h) => resolveTarget(requestOf(h), { ...options, lookupInventoryHost }));
}

/** Where SOFA Ops keeps its own state (known_hosts of accepted keys); SOFA_OPS_HOME overrides. */
export function productHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.SOFA_OPS_HOME || path.join(os.homedir(), '.sofa-ops');
}

export function productKnownHostsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(productHome(env), 'known_hosts');
}

/** The user's and system known_hosts, the product's own, and any extra (e.g. a workspace's pinned file). */
export function loadHostKeyVerifier(extraFiles: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<HostKeyVerifier> {
  return HostKeyVerifier.load([...defaultKnownHostsFiles(), productKnownHostsFile(env), ...extraFiles]);
}
