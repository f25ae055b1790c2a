/**
 * The inventory: which containers (and bastions) serve which catalog component, and how to reach
 * them. Three file formats feed one model: our own YAML (sofaInventory.ts) and the Ansible INI and
 * YAML inventories ops teams already keep (ansibleInventory.ts). Format parsers only read; the
 * checks that do not depend on the format (duplicate names, ProxyJump hops, `~` expansion, the
 * group index) live here so every format gets them alike. Bad content becomes SourceProblems,
 * never an exception: the caller decides whether to stop.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SourceProblem } from '../sourceProblem';
import type { HostOrigin, Inventory, InventoryFormat, InventoryHost, InventoryLoadResult, InventoryOptions, ParsedInventory } from './inventoryTypes';
import { parseSofaInventory } from './sofaInventory';
import { parseAnsibleIni } from './ansibleIni';
import { parseAnsibleYaml } from './ansibleYaml';

export type { Inventory, InventoryFormat, InventoryHost, InventoryLoadResult, InventoryOptions } from './inventoryTypes';

export const DEFAULT_PORT = 2022;
export const DEFAULT_LOG_ROOT = '/home/admin/logs';

/** Read and parse an inventory file. Never throws for bad content or an unreadable file. */
export async function loadInventory(file: string, options: InventoryOptions = {}): Promise<InventoryLoadResult> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const format = options.format ?? (syntaxFromExtension(file) === 'ini' ? 'ansible-ini' : 'sofa');
    return { inventory: emptyInventory(file, format), problems: [{ file, line: 1, message: `cannot read inventory: ${(err as Error).message}` }] };
  }
  return parseInventory(file, text, options);
}

/** Parse inventory text (an unsaved editor document, a test string). */
export function parseInventory(file: string, text: string, options: InventoryOptions = {}): InventoryLoadResult {
  const format = options.format ?? detectInventoryFormat(file, text);
  const parsed = format === 'ansible-ini'
    ? parseAnsibleIni(file, text, options.knownComponents)
    : format === 'ansible-yaml'
      ? parseAnsibleYaml(file, text, options.knownComponents)
      : parseSofaInventory(file, text, options.knownComponents);
  return finishInventory(file, format, parsed);
}

/**
 * `*.ini` is INI; `*.yaml|yml|json` is YAML, Ansible's when it has a top-level `all:` or only
 * group-shaped entries, ours otherwise. Without either extension (Ansible's classic `hosts` file)
 * the first meaningful line decides: `key:` is YAML, anything else (`[group]`, a host line) is INI.
 */
