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
 */
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node, type ScalarTag, type Tags } from 'yaml';
import type { SourceProblem } from '../catalog/problems';
import type { HostOrigin, ParsedHost, ParsedInventory } from './inventory';
import { HostPatternError, checkIniHostPattern, expandAnsibleHostPattern } from './ansibleHostPattern';
import { PY_SPACE, pyInt, pyLiteralEval, pyShlexSplit, pySplitLines, pyStrip } from './pythonLiteral';

export { MAX_HOSTS_PER_PATTERN } from './ansibleHostPattern';

type KnownComponents = ReadonlySet<string> | ReadonlyMap<string, string>;

/** Hosts one inventory may hold; far above any real site, low enough to stay responsive. */
export const MAX_HOSTS_PER_INVENTORY = 100_000;

interface Var {
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
class InventoryBuilder {
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

/** ssh options that change the destination, the login or the key: Ansible passes them, we cannot. */
const UNSUPPORTED_SSH_OPTIONS = new Set(['port', 'user', 'hostname', 'proxycommand', 'identityfile', 'identitiesonly', 'certificatefile', 'include', 'hostkeyalias', 'userknownhostsfile', 'globalknownhostsfile']);

/** Read ansible_ssh_*_args as Ansible splits them (shlex) and as ssh reads them (first value wins). */
function readSshArgs(args: string): { proxyJump?: string; unsupported: string[]; error?: string } {
  let tokens: string[];
  try {
    tokens = pyShlexSplit(args, false).map((t) => t.trim()).filter((t) => t);
  } catch (err) {
    return { unsupported: [], error: `cannot split the arguments: ${(err as Error).message}` };
  }
  let proxyJump: string | undefined;
  const unsupported: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const flag = /^-([pliFJo])(.*)$/s.exec(t);
    if (!flag) continue;
    const value = flag[2] || tokens[++i] || '';
    if (flag[1] === 'J') proxyJump ??= value;
    else if (flag[1] === 'o') {
      const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(value.trim());
      if (!m) continue;
      const key = m[1].toLowerCase();
      if (key === 'proxyjump') proxyJump ??= m[2].trim();
      else if (UNSUPPORTED_SSH_OPTIONS.has(key)) unsupported.push(`-o ${m[1]}`);
    } else unsupported.push(`-${flag[1]}`);
  }
  return { proxyJump, unsupported };
}

/** `-J hop`, `-Jhop`, `-o ProxyJump=hop`, `-oProxyJump=hop`, `-o "ProxyJump hop"` in ssh arguments. */
export function proxyJumpFromSshArgs(args: string): string | undefined {
  return readSshArgs(args).proxyJump;
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

function addHostPattern(b: InventoryBuilder, rawPattern: string, group: string, line: number, vars: Map<string, Var>, ini: boolean): void {
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

// ---------------------------------------------------------------------------------------------- INI

const SECTION = new RegExp(`^\\[([^:\\]${PY_SPACE}]+)(?::([\\p{L}\\p{N}_]+))?\\][${PY_SPACE}]*(?:#.*)?$`, 'u');
const GROUP_NAME = new RegExp(`^([^:\\]${PY_SPACE}]+)[${PY_SPACE}]*(?:#.*)?$`, 'u');

/** `_parse_value`: a Python literal when it is one, else the text. */
function iniValue(b: InventoryBuilder, raw: string, key: string, line: number): unknown {
  const r = pyLiteralEval(raw);
  if (r.kind === 'value') return r.value;
  if (r.kind === 'unsupported') b.problem(line, `the value of "${key}" is ${r.what} in Python's reading, which SOFA Ops does not model`);
  return raw;
}

export function parseAnsibleIni(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory {
  return parseAnsibleIniList(file, text, knownComponents);
}

export function parseAnsibleIniList(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory & { list: AnsibleListJson } {
  const b = new InventoryBuilder(file);
  if (text.startsWith('\ufeff')) {
    b.problem(1, 'the file starts with a byte-order mark, which Ansible reads as part of the first line; save it as UTF-8 without BOM');
    return b.build(knownComponents);
  }
  const pending = new Map<string, { line: number; state: 'vars' | 'children'; parents: string[] }>();
  const addPendingChildren = (group: string): void => {
    const p = pending.get(group);
    if (!p) return;
    pending.delete(group);
    for (const parent of p.parents) {
      b.addChild(parent, group, p.line);
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
  };
  let group = 'ungrouped';
  let state: 'hosts' | 'vars' | 'children' | 'skip' = 'hosts';
  pySplitLines(text).forEach((rawLine, index) => {
    const line = index + 1;
    const trimmed = pyStrip(rawLine);
    if (!trimmed || trimmed[0] === '#' || trimmed[0] === ';') return;
    if (trimmed.includes('\ufffd')) {
      b.problem(line, 'this line is not valid UTF-8 (Ansible refuses the file)');
      return;
    }
    const m = SECTION.exec(trimmed);
    if (m) {
      group = m[1];
      const kind = m[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
        b.problem(line, `Section [${m[1]}:${kind}] has unknown type: ${kind}; expected :vars or :children`);
        state = 'skip';
        return;
      }
      state = kind;
      if (!b.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line, state, parents: [] });
        b.addGroup(group, line);
      }
      if (pending.has(group) && state !== 'vars') {
        if (pending.get(group)!.state === 'children') addPendingChildren(group);
        else pending.delete(group);
      }
      return;
    }
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      b.problem(line, `invalid section header ${JSON.stringify(trimmed)}: no spaces or other characters are allowed around the name; expected [group], [group:vars] or [group:children]`);
      state = 'skip';
      return;
    }
    switch (state) {
      case 'skip':
        return;
      case 'hosts': {
        let words: string[];
        try {
          words = pyShlexSplit(trimmed);
        } catch (err) {
          b.problem(line, `cannot read host line: ${(err as Error).message === 'No closing quotation' ? 'unclosed quote' : (err as Error).message}`);
          return;
        }
        if (words.length === 0) return;
        const [pattern, ...assignments] = words;
        const vars = new Map<string, Var>();
        for (const a of assignments) {
          const eq = a.indexOf('=');
          if (eq < 0) {
            b.problem(line, `cannot read host line: "${a}" is not key=value (after host "${pattern}")`);
            return;
          }
          const key = a.slice(0, eq);
          vars.set(key, { value: iniValue(b, a.slice(eq + 1), key, line), line });
        }
        addHostPattern(b, pattern, group, line, vars, true);
        return;
      }
      case 'vars': {
        const eq = trimmed.indexOf('=');
        if (eq < 0) {
          b.problem(line, `cannot read variable line in [${group}:vars]: expected key=value`);
          return;
        }
        const key = pyStrip(trimmed.slice(0, eq));
        b.setGroupVar(group, key, iniValue(b, pyStrip(trimmed.slice(eq + 1)), key, line), line);
        return;
      }
      case 'children': {
        const g = GROUP_NAME.exec(trimmed);
        if (!g) {
          b.problem(line, `cannot read line in [${group}:children]: expected one group name`);
          return;
        }
        const child = g[1];
        if (!b.groups.has(child)) {
          const p = pending.get(child);
          if (p) p.parents.push(group);
          else pending.set(child, { line, state: 'children', parents: [group] });
        } else b.addChild(group, child, line);
        return;
      }
    }
  });
  for (const [name, p] of pending) {
    if (p.state === 'vars') b.problem(p.line, `[${name}:vars] is for a group that is never defined (Ansible refuses the file); add a [${name}] or [${name}:children] section`);
    else b.problem(p.line, `[${p.parents[p.parents.length - 1]}:children] names "${name}", a group that is never defined (Ansible refuses the file)`);
  }
  return b.build(knownComponents);
}

// --------------------------------------------------------------------------------------------- YAML

/** The implicit scalar types of PyYAML (YAML 1.1), which Ansible's loader uses, exactly: no `y`/`n` booleans, `1e3` is text, `08` is text. */
function pyYamlTags(tags: Tags): Tags {
  const replaced = new Set(['tag:yaml.org,2002:bool', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:timestamp', 'tag:yaml.org,2002:binary', 'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:pairs', 'tag:yaml.org,2002:set']);
  const kept = tags.filter((t) => typeof t === 'string' || !replaced.has(t.tag));
  const sexagesimal = (text: string): number => text.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  const int = (src: string): number => {
    let v = src.replace(/_/g, '');
    let sign = 1;
    if (v[0] === '-' || v[0] === '+') {
      if (v[0] === '-') sign = -1;
      v = v.slice(1);
    }
    if (v === '0') return 0;
    if (v.startsWith('0b')) return sign * parseInt(v.slice(2), 2);
    if (v.startsWith('0x')) return sign * parseInt(v.slice(2), 16);
    if (v[0] === '0') return sign * parseInt(v, 8);
    if (v.includes(':')) return sign * sexagesimal(v);
    return sign * Number(v);
  };
  const float = (src: string): number => {
    let v = src.replace(/_/g, '').toLowerCase();
    let sign = 1;
    if (v[0] === '-' || v[0] === '+') {
      if (v[0] === '-') sign = -1;
      v = v.slice(1);
    }
    if (v === '.inf') return sign * Infinity;
    if (v === '.nan') return NaN;
    if (v.includes(':')) return sign * sexagesimal(v);
    return sign * Number(v);
  };
  const pad = (n: string | number, w = 2): string => String(n).padStart(w, '0');
  const timestamp = (src: string): string => {
    const m = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/.exec(src)!;
    const [, y, mo, d, h, mi, s, frac, tz] = m;
    const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) throw new Error(`invalid date ${src}`);
    const day = `${y}-${pad(mo)}-${pad(d)}`;
    if (h === undefined) return day;
    if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) throw new Error(`invalid time ${src}`);
    const micro = frac ? frac.slice(0, 6).padEnd(6, '0') : '';
    let zone = '';
    if (tz === 'Z') zone = '+00:00';
    else if (tz) {
      const [th, tm] = tz.slice(1).split(':');
      zone = `${tz[0]}${pad(th)}:${pad(tm ?? '00')}`;
    }
    return `${day}T${pad(h)}:${mi}:${s}${micro && micro !== '000000' ? `.${micro}` : ''}${zone}`;
  };
  const scalar = (tag: string, test: RegExp, resolve: (s: string) => unknown): ScalarTag => ({ tag, default: true, test, resolve: (s) => resolve(s) as never });
  return [
    ...kept,
    scalar('tag:yaml.org,2002:null', /^(?:~|null|Null|NULL|)$/, () => null),
    scalar('tag:yaml.org,2002:bool', /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, () => true),
    scalar('tag:yaml.org,2002:bool', /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, () => false),
    scalar('tag:yaml.org,2002:int', /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/, int),
    scalar('tag:yaml.org,2002:float', /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/, float),
    scalar('tag:yaml.org,2002:timestamp', /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/, timestamp),
    { tag: '!unsafe', resolve: (s: string) => s },
    { tag: '!vault', resolve: () => VAULT as never },
  ];
}

const VAULT = Symbol('vault');

/** Work and alias expansion a YAML inventory may cost; a "billion laughs" document is refused. */
const MAX_ALIAS_COUNT = 10_000;

export function parseAnsibleYaml(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory {
  return parseAnsibleYamlList(file, text, knownComponents);
}

export function parseAnsibleYamlList(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory & { list: AnsibleListJson } {
  const b = new InventoryBuilder(file);
  const lines = new LineCounter();
  const bad = firstNonYamlCharacter(text);
  if (bad) {
    b.problem(bad.line, bad.message);
    return b.build(knownComponents);
  }
  // Ansible's loader tries JSON first, so a JSON file keeps JSON's types.
  let isJson = false;
  try {
    JSON.parse(text);
    isJson = true;
  } catch {
    // YAML it is.
  }
  const doc = isJson
    ? parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, schema: 'core' })
    : parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.1', merge: true, customTags: pyYamlTags });
  const lineOf = (node: unknown, fallback: number): number => (isNode(node) && node.range ? lines.linePos(node.range[0]).line : fallback);
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const dup = /Map keys must be unique/.test(e.message);
      b.problem(lines.linePos(e.pos[0]).line, dup ? 'duplicate key: Ansible keeps only the last one (with a warning); SOFA Ops refuses, as the earlier entry would silently vanish' : `YAML: ${e.message.split('\n')[0]}`);
    }
    return b.build(knownComponents);
  }
  for (const w of doc.warnings) b.problem(lines.linePos(w.pos[0]).line, `YAML: ${w.message.split('\n')[0]}`);
  try {
    // Only to bound alias expansion; Map keys avoid a warning for collection keys, refused later.
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT, mapAsMap: true });
    new YamlInventoryReader(b, doc, lineOf).read();
  } catch (err) {
    const message = (err as Error).message;
    const firstAlias = /\*[^\s,\]}]+/.exec(text);
    const line = firstAlias ? lines.linePos(firstAlias.index).line : 1;
    if (/Excessive alias count/i.test(message)) b.problem(line, 'YAML aliases expand too much (a "billion laughs" document); SOFA Ops refuses it');
    else if (err instanceof RangeError) b.problem(1, 'the YAML nests too deeply for SOFA Ops to read');
    else b.problem(line, `YAML: ${message.split('\n')[0]}`);
  }
  return b.build(knownComponents);
}

