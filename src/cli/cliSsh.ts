/**
 * What every SSH-using CLI command does the same way: load the inventory and select hosts (bad
 * input → exit 2 with `file:line` problems), and open a pool with strict host keys where an
 * unknown host is refused with its fingerprint unless `--accept-new`.
 */
import * as path from 'path';
import { formatProblem } from '../core/catalog/problems';
import { type Inventory, type InventoryHost, loadInventory } from '../core/inventory/inventory';
import { SelectorError, selectTargets } from '../core/inventory/selectors';
import { knownHostsStore } from '../core/ssh/sshConnection';
import { SshPool } from '../core/ssh/sshPool';
import { loadHostKeyVerifier, productKnownHostsFile, targetsForHosts } from '../core/ssh/targets';
import type { SshTarget, UnknownHostPolicy } from '../core/ssh/types';
import type { CliIO } from './io';
import { terminalPrompter } from './prompter';

export interface SelectedHosts {
  inventory: Inventory;
  hosts: InventoryHost[];
  targets: SshTarget[];
}

/** The selected hosts, or an exit code (2) after explaining on stderr. */
export async function selectCliHosts(io: CliIO, inventoryFile: string, selector: string): Promise<SelectedHosts | number> {
  const { inventory, problems } = await loadInventory(path.resolve(inventoryFile));
  if (problems.length) {
    for (const p of problems) io.err(`${formatProblem(p)}\n`);
    io.err(`sofa-ops: the inventory ${inventoryFile} has ${problems.length} problem(s)\n`);
    return 2;
  }
  try {
    const hosts = selectTargets(inventory, selector);
    return { inventory, hosts, targets: targetsForHosts(inventory, hosts) };
  } catch (err) {
    if (err instanceof SelectorError) {
      io.err(`sofa-ops: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

export async function openCliPool(io: CliIO, options: { knownHosts: string[]; acceptNew: boolean }): Promise<SshPool> {
  const verifier = await loadHostKeyVerifier(options.knownHosts.map((f) => path.resolve(f)));
  const unknownHosts: UnknownHostPolicy = {
    async acceptUnknownHost(host, _port, keyType, fingerprint) {
      if (options.acceptNew) io.err(`sofa-ops: accepting new ${keyType} key for ${host}: ${fingerprint} (recorded in ${productKnownHostsFile()})\n`);
      else io.err(`sofa-ops: unknown host key for ${host}: ${keyType} ${fingerprint}. Verify it, then rerun with --accept-new (or add it to known_hosts).\n`);
      return options.acceptNew;
    },
  };
  return new SshPool({ hostKeys: knownHostsStore(verifier, productKnownHostsFile()), unknownHosts, prompter: terminalPrompter() });
}