export function detectInventoryFormat(file: string, text: string): InventoryFormat {
  const syntax = syntaxFromExtension(file);
  if (syntax === 'ini') return 'ansible-ini';
  if (!syntax) {
    const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#') && !l.startsWith(';'));
    if (first === undefined) return 'sofa';
    const yamlish = first.startsWith('---') || first.startsWith('{') || /^[^\s[#][^=\s]*:(\s|$)/.test(first);
    if (!yamlish) return 'ansible-ini';
  }
  return yamlLooksLikeAnsible(text) ? 'ansible-yaml' : 'sofa';
}

function syntaxFromExtension(file: string): 'ini' | 'yaml' | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ini') return 'ini';
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') return 'yaml';
  return undefined;
}

/** Top-level keys only, without a full parse: detection must not fail on a broken file. */
function yamlLooksLikeAnsible(text: string): boolean {
  const body = text.replace(/^\ufeff/, '');
  if (body.trimStart().startsWith('{')) {
    // JSON (Ansible reads .json inventories too): its keys are indented and quoted.
    try {
      const data: unknown = JSON.parse(body);
      if (data && typeof data === 'object' && !Array.isArray(data)) {
        const entries = Object.entries(data as Record<string, unknown>);
        if (entries.some(([k]) => k === 'all' || k === 'plugin')) return true;
        if (entries.some(([k]) => k === 'products' || k === 'defaults' || k === 'hosts')) return false;
        return entries.some(([, v]) => !!v && typeof v === 'object' && ['hosts', 'children', 'vars'].some((f) => f in (v as object)));
      }
    } catch {
      // Not JSON: fall through to the YAML look.
    }
  }
  const keys = [...body.matchAll(/^([^\s#'"-][^:]*|"[^"]*"|'[^']*'):(?:\s|$)/gm)].map((m) => m[1].replace(/^["']|["']$/g, ''));
  // `plugin:` is an inventory plugin configuration: the Ansible reader explains it cannot run one.
  if (keys.includes('all') || keys.includes('plugin')) return true;
  if (keys.some((k) => k === 'products' || k === 'defaults' || k === 'hosts')) return false;
  // Ansible also accepts groups at the top level without `all:`; their bodies use hosts/children/vars.
  return keys.length > 0 && /^\s+(hosts|children|vars):(\s|$)/m.test(text);
}

function emptyInventory(file: string, format: InventoryFormat): Inventory {
  return { file, format, hosts: [], groups: new Map() };
}

/** Expand a leading `~` or `~/` against the local home directory (identity files are local paths). */
export function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

export interface ProxyHop {
  user?: string;
  host: string;
  port?: number;
}

/**
 * Split an OpenSSH ProxyJump value into hops. Accepts "[user@]host[:port]", "[v6addr]:port" and
 * "ssh://[user@]host[:port]". Returns an error message for syntax ssh itself would reject.
 */
export function parseProxyJump(spec: string): { hops: ProxyHop[]; error?: string } {
  const hops: ProxyHop[] = [];
  for (const raw of spec.split(',')) {
    const hop = raw.trim().replace(/^ssh:\/\//, '');
    if (!hop) return { hops, error: `empty hop in proxyJump "${spec}"` };
    const at = hop.lastIndexOf('@');
    const user = at >= 0 ? hop.slice(0, at) : undefined;
    let rest = at >= 0 ? hop.slice(at + 1) : hop;
    let port: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
    let portText: string | undefined;
    if (bracketed) {
      rest = bracketed[1];
      portText = bracketed[2];
    } else if ((rest.match(/:/g) ?? []).length === 1) {
      [rest, portText] = rest.split(':');
    }
    if (portText !== undefined) {
      port = Number(portText);
      if (!/^\d+$/.test(portText) || port < 1 || port > 65535) return { hops, error: `bad port "${portText}" in proxyJump hop "${raw.trim()}"` };
    }
    if (!rest || /\s/.test(rest) || user === '') return { hops, error: `cannot read proxyJump hop "${raw.trim()}"` };
    hops.push({ user, host: rest, port });
  }
  return { hops };
}

function formatHop(hop: ProxyHop): string {
  const host = hop.host.includes(':') && hop.port !== undefined ? `[${hop.host}]` : hop.host;
  return `${hop.user ? `${hop.user}@` : ''}${host}${hop.port !== undefined ? `:${hop.port}` : ''}`;
}

/** The format-independent rules, and the group index. */
function finishInventory(file: string, format: InventoryFormat, parsed: ParsedInventory): InventoryLoadResult {
  const problems = [...parsed.problems];
  const byName = new Map<string, InventoryHost>();
  const origins = new Map<InventoryHost, HostOrigin>();
  const hosts: InventoryHost[] = [];
  for (const raw of parsed.hosts) {
    const first = byName.get(raw.name);
    if (first) {
      problems.push({ ...raw.source, message: `duplicate host name "${raw.name}" (first defined at ${first.source.file}:${first.source.line}); this entry is ignored` });
      continue;
    }
    const host: InventoryHost = {
      ...raw,
      port: raw.port ?? DEFAULT_PORT,
      portIsDefault: raw.port === undefined,
      logRoot: raw.logRoot ?? DEFAULT_LOG_ROOT,
      identityFiles: raw.identityFiles.map(expandHome),
    };
    byName.set(host.name, host);
    origins.set(host, parsed.origins.get(raw) ?? {});
    hosts.push(host);
  }
  for (const host of hosts) checkProxyJump(host, origins.get(host)!, problems);
  reportJumpLoops(hosts, byName, origins, problems);

  const groups = new Map<string, string[]>();
  const seen = new Map<string, Set<string>>();
  for (const g of parsed.groupOrder) groups.set(g, []);
  for (const host of hosts) {
    for (const g of host.groups) {
      const members = groups.get(g) ?? [];
      let names = seen.get(g);
      if (!names) seen.set(g, (names = new Set()));
      if (!names.has(host.name)) {
        names.add(host.name);
        members.push(host.name);
      }
      groups.set(g, members);
    }
  }
  for (const host of hosts) {
    if (groups.has(host.name)) {
      problems.push({ ...host.source, message: `host name "${host.name}" is also a group name; the selector "${host.name}" picks the group` });
    }
  }
  return { inventory: { file, format, hosts, groups }, problems };
}

function checkProxyJump(host: InventoryHost, origin: HostOrigin, problems: SourceProblem[]): void {
  if (host.proxyJump === undefined) return;
  const line = origin.proxyJumpLine ?? host.source.line;
  if (host.proxyJump.trim().toLowerCase() === 'none') {
    host.proxyJump = undefined;
    return;
  }
  const { hops, error } = parseProxyJump(host.proxyJump);
  if (error) {
    problems.push({ file: host.source.file, line, message: `host "${host.name}": ${error}` });
    host.proxyJump = undefined;
    return;
  }
  const self = hops.findIndex((h) => h.host === host.name);
  if (self < 0) return;
  if (origin.proxyJumpInherited) {
    // Keep the hops before itself: a bastion reached through an outer bastion still needs that one.
    host.proxyJump = self === 0 ? undefined : hops.slice(0, self).map(formatHop).join(',');
  } else {
    problems.push({ file: host.source.file, line, message: `host "${host.name}": proxyJump goes through the host itself` });
    host.proxyJump = undefined;
  }
}

/** A hop naming another inventory host means "connect the way that host is connected": loops would never end. */
function reportJumpLoops(hosts: InventoryHost[], byName: Map<string, InventoryHost>, origins: Map<InventoryHost, HostOrigin>, problems: SourceProblem[]): void {
  const referenced = (h: InventoryHost): InventoryHost[] =>
    h.proxyJump ? parseProxyJump(h.proxyJump).hops.map((hop) => byName.get(hop.host)).filter((x): x is InventoryHost => !!x) : [];
  const looped: InventoryHost[] = [];
  for (const start of hosts) {
    const seen = new Set<InventoryHost>();
    const stack = referenced(start).map((h) => ({ host: h, chain: [start.name, h.name] }));
    let loop: string[] | undefined;
    while (stack.length && !loop) {
      const { host, chain } = stack.pop()!;
      if (host === start) loop = chain;
      else if (!seen.has(host)) {
        seen.add(host);
        for (const next of referenced(host)) stack.push({ host: next, chain: [...chain, next.name] });
      }
    }
    if (loop) {
      looped.push(start);
      problems.push({ file: start.source.file, line: origins.get(start)?.proxyJumpLine ?? start.source.line, message: `host "${start.name}": proxyJump loops through inventory hosts: ${loop.join(' → ')}` });
    }
  }
  // Cleared only after every host was checked, so each host in a loop is reported at its own line.
  for (const h of looped) h.proxyJump = undefined;
}
