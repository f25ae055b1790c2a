/**
 * Ansible inventories (INI and YAML), read into the same model as our own format so teams can
 * point SOFA Ops at the file they already maintain, with ansible-core 2.14's semantics: what
 * `ansible-inventory --list` shows is what we build (hosts, groups, merged host vars), and where
 * Ansible fails on a file we report a problem with file:line. Only static inventories: no plugins,
 * no host_vars/ folders, no Jinja (a templated value we need is reported).
 *
 * How a host is reached is read the way Ansible's ssh connection reads its merged vars:
 * `ansible_ssh_host` beats `ansible_host` (and `_ssh_port`/`_ssh_user`/`_ssh_private_key_file` beat
 * their short spellings) whichever level each is set at, because the option takes the last of its
 * var names that is defined. Vars merge as in Ansible: `all`, then groups by (depth, ansible_group_priority,
 * name in code-point order), then the host's own. ProxyJump comes from `sofa_proxy_jump`, or from
 * `-J x` / `-o ProxyJump=x` in ansible_ssh_args, _common_args, _extra_args (ssh's first one wins).
 * Our own additions, all optional: sofa_tags (list, or "a,b" in INI), sofa_log_root, sofa_component,
 * sofa_product, sofa_proxy_jump.
 *
 * Deliberate refusals (Ansible accepts these; each is reported, see the README): a byte-order
 * mark in INI, an empty range, a range over MAX_HOSTS_PER_PATTERN hosts, duplicate YAML keys,
 * YAML aliases that expand too much, values Python builds but an inventory cannot hold, an empty
 * address, a non-SSH ansible_connection, ssh arguments that change where or as whom ssh connects.
 * The port defaults to 2022 like everywhere in SOFA Ops, not to Ansible's 22: set ansible_port
 * on hosts (such as bastions) that listen elsewhere.
 * The readers are ansibleIni.ts and ansibleYaml.ts; this file holds the model they fill, and
 * ansibleSshArgs.ts reads the ssh arguments.
 */
import type { SourceProblem } from '../sourceProblem';
import type { HostOrigin, KnownComponents, ParsedHost, ParsedInventory } from './inventoryTypes';
import { HostPatternError, checkIniHostPattern, expandAnsibleHostPattern } from './ansibleHostPattern';
import { readSshArgs } from './ansibleSshArgs';
import { pyInt, pyStrip } from './pythonLiteral';

export { MAX_HOSTS_PER_PATTERN } from './ansibleHostPattern';

/** Hosts one inventory may hold; far above any real site, low enough to stay responsive. */
export const MAX_HOSTS_PER_INVENTORY = 100_000;

export interface Var {
  value: unknown;
  line: number;
}

interface Group {
  name: string;
  line: number;
  vars: Map<string, Var>;
  priority: number;
  depth: number;
  parents: string[];
  children: string[];
  hosts: string[];
  /** Same names as `hosts`, for membership tests on large groups. */
  hostSet: Set<string>;
}

interface HostDecl {
  name: string;
  line: number;
  vars: Map<string, Var>;
  /** Direct groups, in the order the host joined them. */
  groups: string[];
}

/** `ansible-inventory --list` output: groups (empty ones left out) and `_meta.hostvars`. */
export type AnsibleListJson = Record<string, unknown> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };

/** Groups every host is implicitly in; selectors have `all`, so they are not listed as groups. */
const IMPLICIT_GROUPS = new Set(['all', 'ungrouped']);

/** Python compares text by code point; JS `<` by UTF-16 unit. */
function pyCompare(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d) return d;
  }
  return x.length - y.length;
}

function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

function isTemplate(text: string): boolean {
  return text.includes('{{') || text.includes('{%') || text.includes('{#');
}

/** InventoryData, Group and Host of ansible-core, reduced to what a static inventory uses. */
export class InventoryBuilder {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, HostDecl>();
  readonly problems: SourceProblem[] = [];
  private tooMany = false;
  private readonly ancestorCache = new Map<string, Set<string>>();

  constructor(readonly file: string) {
    this.addGroup('all', 1);
    this.addGroup('ungrouped', 1);
    this.addChild('all', 'ungrouped', 1);
  }

  problem(line: number, message: string): void {
    this.problems.push({ file: this.file, line, message });
  }