/** PyYAML accepts only printable characters (and refuses the file otherwise); U+FFFD here means bytes that were not UTF-8. */
function firstNonYamlCharacter(text: string): { line: number; message: string } | undefined {
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    const printable = c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e) || c === 0x85 || (c >= 0xa0 && c <= 0xfffc) || (c === 0xfeff && i === 0);
    if (c === 0xfffd) return { line, message: 'the file is not valid UTF-8 here (Ansible refuses it)' };
    if (!printable) return { line, message: `character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in YAML (Ansible refuses the file)` };
  }
  return undefined;
}

type Entry = { key: unknown; keyNode: unknown; value: Node | null; line: number };

class YamlInventoryReader {
  private readonly aliasCache = new Map<unknown, Node | null>();
  constructor(
    private readonly b: InventoryBuilder,
    private readonly doc: Document,
    private readonly lineOf: (node: unknown, fallback: number) => number,
  ) {}

  private deref(node: unknown): Node | null {
    if (!isAlias(node)) return (node as Node | null) ?? null;
    if (!this.aliasCache.has(node)) this.aliasCache.set(node, (node.resolve(this.doc) as Node | undefined) ?? null);
    return this.aliasCache.get(node)!;
  }

  /** A node's value as Ansible's loader builds it (null stays null). */
  private js(node: unknown, line: number): unknown {
    const n = this.deref(node);
    if (n === null) return null;
    const explicit = n.tag;
    if (explicit && !/^(?:tag:yaml\.org,2002:(?:str|int|float|bool|null|map|seq|timestamp)|!unsafe)$/.test(explicit) && explicit !== '!vault') {
      this.b.problem(this.lineOf(n, line), `YAML tag ${explicit} is not supported by SOFA Ops`);
    }
    const v = n.toJS(this.doc, { maxAliasCount: MAX_ALIAS_COUNT });
    this.checkValue(v, this.lineOf(n, line));
    return v;
  }

