/**
 * Ansible inventories (INI and YAML), read into the same model as our own format so teams can
 * point SOFA Ops at the file they already maintain. Only static inventories: no plugins, no
 * host_vars/ folders, no Jinja (a templated value we need is reported and ignored).
 *
 * Variables used: ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file (and
 * their older ansible_ssh_* spellings); ProxyJump from `-J x` or `-o ProxyJump=x` in
 * ansible_ssh_common_args / ansible_ssh_extra_args. Our own additions, all optional:
 * sofa_tags (list, or "a,b" in INI), sofa_log_root, sofa_component, sofa_product, sofa_proxy_jump.
 * Precedence as in Ansible: host vars > deeper (child) group vars > parent group vars > all:vars;
 * groups at the same depth apply in name order, so the later name wins.
 * The port defaults to 2022 like everywhere in SOFA Ops, not to Ansible's 22: set ansible_port
 * on hosts (such as bastions) that listen elsewhere.
 */
import { LineCounter, isMap, isNode, isScalar, parseDocument, type Node } from 'yaml';
import type { SourceProblem } from '../catalog/problems';
import type { HostOrigin, ParsedHost, ParsedInventory } from './inventory';

type KnownComponents = ReadonlySet<string> | ReadonlyMap<string, string>;

interface Var {
  value: unknown;
  line: number;
}

interface Group {
  name: string;
  line: number;
  vars: Map<string, Var>;
  /** Parent group → line of the link, to point at the link that closes a loop. */
  parents: Map<string, number>;
}

interface HostDecl {
  name: string;
  line: number;
  vars: Map<string, Var>;
  groups: string[];
}

/** Groups every host is implicitly in; selectors have `all`, so they are not listed as groups. */
const IMPLICIT_GROUPS = new Set(['all', 'ungrouped']);

/** Collects groups, hosts and vars in file order, then resolves them the way Ansible does. */
class InventoryBuilder {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, HostDecl>();
  readonly problems: SourceProblem[] = [];

  constructor(readonly file: string) {}

  problem(line: number, message: string): void {
    this.problems.push({ file: this.file, line, message });
  }