  addGroup(name: string, line: number): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, line, vars: new Map(), priority: 1, depth: 0, parents: [], children: [], hosts: [], hostSet: new Set() };
      this.groups.set(name, g);
    }
    return g;
  }

  /** Group.add_child_group: depth is the longest path from `all`; a loop fails the file in Ansible. */
  addChild(parentName: string, childName: string, line: number): void {
    const parent = this.groups.get(parentName);
    const child = this.groups.get(childName);
    if (!parent || !child) return;
    if (parent === child) {
      this.problem(line, `group "${childName}" cannot be its own child`);
      return;
    }
    if (parent.children.includes(childName)) return;
    if (this.ancestors(parentName).has(childName)) {
      this.problem(line, `adding group "${childName}" as a child of "${parentName}" creates a loop (Ansible refuses the file)`);
      return;
    }
    this.ancestorCache.clear();
    parent.children.push(childName);
    if (!child.parents.includes(parentName)) child.parents.push(parentName);
    child.depth = Math.max(parent.depth + 1, child.depth);
    const queue = [child];
    while (queue.length) {
      const g = queue.shift()!;
      for (const c of g.children) {
        const cg = this.groups.get(c)!;
        if (cg.depth < g.depth + 1) {
          cg.depth = g.depth + 1;
          queue.push(cg);
        }
      }
    }
  }

  ancestors(name: string): Set<string> {
    const cached = this.ancestorCache.get(name);
    if (cached) return cached;
    const out = new Set<string>();
    const stack = [...(this.groups.get(name)?.parents ?? [])];
    while (stack.length) {
      const g = stack.pop()!;
      if (out.has(g)) continue;
      out.add(g);
      stack.push(...(this.groups.get(g)?.parents ?? []));
    }
    this.ancestorCache.set(name, out);
    return out;
  }

  addHost(name: string, group: string, line: number, port: number | undefined): HostDecl | undefined {
    if (name === '') {
      this.problem(line, 'empty host name (Ansible refuses the file)');
      return undefined;
    }
    let h = this.hosts.get(name);
    if (!h) {
      if (this.hosts.size >= MAX_HOSTS_PER_INVENTORY) {
        if (!this.tooMany) this.problem(line, `more than ${MAX_HOSTS_PER_INVENTORY} hosts in one inventory; SOFA Ops stops reading here`);
        this.tooMany = true;
        return undefined;
      }
      h = { name, line, vars: new Map(), groups: [] };
      this.hosts.set(name, h);
      // Host(name, port): only the first declaration's `host:port` counts.
      if (port !== undefined) h.vars.set('ansible_port', { value: port, line });
    }
    const g = this.addGroup(group, line);
    if (!g.hostSet.has(name)) {
      g.hostSet.add(name);
      g.hosts.push(name);
    }
    if (!h.groups.includes(group)) h.groups.push(group);
    return h;
  }

  setGroupVar(group: string, key: string, value: unknown, line: number): void {
    const g = this.addGroup(group, line);
    if (key === 'ansible_group_priority') {
      const n = typeof value === 'number' ? Math.trunc(value) : typeof value === 'boolean' ? Number(value) : typeof value === 'string' ? pyInt(value) : undefined;
      if (n === undefined || !Number.isFinite(n)) this.problem(line, `group "${group}": ansible_group_priority ${JSON.stringify(value)} is not an integer (Ansible refuses the file)`);
      else g.priority = n;
      return;
    }
    g.vars.set(key, { value, line });
  }

  /** reconcile_inventory: every top group under `all`; `ungrouped` holds only hosts with no other group. */
  private reconcile(): void {
    for (const g of this.groups.values()) {
      if (g.name !== 'all' && g.parents.length === 0) this.addChild('all', g.name, g.line);
    }
    const ungrouped = this.groups.get('ungrouped')!;
    const leaving = new Set<string>();
    for (const h of this.hosts.values()) {
      const mine = new Set<string>();
      for (const d of h.groups) {
        mine.add(d);
        for (const a of this.ancestors(d)) mine.add(a);
      }
      mine.delete('all');
      if (mine.has('ungrouped')) {
        if (mine.size > 1) {
          leaving.add(h.name);
          h.groups = h.groups.filter((g) => g !== 'ungrouped');
        }
      } else if (mine.size === 0) {
        ungrouped.hosts.push(h.name);
        ungrouped.hostSet.add(h.name);
        h.groups.push('ungrouped');
      }
    }
    if (leaving.size) {
      ungrouped.hosts = ungrouped.hosts.filter((n) => !leaving.has(n));
      for (const n of leaving) ungrouped.hostSet.delete(n);
    }
  }

  /** The host's groups (all ancestors, `all` included) in the order their vars apply. */
  private sortedGroups(decl: HostDecl): Group[] {
    const names = new Set<string>(['all']);
    for (const d of decl.groups) {
      names.add(d);
      for (const a of this.ancestors(d)) names.add(a);
    }
    return [...names].map((n) => this.groups.get(n)!).sort((a, b) => a.depth - b.depth || a.priority - b.priority || pyCompare(a.name, b.name));
  }

  mergedVars(decl: HostDecl): Map<string, Var & { fromHost: boolean }> {
    const vars = new Map<string, Var & { fromHost: boolean }>();
    for (const g of this.sortedGroups(decl)) for (const [k, v] of g.vars) vars.set(k, { ...v, fromHost: false });
    for (const [k, v] of decl.vars) vars.set(k, { ...v, fromHost: true });
    return vars;
  }

  build(knownComponents?: KnownComponents): ParsedInventory & { list: AnsibleListJson } {
    this.reconcile();
    let list: AnsibleListJson | undefined;
    const result: ParsedInventory & { list: AnsibleListJson } = {
      hosts: [],
      groupOrder: [...this.groups.keys()].filter((g) => !IMPLICIT_GROUPS.has(g)),
      problems: this.problems,
      origins: new Map(),
      // Only the differential test needs it: built on first use.
      get list() {
        return listOf();
      },
    };
    const listOf = (): AnsibleListJson => (list ??= this.listJson());
    for (const decl of this.hosts.values()) {
      const member = new Set<string>();
      for (const d of decl.groups) {
        member.add(d);
        for (const a of this.ancestors(d)) member.add(a);
      }
      const { host, origin } = this.resolveHost(decl, this.mergedVars(decl), result.groupOrder.filter((g) => member.has(g)), knownComponents);
      result.hosts.push(host);
      result.origins.set(host, origin);
    }
    return result;
  }

  /** InventoryCLI.json_inventory, for the differential test against the real program. */
  listJson(): AnsibleListJson {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    const format = (g: Group): void => {
      const entry: Record<string, unknown> = {};
      if (g.name !== 'all' && g.hosts.length) entry.hosts = [...g.hosts];
      if (g.children.length) entry.children = [...g.children];
      if (Object.keys(entry).length) setOwn(out, g.name, entry);
      for (const c of g.children) {
        if (!seen.has(c)) {
          seen.add(c);
          format(this.groups.get(c)!);
        }
      }
    };
    format(this.groups.get('all')!);
    const hostvars: Record<string, Record<string, unknown>> = {};
    for (const decl of this.hosts.values()) {
      const vars: Record<string, unknown> = {};
      for (const [k, v] of this.mergedVars(decl)) setOwn(vars, k, v.value);
      if (Object.keys(vars).length) setOwn(hostvars, decl.name, vars);
    }
    return Object.assign(out, { _meta: { hostvars } });
  }

  private resolveHost(decl: HostDecl, vars: Map<string, Var & { fromHost: boolean }>, groups: string[], knownComponents?: KnownComponents): { host: ParsedHost; origin: HostOrigin } {
    /** The ssh connection option: the last of its var names that is set (not null) wins. */
    const option = (...keys: string[]): (Var & { fromHost: boolean; key: string }) | undefined => {
      let found: (Var & { fromHost: boolean; key: string }) | undefined;
      for (const key of keys) {
        const v = vars.get(key);
        if (v !== undefined && v.value !== null && v.value !== undefined) found = { ...v, key };
      }
      return found;
    };
    const text = (v: (Var & { key: string }) | undefined): string | undefined => {
      if (!v) return undefined;
      if (typeof v.value !== 'string' && typeof v.value !== 'number') {
        this.problem(v.line, `host "${decl.name}": ${v.key} must be a string, not ${JSON.stringify(v.value)}`);
        return undefined;
      }
      const t = String(v.value);
      if ([...t].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) {
        this.problem(v.line, `host "${decl.name}": ${v.key} contains control characters`);
        return undefined;
      }
      if (isTemplate(t)) {
        this.problem(v.line, `host "${decl.name}": ${v.key} uses a Jinja template, which SOFA Ops cannot evaluate`);
        return undefined;
      }
      return t;
    };

    // A host Ansible does not reach over SSH (local, docker, winrm…) stays in the inventory, so
    // groups and counts match ansible-inventory, but is never connected to: selecting it is an error.
    const connection = option('ansible_connection');
    const connectionText = connection ? text(connection) : undefined;
    const notSsh = connectionText !== undefined && !['ssh', 'smart', 'paramiko', 'paramiko_ssh'].includes(connectionText)
      ? `ansible_connection=${connectionText} at ${this.file}:${connection!.line} means Ansible does not use SSH for it; SOFA Ops only connects over SSH`
      : undefined;

    const addressVar = option('ansible_host', 'ansible_ssh_host');
    let address = text(addressVar);
    if (address !== undefined && pyStrip(address) === '') {
      this.problem(addressVar!.line, `host "${decl.name}": ${addressVar!.key} is empty; SOFA Ops will not guess an address`);
      address = undefined;
    }

    let port: number | undefined;
    const portVar = option('ansible_port', 'ansible_ssh_port');
    const portText = text(portVar);
    if (portText !== undefined) {
      const n = typeof portVar!.value === 'number' ? portVar!.value : pyInt(portText);
      if (n !== undefined && Number.isInteger(n) && n >= 1 && n <= 65535) port = n;
      else this.problem(portVar!.line, `host "${decl.name}": port ${JSON.stringify(portVar!.value)} is not a number from 1 to 65535`);
    }

    let proxyJump: { text: string; line: number; fromHost: boolean } | undefined;
    const sofaJump = option('sofa_proxy_jump');
    const sofaJumpText = text(sofaJump);
    if (sofaJump && sofaJumpText !== undefined) proxyJump = { text: sofaJumpText, line: sofaJump.line, fromHost: sofaJump.fromHost };
    for (const key of ['ansible_ssh_args', 'ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
      const args = option(key);
      const argsText = text(args);
      if (!args || argsText === undefined) continue;
      const read = readSshArgs(argsText);
      if (read.error) this.problem(args.line, `host "${decl.name}": ${key}: ${read.error}`);
      for (const what of read.unsupported) this.problem(args.line, `host "${decl.name}": ${key} sets ${what}, which SOFA Ops cannot honour; set it with ansible_host/ansible_port/ansible_user or in ~/.ssh/config`);
      if (!proxyJump && read.proxyJump) proxyJump = { text: read.proxyJump, line: args.line, fromHost: args.fromHost };
    }

    const tagsVar = vars.get('sofa_tags');
    let tags: string[] = [];
    if (tagsVar && tagsVar.value !== null) {
      if (Array.isArray(tagsVar.value)) tags = tagsVar.value.map(String);
      else if (typeof tagsVar.value === 'string') tags = tagsVar.value.split(',');
      else this.problem(tagsVar.line, `host "${decl.name}": sofa_tags must be a list or a comma-separated string`);
      tags = tags.map((t) => t.trim()).filter((t, i, all) => t && all.indexOf(t) === i);
    }

    const component = text(option('sofa_component'))
      ?? (knownComponents ? groups.find((g) => decl.groups.includes(g) && knownComponents.has(g)) ?? groups.find((g) => knownComponents.has(g)) : undefined);
    const product = text(option('sofa_product')) ?? (component && knownComponents && 'get' in knownComponents ? knownComponents.get(component) : undefined);
    const keyFile = text(option('ansible_private_key_file', 'ansible_ssh_private_key_file'));
    const user = text(option('ansible_user', 'ansible_ssh_user'));

    const host: ParsedHost = {
      name: decl.name,
      host: address ?? decl.name,
      port,
      user,
      identityFiles: keyFile ? [keyFile] : [],
      proxyJump: proxyJump?.text,
      logRoot: text(option('sofa_log_root')),
      product,
      component,
      groups,
      tags,
      source: { file: this.file, line: decl.line },
      ...(notSsh ? { notSsh } : {}),
    };
    return { host, origin: proxyJump ? { proxyJumpLine: proxyJump.line, proxyJumpInherited: !proxyJump.fromHost } : {} };
  }
}

