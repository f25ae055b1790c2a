/**
 * What every SSH-using CLI command does the same way: load the inventory and select hosts (bad
 * input → exit 2 with `file:line` problems), and open a pool with strict host keys where an
 * unknown host is refused with its fingerprint unless `--accept-new`.
 */
import * as path from 'path';
import { formatProblem } from '../core/sourceProblem';
import { type Inventory, type InventoryHost } from '../core/inventory/inventory';
import { loadInventoryCached } from '../core/inventory/inventoryCache';
import { defaultCacheDir } from '../core/cacheDir';
import { SelectorError, selectTargets } from '../core/inventory/selectors';
import { selectorText } from '../core/inventory/selectorText';
import { type HostKeyStore, knownHostsStore } from '../core/ssh/sshConnection';
import { DEFAULT_MAX_HANDSHAKES, type PoolOptions, SshPool } from '../core/ssh/sshPool';
import { SshConfigError } from '../core/ssh/sshConfig';
import { loadHostKeyVerifier, productKnownHostsFile, targetsForHostsAsync } from '../core/ssh/targets';
import type { SshTarget, UnknownHostPolicy } from '../core/ssh/types';
import { translator } from '../core/l10n';
import { cliLang, type CliIO, say, UsageError } from './io';
import { terminalPrompter } from './prompter';

export interface SelectedHosts {
  inventory: Inventory;
  hosts: InventoryHost[];
  targets: SshTarget[];
}

/** The selected hosts, or an exit code (2) after explaining on stderr. */
export async function selectCliHosts(io: CliIO, inventoryFile: string, selector: string): Promise<SelectedHosts | number> {
  const { inventory, problems } = await loadInventoryCached(path.resolve(inventoryFile), {}, defaultCacheDir());
  if (problems.length) {
    for (const p of problems) io.err(`${formatProblem(p)}\n`);
    io.err(`${say(io, undefined, 'sofa-ops: the inventory {0} has {1} problem(s)', inventoryFile, problems.length)}\n`);
    return 2;
  }
  try {
    const hosts = selectTargets(inventory, selector);
    return { inventory, hosts, targets: await targetsForHostsAsync(inventory, hosts) };
  } catch (err) {
    if (err instanceof SelectorError) {
      io.err(`sofa-ops: ${selectorText(translator(cliLang(io)), err.message)}\n`);
      return 2;
    }
    // A bad ssh_config (or one the built-in resolver cannot honour): file:line, like the inventory.
    if (err instanceof SshConfigError) {
      for (const p of err.problems) io.err(`${formatProblem(p)}\n`);
      io.err(`${say(io, undefined, 'sofa-ops: ssh_config has {0} problem(s)', err.problems.length)}\n`);
      return 2;
    }
    throw err;
  }
}

/**
 * --accept-new as the CLI does it: only for hosts with no key on file at all (a changed key or a
 * key-type downgrade never gets here), and "recorded" is printed only once the key is on disk.
 */
export function cliUnknownHostPolicy(io: CliIO, acceptNew: boolean): UnknownHostPolicy {
  const t = translator(cliLang(io));
  return {
    async acceptUnknownHost(host, _port, keyType, fingerprint) {
      if (acceptNew) io.err(`${t('sofa-ops: accepting new {0} key for {1}: {2}', keyType, host, fingerprint)}\n`);
      else io.err(`${t('sofa-ops: unknown host key for {0}: {1} {2}. Verify it, then rerun with --accept-new (or add it to known_hosts).', host, keyType, fingerprint)}\n`);
      return acceptNew;
    },
    recorded(host, _port, at) {
      io.err(`${t('sofa-ops: recorded the host key for {0} in {1}', host, `${at.file}:${at.line}`)}\n`);
    },
  };
}

/** The user's, system, product and extra known_hosts; malformed lines are printed as warnings (file:line). */
export async function loadCliHostKeys(io: CliIO, knownHosts: string[]): Promise<HostKeyStore> {
  const verifier = await loadHostKeyVerifier(knownHosts.map((f) => path.resolve(f)));
  for (const p of verifier.problems) io.err(`${say(io, undefined, 'sofa-ops: warning: {0}', formatProblem(p))}\n`);
  return knownHostsStore(verifier, productKnownHostsFile());
}

export async function openCliPool(io: CliIO, options: { knownHosts: string[]; acceptNew: boolean } & PoolOptions): Promise<SshPool> {
  const { knownHosts, acceptNew, ...poolOptions } = options;
  return new SshPool({ hostKeys: await loadCliHostKeys(io, knownHosts), unknownHosts: cliUnknownHostPolicy(io, acceptNew), prompter: terminalPrompter() }, poolOptions);
}

/** `--handshakes N`: how many SSH handshakes a command may have in flight at once. */
export function parseHandshakes(value: string | undefined): number {
  const n = Number(value ?? DEFAULT_MAX_HANDSHAKES);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('--handshakes must be a positive integer, not "{0}"', String(value));
  return n;
}
