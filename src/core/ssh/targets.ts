/** Inventory hosts → connectable SSH targets (inventory values win over ~/.ssh/config, as on a command line). */
import * as os from 'os';
import * as path from 'path';
import { DEFAULT_PORT, type Inventory, type InventoryHost } from '../inventory/inventory';
import { defaultKnownHostsFiles, HostKeyVerifier } from './hostKeys';
import { type ResolveOptions, resolveTarget, resolveTargets, sshConfigCacheFile, type TargetRequest } from './sshConfig';
import { SshError } from './sshErrors';
import type { SshTarget } from './types';

/** Explicit inventory values only: a port that is just the product default is left to ssh_config. */
function requestOf(host: InventoryHost): TargetRequest {
  // Selectors refuse such hosts first; this keeps any other path from connecting to them.
  if (host.notSsh) throw new SshError('error', host.name, { reason: 'not-ssh', why: host.notSsh, at: host.source });
  return { name: host.name, host: host.host, port: host.portIsDefault ? undefined : host.port, user: host.user, identityFiles: host.identityFiles, proxyJump: host.proxyJump };
}

function inventoryOptions(inventory: Inventory, options: ResolveOptions): ResolveOptions {
  const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
  const lookupInventoryHost = (name: string) => {
    const found = byName.get(name);
    return found ? requestOf(found) : undefined;
  };
  const env = options.env ?? process.env;
  return { cacheFile: sshConfigCacheFile(productHome(env)), defaultPort: DEFAULT_PORT, ...options, lookupInventoryHost };
}

/** Targets for inventory hosts (ssh -G or the built-in resolver). Throws SshConfigError (file:line) on a bad ssh_config. */
export function targetsForHosts(inventory: Inventory, hosts: InventoryHost[], options: ResolveOptions = {}): SshTarget[] {
  const o = inventoryOptions(inventory, options);
  return hosts.map((h) => resolveTarget(requestOf(h), o));
}

/** Same as targetsForHosts, resolving many hosts' ssh -G answers in parallel first (fan-out). */
export function targetsForHostsAsync(inventory: Inventory, hosts: InventoryHost[], options: ResolveOptions = {}): Promise<SshTarget[]> {
  return resolveTargets(hosts.map(requestOf), inventoryOptions(inventory, options));
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