/**
 * Expand Ansible host ranges: `web[01:03]` (zero padding kept), `db-[a:c]`, `[1:9:2]` (stride);
 * several ranges in one pattern multiply. An error for what Ansible refuses, and for empty or
 * oversized ranges, which SOFA Ops refuses.
 */
export function expandHostPattern(pattern: string): { names: string[]; error?: string } {
  try {
    const { names } = expandAnsibleHostPattern(pattern);
    if (names.length === 0) return { names, error: `range in "${pattern}" is empty (Ansible silently adds no host)` };
    return { names };
  } catch (err) {
    if (err instanceof HostPatternError) return { names: [], error: err.message };
    throw err;
  }
}

export function addHostPattern(b: InventoryBuilder, rawPattern: string, group: string, line: number, vars: Map<string, Var>, ini: boolean): void {
  let names: string[];
  let port: number | undefined;
  try {
    ({ names, port } = expandAnsibleHostPattern(rawPattern));
  } catch (err) {
    if (!(err instanceof HostPatternError)) throw err;
    b.problem(line, `host pattern "${rawPattern}": ${err.message}`);
    return;
  }
  const iniError = ini ? checkIniHostPattern(rawPattern, port, names) : undefined;
  if (iniError) {
    b.problem(line, iniError);
    return;
  }
  if (names.length === 0) {
    b.problem(line, `host pattern "${rawPattern}": the range is empty (Ansible silently adds no host)`);
    return;
  }
  for (const name of names) {
    const h = b.addHost(name, group, line, port);
    if (!h) continue;
    for (const [k, v] of vars) h.vars.set(k, v);
  }
}
