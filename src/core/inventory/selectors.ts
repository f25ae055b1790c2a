/**
 * Host selectors, one syntax everywhere (CLI --target, runbook cells):
 *   all                    every host
 *   registry-meta          a group: component, product, or any Ansible group
 *   registry-meta[0]       the first host of a group (0-based, inventory order; [-1] is the last)
 *   registry-meta[0:2]     a slice, end excluded as in JavaScript/Python (Ansible's is inclusive)
 *   registry-meta-1        a host by name
 *   tag=dc-a               hosts carrying a tag (tag=zone=gz00b for key=value tags)
 *   a,b,c                  the union of the parts
 * The result is in inventory order without duplicates. A part that selects nothing is an error,
 * never an empty target list: running a command on "no hosts" because of a typo hides the typo.
 */
import type { Inventory, InventoryHost } from './inventoryTypes';

export class SelectorError extends Error {
  constructor(
    message: string,
    /** The comma-separated part that failed. */
    readonly part: string,
    readonly knownGroups: string[],
  ) {
    super(message);
    this.name = 'SelectorError';
  }
}

export function selectTargets(inventory: Inventory, selector: string): InventoryHost[] {
  const knownGroups = ['all', ...inventory.groups.keys()];
  const groupList = `known groups: ${knownGroups.join(', ')}`;
  const parts = selector.split(',').map((p) => p.trim());
  if (parts.every((p) => !p)) throw new SelectorError(`empty target selector; ${groupList}`, selector, knownGroups);
  const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
  const chosen = new Set<InventoryHost>();
  const fail = (part: string, why: string): never => {
    const context = parts.length > 1 ? ` in "${selector}"` : '';
    throw new SelectorError(`target "${part}"${context} ${why}; ${groupList}`, part, knownGroups);
  };
  for (const part of parts) {
    if (!part) fail(part, 'is empty (stray comma)');
    for (const host of selectPart(inventory, byName, part, fail)) chosen.add(host);
  }
  const selected = inventory.hosts.filter((h) => chosen.has(h));
  const local = selected.filter((h) => h.notSsh);
  if (local.length) {
    const sshHosts = selected.filter((h) => !h.notSsh).map((h) => h.name);
    const hint = sshHosts.length ? `; to run on the others, name them (e.g. ${sshHosts.slice(0, 3).join(',')}${sshHosts.length > 3 ? ',…' : ''})` : '';
    throw new SelectorError(`target "${selector}" includes ${local.map((h) => `"${h.name}" (${h.notSsh})`).join(', ')}${hint}`, selector, knownGroups);
  }
  return selected;
}

function selectPart(inventory: Inventory, byName: Map<string, InventoryHost>, part: string, fail: (part: string, why: string) => never): InventoryHost[] {
  if (part.startsWith('tag=')) {
    const tag = part.slice(4);
    const hosts = inventory.hosts.filter((h) => h.tags.includes(tag));
    if (hosts.length === 0) {
      const tags = [...new Set(inventory.hosts.flatMap((h) => h.tags))];
      fail(part, `matches no host (known tags: ${tags.length ? tags.join(', ') : 'none'})`);
    }
    return hosts;
  }
  const indexed = /^(.+?)\[(-?\d*)(?::(-?\d*))?\]$/.exec(part);
  if (indexed) {
    const [, name, startText, endText] = indexed;
    const members = membersOf(inventory, byName, name);
    if (!members) return fail(part, `names no group "${name}"`);
    const n = members.length;
    const size = `group "${name}" has ${n} host${n === 1 ? '' : 's'}`;
    if (endText === undefined) {
      if (startText === '') return fail(part, 'has an empty index');
      const i = Number(startText);
      const at = i < 0 ? n + i : i;
      if (at < 0 || at >= n) return fail(part, `is out of range: ${size}`);
      return [members[at]];
    }
    const resolve = (text: string, fallback: number) => {
      if (text === '') return fallback;
      const i = Number(text);
      return i < 0 ? n + i : i;
    };
    const start = resolve(startText, 0);
    const end = resolve(endText, n);
    if (start < 0 || end > n || start >= end) return fail(part, `is out of range: ${size}`);
    return members.slice(start, end);
  }
  const members = membersOf(inventory, byName, part);
  if (members) {
    if (members.length === 0) fail(part, `names group "${part}", which has no hosts`);
    return members;
  }
  const host = byName.get(part);
  if (host) return [host];
  return fail(part, 'matches no group, host name or tag');
}

function membersOf(inventory: Inventory, byName: Map<string, InventoryHost>, group: string): InventoryHost[] | undefined {
  if (group === 'all') return inventory.hosts;
  const names = inventory.groups.get(group);
  return names?.map((n) => byName.get(n)).filter((h): h is InventoryHost => !!h);
}