  private checkValue(v: unknown, line: number): void {
    if (v === VAULT) this.b.problem(line, 'a !vault value: SOFA Ops cannot decrypt Ansible Vault');
    else if (typeof v === 'number' && !Number.isFinite(v)) this.b.problem(line, 'an infinite or NaN number, which SOFA Ops does not model');
    else if (Array.isArray(v)) v.forEach((x) => this.checkValue(x, line));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => this.checkValue(x, line));
  }

  private isNull(node: unknown): boolean {
    const n = this.deref(node);
    return n === null || (isScalar(n) && n.value === null);
  }

  /** A mapping's pairs as PyYAML constructs them: `<<` merges first, explicit keys after (and winning). */
  private entries(node: Node, line: number, depth = 0): Entry[] {
    if (!isMap(node) || depth > 50) return [];
    const merged: Entry[] = [];
    const own: Entry[] = [];
    for (const pair of node.items) {
      const keyNode = this.deref(pair.key);
      const isMerge = isScalar(keyNode) && (typeof keyNode.value === 'symbol' || (keyNode.value === '<<' && keyNode.type === 'PLAIN'));
      if (isMerge) {
        const v = this.deref(pair.value);
        const sources = isSeq(v) ? [...v.items].reverse().map((x) => this.deref(x)) : [v];
        for (const src of sources) if (src && isMap(src)) merged.push(...this.entries(src, line, depth + 1));
        continue;
      }
      own.push({ key: isScalar(keyNode) ? keyNode.value : keyNode, keyNode, value: (pair.value as Node | null) ?? null, line: this.lineOf(pair.key, line) });
    }
    const byKey = new Map<unknown, Entry>();
    for (const e of [...merged, ...own]) {
      const prev = byKey.get(e.key);
      if (prev) Object.assign(prev, { value: e.value, line: e.line });
      else byKey.set(e.key, { ...e });
    }
    return [...byKey.values()];
  }

  read(): void {
    const root = this.deref(this.doc.contents);
    const rootJs = root === null ? null : this.isNull(root) ? null : root;
    if (rootJs === null || (isMap(root) && root.items.length === 0)) {
      this.b.problem(1, 'the YAML inventory is empty (Ansible refuses it)');
      return;
    }
    if (!isMap(root)) {
      this.b.problem(this.lineOf(root, 1), 'an Ansible YAML inventory must be a mapping of groups, starting with all:');
      return;
    }
    const top = this.entries(root, 1);
    const plugin = top.find((e) => e.key === 'plugin');
    if (plugin && !this.isNull(plugin.value) && this.js(plugin.value, plugin.line)) {
      this.b.problem(plugin.line, 'this is an inventory plugin configuration, not an inventory; SOFA Ops reads static inventories only');
      return;
    }
    for (const e of top) this.group(e, undefined);
  }

  private group(e: Entry, parent: string | undefined): void {
    if (typeof e.key !== 'string') {
      this.b.problem(e.line, `group name ${JSON.stringify(e.key)} is not text (Ansible refuses the file)`);
      return;
    }
    const name = e.key;
    const data = this.deref(e.value);
    if (data !== null && !this.isNull(data) && !isMap(data)) {
      this.b.problem(this.lineOf(data, e.line), parent
        ? `group "${name}" must be a mapping with hosts, children or vars (Ansible refuses the file)`
        : `group "${name}" must be a mapping with hosts, children or vars (Ansible skips it with a warning)`);
      return;
    }
    this.b.addGroup(name, e.line);
    if (parent !== undefined) this.b.addChild(parent, name, e.line);
    if (data === null || !isMap(data)) return;
    const sections = this.entries(data, e.line);
    for (const s of sections) {
      const key = s.key;
      const value = this.deref(s.value);
      if (key === 'vars' || key === 'children' || key === 'hosts') {
        if (isScalar(value) && typeof value.value === 'string') {
          this.section(name, key, [{ key: value.value, keyNode: value, value: null, line: this.lineOf(value, s.line) }]);
          continue;
        }
        if (value !== null && !this.isNull(value) && !isMap(value)) {
          this.b.problem(this.lineOf(value, s.line), key === 'hosts'
            ? `hosts of group "${name}" must be a mapping of host name → variables (not a list)`
            : `${key} of group "${name}" must be a mapping (Ansible refuses the file)`);
          continue;
        }
        if (value !== null && isMap(value)) this.section(name, key, this.entries(value, s.line));
        continue;
      }
      this.b.problem(s.line, `group "${name}": unknown field "${String(key)}" (expected hosts, children or vars; Ansible skips it with a warning)`);
    }
  }

  private section(group: string, key: 'vars' | 'children' | 'hosts', items: Entry[]): void {
    for (const item of items) {
      if (key === 'children') {
        this.group(item, group);
      } else if (key === 'vars') {
        if (typeof item.key !== 'string') {
          this.b.problem(item.line, `variable name ${JSON.stringify(item.key)} is not text`);
          continue;
        }
        this.b.setGroupVar(group, item.key, this.js(item.value, item.line), item.line);
      } else {
        if (typeof item.key !== 'string') {
          this.b.problem(item.line, `host name ${JSON.stringify(item.key)} is not text (Ansible refuses the file)`);
          continue;
        }
        const vars = this.hostVars(item);
        if (vars) addHostPattern(this.b, item.key, group, item.line, vars, false);
      }
    }
  }

  private hostVars(item: Entry): Map<string, Var> | undefined {
    const vars = new Map<string, Var>();
    const node = this.deref(item.value);
    if (node === null || this.isNull(node)) return vars;
    if (!isMap(node)) {
      // `host: ''`, `host: 0`, `host: []` are falsy in Python and mean "no vars" to Ansible.
      const v = this.js(node, item.line);
      if (v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0)) return vars;
      this.b.problem(this.lineOf(node, item.line), `host "${String(item.key)}" must be a mapping of variables`);
      return undefined;
    }
    for (const e of this.entries(node, item.line)) {
      if (typeof e.key !== 'string') {
        this.b.problem(e.line, `variable name ${JSON.stringify(e.key)} is not text`);
        continue;
      }
      vars.set(e.key, { value: this.js(e.value, e.line), line: e.line });
    }
    return vars;
  }
}
