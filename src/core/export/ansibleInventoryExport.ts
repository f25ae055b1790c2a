/**
 * Our inventory as an Ansible YAML inventory, for exported playbooks: every host with how to reach
 * it (ansible_host/port/user/key, ProxyJump as ssh args), groups named as SOFA Ops names them
 * (component, product and any own group, hosts in inventory order, which selectors such as
 * registry-meta[0] depend on) and the tags as `sofa_tags`, which the sofa_ops_select filter reads
 * for `tag=` selectors. Hosts SOFA Ops never connects to (not SSH) are left out, with why.
 */
import { stringify } from 'yaml';
import type { Inventory } from '../inventory/inventory';

export interface InventoryExport {
  yaml: string;
  hosts: number;
  groups: number;
  left: string[];
}

export function exportInventoryToAnsible(inventory: Inventory): InventoryExport {
  const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
  const left: string[] = [];
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const h of inventory.hosts) {
    if (h.notSsh) {
      left.push(`${h.name}: ${h.notSsh}`);
      continue;
    }
    const vars: Record<string, unknown> = { ansible_host: h.host, ansible_port: h.port };
    if (h.user) vars.ansible_user = h.user;
    if (h.identityFiles.length) vars.ansible_ssh_private_key_file = h.identityFiles[0];
    const extra: string[] = h.identityFiles.slice(1).map((f) => `-o IdentityFile=${f}`);
    if (h.proxyJump) {
      // A hop named after another inventory host is reached as that host is.
      const hops = h.proxyJump.split(',').map((hop) => {
        const other = byName.get(hop);
        return other ? `${other.user ? `${other.user}@` : ''}${other.host}:${other.port}` : hop;
      });
      extra.push(`-o ProxyJump=${hops.join(',')}`);
    }
    if (extra.length) vars.ansible_ssh_common_args = extra.join(' ');
    if (h.tags.length) vars.sofa_tags = h.tags;
    if (h.product) vars.sofa_product = h.product;
    if (h.component) vars.sofa_component = h.component;
    vars.sofa_log_root = h.logRoot;
    hosts[h.name] = vars;
  }
  const children: Record<string, { hosts: Record<string, null> }> = {};
  for (const [group, members] of inventory.groups) {
    if (group === 'all' || group === 'ungrouped') continue;
    const kept = members.filter((m) => hosts[m]);
    if (kept.length) children[group] = { hosts: Object.fromEntries(kept.map((m) => [m, null])) };
  }
  const header = `# Exported by "sofa-ops export ansible --inventory" from ${inventory.file}; re-export instead of editing.\n`;
  return { yaml: header + stringify({ all: { hosts, children } }, { lineWidth: 0, nullStr: '' }), hosts: Object.keys(hosts).length, groups: Object.keys(children).length, left };
}