  group(name: string, line: number): Group {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, line, vars: new Map(), parents: new Map() };
      this.groups.set(name, g);
    }
    return g;
  }

  addChild(parent: string, child: string, line: number): void {
    this.group(parent, line);
    const c = this.group(child, line);
    if (parent !== 'all' && !c.parents.has(parent)) c.parents.set(parent, line);
  }

  addHost(name: string, group: string, line: number, vars: Map<string, Var>): void {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, line, vars: new Map(), groups: [] };
      this.hosts.set(name, h);
    }
    for (const [k, v] of vars) h.vars.set(k, v);
    this.group(group, line);
    if (!h.groups.includes(group)) h.groups.push(group);
  }

  build(knownComponents?: KnownComponents): ParsedInventory {
    const depth = this.depths();
    const result: ParsedInventory = {
      hosts: [],
      groupOrder: [...this.groups.keys()].filter((g) => !IMPLICIT_GROUPS.has(g)),
      problems: this.problems,
      origins: new Map(),
    };
    for (const decl of this.hosts.values()) {
      const member = this.ancestorsOf(decl.groups);
      const ordered = [...member].filter((g) => g !== 'all').sort((a, b) => (depth.get(a) ?? 1) - (depth.get(b) ?? 1) || a.localeCompare(b));
      const vars = new Map<string, Var & { fromHost: boolean }>();
      for (const g of ['all', ...ordered]) {
        for (const [k, v] of this.groups.get(g)?.vars ?? []) vars.set(k, { ...v, fromHost: false });
      }
      for (const [k, v] of decl.vars) vars.set(k, { ...v, fromHost: true });
      const { host, origin } = this.resolveHost(decl, vars, result.groupOrder.filter((g) => member.has(g)), knownComponents);
      result.hosts.push(host);
      result.origins.set(host, origin);
    }
    return result;
  }

  /** Distance from `all` along the longest parent chain; reports (and breaks) cycles. */
  private depths(): Map<string, number> {
    const depth = new Map<string, number>([['all', 0]]);
    const visiting = new Set<string>();
    const visit = (name: string): number => {
      const known = depth.get(name);
      if (known !== undefined) return known;
      const g = this.groups.get(name);
      if (!g || visiting.has(name)) return 0;
      visiting.add(name);
      let d = 1;
      for (const [p, linkLine] of g.parents) {
        if (visiting.has(p)) {
          this.problem(linkLine, `group "${name}" is its own ancestor through "${p}"; that link is ignored`);
          g.parents.delete(p);
          continue;
        }
        d = Math.max(d, visit(p) + 1);
      }
      visiting.delete(name);
      depth.set(name, d);
      return d;
    };
    for (const name of this.groups.keys()) visit(name);
    return depth;
  }

  private ancestorsOf(direct: string[]): Set<string> {
    const out = new Set<string>();
    const stack = [...direct];
    while (stack.length) {
      const g = stack.pop()!;
      if (out.has(g)) continue;
      out.add(g);
      stack.push(...(this.groups.get(g)?.parents.keys() ?? []));
    }
    return out;
  }

  private resolveHost(decl: HostDecl, vars: Map<string, Var & { fromHost: boolean }>, groups: string[], knownComponents?: KnownComponents): { host: ParsedHost; origin: HostOrigin } {
    const str = (...keys: string[]): (Var & { fromHost: boolean; text: string }) | undefined => {
      for (const key of keys) {
        const v = vars.get(key);
        if (v === undefined || v.value === null || v.value === undefined) continue;
        if (typeof v.value !== 'string' && typeof v.value !== 'number') {
          this.problem(v.line, `host "${decl.name}": ${key} must be a string`);
          continue;
        }
        const text = String(v.value);
        if (text.includes('{{') || text.includes('{%')) {
          this.problem(v.line, `host "${decl.name}": ${key} uses a Jinja template, which SOFA Ops cannot evaluate; it is ignored`);
          continue;
        }
        return { ...v, text };
      }
      return undefined;
    };

    let port: number | undefined;
    const portVar = str('ansible_port', 'ansible_ssh_port');
    if (portVar) {
      const n = Number(portVar.text);
      if (/^\d+$/.test(portVar.text.trim()) && n >= 1 && n <= 65535) port = n;
      else this.problem(portVar.line, `host "${decl.name}": port ${JSON.stringify(portVar.value)} is not a number from 1 to 65535`);
    }

    let proxyJump: { text: string; line: number; fromHost: boolean } | undefined = str('sofa_proxy_jump');
    if (!proxyJump) {
      for (const key of ['ansible_ssh_extra_args', 'ansible_ssh_common_args']) {
        const args = str(key);
        const jump = args && proxyJumpFromSshArgs(args.text);
        if (args && jump) {
          proxyJump = { text: jump, line: args.line, fromHost: args.fromHost };
          break;
        }
      }
    }

    const tagsVar = vars.get('sofa_tags');
    let tags: string[] = [];
    if (tagsVar && tagsVar.value !== null) {
      if (Array.isArray(tagsVar.value)) tags = tagsVar.value.map(String);
      else if (typeof tagsVar.value === 'string') tags = tagsVar.value.split(',');
      else this.problem(tagsVar.line, `host "${decl.name}": sofa_tags must be a list or a comma-separated string`);
      tags = tags.map((t) => t.trim()).filter((t, i, all) => t && all.indexOf(t) === i);
    }

    const component = str('sofa_component')?.text
      ?? (knownComponents ? groups.find((g) => decl.groups.includes(g) && knownComponents.has(g)) ?? groups.find((g) => knownComponents.has(g)) : undefined);
    const product = str('sofa_product')?.text ?? (component && knownComponents && 'get' in knownComponents ? knownComponents.get(component) : undefined);
    const keyFile = str('ansible_ssh_private_key_file', 'ansible_private_key_file');

    const host: ParsedHost = {
      name: decl.name,
      host: str('ansible_host', 'ansible_ssh_host')?.text ?? decl.name,
      port,
      user: str('ansible_user', 'ansible_ssh_user')?.text,
      identityFiles: keyFile ? [keyFile.text] : [],
      proxyJump: proxyJump?.text,
      logRoot: str('sofa_log_root')?.text,
      product,
      component,
      groups,
      tags,
      source: { file: this.file, line: decl.line },
    };
    return { host, origin: proxyJump ? { proxyJumpLine: proxyJump.line, proxyJumpInherited: !proxyJump.fromHost } : {} };
  }
}

/** `-J hop`, `-Jhop`, `-o ProxyJump=hop`, `-oProxyJump=hop`, `-o "ProxyJump hop"` in ssh arguments. */
export function proxyJumpFromSshArgs(args: string): string | undefined {
  const tokens = shellSplit(args, false) ?? [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '-J' && tokens[i + 1]) return tokens[i + 1];
    if (t.startsWith('-J') && t.length > 2) return t.slice(2);
    const option = t === '-o' ? tokens[i + 1] : t.startsWith('-o') ? t.slice(2) : undefined;
    const m = option !== undefined ? /^ProxyJump(?:\s*=\s*|\s+)(\S+)$/i.exec(option.trim()) : null;
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Split like a POSIX shell (quotes, backslashes); with `comments`, a `#` that starts a word ends
 * the line, as in Ansible's INI host lines. Returns undefined for an unclosed quote.
 */
function shellSplit(line: string, comments: boolean): string[] | undefined {
  const out: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === '#' && comments && word === undefined) {
      break;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) return undefined;
  if (word !== undefined) out.push(word);
  return out;
}

/**
 * Expand Ansible host ranges: `web[01:03]` (zero padding kept), `db-[a:c]`, `[1:9:2]` (stride);
 * several ranges in one pattern multiply.
 */
export function expandHostPattern(pattern: string): { names: string[]; error?: string } {
  const m = /\[([0-9a-zA-Z]*):([0-9a-zA-Z]+)(?::([0-9]+))?\]/.exec(pattern);
  if (!m) return { names: [pattern] };
  const [whole, rawBegin, end, strideText] = m;
  const begin = rawBegin || '0';
  const stride = strideText ? Number(strideText) : 1;
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + whole.length);
  const values: string[] = [];
  if (/^\d+$/.test(begin) && /^\d+$/.test(end)) {
    const padded = begin.length > 1 && begin.startsWith('0');
    if (padded && begin.length !== end.length) return { names: [], error: `range ${whole}: begin and end must have the same width` };
    for (let n = Number(begin); n <= Number(end) && stride > 0; n += stride) values.push(padded ? String(n).padStart(begin.length, '0') : String(n));
  } else if (/^[a-zA-Z]$/.test(begin) && /^[a-zA-Z]$/.test(end)) {
    for (let c = begin.charCodeAt(0); c <= end.charCodeAt(0) && stride > 0; c += stride) values.push(String.fromCharCode(c));
  } else {
    return { names: [], error: `cannot read range ${whole}` };
  }
  if (values.length === 0) return { names: [], error: `range ${whole} is empty` };
  const names: string[] = [];
  for (const v of values) {
    const rest = expandHostPattern(head + v + tail);
    if (rest.error) return rest;
    names.push(...rest.names);
  }
  return { names };
}

/** `host:2222` (outside any range brackets) sets the port, as Ansible's own address parser does. */
function splitPort(pattern: string): { pattern: string; port?: string } {
  const outside = pattern.replace(/\[[^\]]*\]/g, '');
  if ((outside.match(/:/g) ?? []).length !== 1 || !/:\d+$/.test(outside)) return { pattern };
  const at = pattern.lastIndexOf(':');
  return { pattern: pattern.slice(0, at), port: pattern.slice(at + 1) };
}

function addHostPattern(b: InventoryBuilder, rawPattern: string, group: string, line: number, vars: Map<string, Var>): void {
  const { pattern, port } = splitPort(rawPattern);
  const { names, error } = expandHostPattern(pattern);
  if (error) {
    b.problem(line, `host pattern "${rawPattern}": ${error}`);
    return;
  }
  const all = new Map(vars);
  if (port !== undefined && !all.has('ansible_port')) all.set('ansible_port', { value: port, line });
  for (const name of names) b.addHost(name, group, line, all);
}

/** INI values are text; quotes around a whole value are not part of it (Ansible evaluates them). */
function iniValue(raw: string): string {
  const v = raw.trim();
  return /^(["']).*\1$/.test(v) && v.length >= 2 ? v.slice(1, -1) : v;
}

export function parseAnsibleIni(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory {
  const b = new InventoryBuilder(file);
  let group = 'ungrouped';
  let kind: 'hosts' | 'vars' | 'children' | 'skip' = 'hosts';
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const trimmed = rawLine.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]\s:]+)(?::([^\]\s]*))?\]\s*(?:[#;].*)?$/.exec(trimmed);
      if (!m) {
        b.problem(line, `cannot read section header ${JSON.stringify(trimmed)}; expected [group], [group:vars] or [group:children]`);
        kind = 'skip';
        return;
      }
      const suffix = m[2] ?? 'hosts';
      if (suffix !== 'hosts' && suffix !== 'vars' && suffix !== 'children') {
        b.problem(line, `unknown section kind ":${suffix}" in ${trimmed}; expected :vars or :children`);
        kind = 'skip';
        return;
      }
      group = m[1];
      kind = suffix;
      b.group(group, line);
      return;
    }
    switch (kind) {
      case 'skip':
        return;
      case 'hosts': {
        const words = shellSplit(trimmed, true);
        if (!words) {
          b.problem(line, `cannot read host line: unclosed quote`);
          return;
        }
        const [pattern, ...assignments] = words;
        const vars = new Map<string, Var>();
        for (const a of assignments) {
          const eq = a.indexOf('=');
          if (eq <= 0) {
            b.problem(line, `cannot read host line: "${a}" is not key=value (after host "${pattern}")`);
            return;
          }
          vars.set(a.slice(0, eq), { value: a.slice(eq + 1), line });
        }
        addHostPattern(b, pattern, group, line, vars);
        return;
      }
      case 'vars': {
        const eq = trimmed.indexOf('=');
        if (eq <= 0) {
          b.problem(line, `cannot read variable line in [${group}:vars]: expected key=value`);
          return;
        }
        b.group(group, line).vars.set(trimmed.slice(0, eq).trim(), { value: iniValue(trimmed.slice(eq + 1)), line });
        return;
      }
      case 'children': {
        const words = shellSplit(trimmed, true) ?? [];
        if (words.length !== 1) {
          b.problem(line, `cannot read line in [${group}:children]: expected one group name`);
          return;
        }
        b.addChild(group, words[0], line);
        return;
      }
    }
  });
  return b.build(knownComponents);
}

export function parseAnsibleYaml(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory {
  const b = new InventoryBuilder(file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    for (const e of doc.errors) b.problem(lines.linePos(e.pos[0]).line, `YAML: ${e.message.split('\n')[0]}`);
    return { hosts: [], groupOrder: [], problems: b.problems, origins: new Map() };
  }
  const lineOf = (node: unknown, fallback: number): number => (isNode(node) && node.range ? lines.linePos(node.range[0]).line : fallback);
  const keyText = (key: unknown): string => (isScalar(key) ? String(key.value) : String(key));

  const readVars = (node: unknown, line: number, what: string): Map<string, Var> => {
    const vars = new Map<string, Var>();
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return vars;
    if (!isMap(node)) {
      b.problem(lineOf(node, line), `${what} must be a mapping of variables`);
      return vars;
    }
    for (const pair of node.items) {
      const value = isNode(pair.value) ? pair.value.toJS(doc) : pair.value;
      vars.set(keyText(pair.key), { value, line: lineOf(pair.key, line) });
    }
    return vars;
  };

  const readGroup = (name: string, node: unknown, line: number, parent: string | undefined): void => {
    if (parent) b.addChild(parent, name, line);
    else b.group(name, line);
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return;
    if (!isMap(node)) {
      b.problem(lineOf(node, line), `group "${name}" must be a mapping with hosts, children or vars`);
      return;
    }
    for (const pair of node.items) {
      const key = keyText(pair.key);
      const keyLine = lineOf(pair.key, line);
      const value = pair.value as Node | null;
      if (key === 'vars') {
        for (const [k, v] of readVars(value, keyLine, `vars of group "${name}"`)) b.group(name, line).vars.set(k, v);
      } else if (key === 'hosts') {
        if (value === null || (isScalar(value) && value.value === null)) continue;
        if (!isMap(value)) {
          b.problem(lineOf(value, keyLine), `hosts of group "${name}" must be a mapping of host name → variables (not a list)`);
          continue;
        }
        for (const hostPair of value.items) {
          const hostLine = lineOf(hostPair.key, keyLine);
          addHostPattern(b, keyText(hostPair.key), name, hostLine, readVars(hostPair.value, hostLine, `host "${keyText(hostPair.key)}"`));
        }
      } else if (key === 'children') {
        if (value === null || (isScalar(value) && value.value === null)) continue;
        if (!isMap(value)) {
          b.problem(lineOf(value, keyLine), `children of group "${name}" must be a mapping of group name → group`);
          continue;
        }
        for (const child of value.items) readGroup(keyText(child.key), child.value, lineOf(child.key, keyLine), name);
      } else {
        b.problem(keyLine, `group "${name}": unknown field "${key}" (expected hosts, children or vars)`);
      }
    }
  };

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return b.build(knownComponents);
  if (!isMap(root)) {
    b.problem(lineOf(root, 1), 'an Ansible YAML inventory must be a mapping starting with all:');
    return b.build(knownComponents);
  }
  for (const pair of root.items) {
    const name = keyText(pair.key);
    readGroup(name, pair.value, lineOf(pair.key, 1), name === 'all' ? undefined : 'all');
  }
  return b.build(knownComponents);
}
