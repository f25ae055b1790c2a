/**
 * Resolves where and how to connect, the way OpenSSH would: explicit values (inventory, command
 * line) first, then ~/.ssh/config (Host patterns, HostName, Port, User, IdentityFile, ProxyJump,
 * ServerAliveInterval/CountMax, ConnectTimeout), then OpenSSH's defaults.
 * Parsing is delegated to the maintained `ssh-config` package.
 */
import { readFileSync, statSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import SSHConfig from 'ssh-config';
import { expandHome, parseProxyJump } from '../inventory/inventory';
import type { SshTarget } from './types';

export interface TargetRequest {
  /** What the user named: inventory name or host alias. */
  name: string;
  /** Address when known (inventory `host`); otherwise `name` is looked up in ssh config. */
  host?: string;
  port?: number;
  user?: string;
  identityFiles?: string[];
  proxyJump?: string;
}

export interface ResolveOptions {
  /** Contents of ~/.ssh/config; read from the home directory when undefined. */
  sshConfigText?: string;
  /** Resolves a jump hop that is an inventory host name to its request. */
  lookupInventoryHost?: (name: string) => TargetRequest | undefined;
  defaultPort?: number;
  env?: NodeJS.ProcessEnv;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function readUserSshConfig(): string {
  try {
    return readFileSync(path.join(os.homedir(), '.ssh', 'config'), 'utf8');
  } catch {
    return '';
  }
}

/**
 * Parsed configs by text: every target of a fan-out (and every runbook cell) resolves through the
 * same ~/.ssh/config, so it is read once per change (mtime) and parsed once per distinct text.
 */
const parsedConfigs = new Map<string, ReturnType<typeof SSHConfig.parse>>();
let userConfig: { file: string; mtimeMs: number; text: string } | undefined;

function currentUserSshConfig(): string {
  const file = path.join(os.homedir(), '.ssh', 'config');
  // No config is the same as an empty one (and not an exception per target: they are costly).
  const mtimeMs = statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
  if (!userConfig || userConfig.file !== file || userConfig.mtimeMs !== mtimeMs) userConfig = { file, mtimeMs, text: mtimeMs < 0 ? '' : readUserSshConfig() };
  return userConfig.text;
}

function parsedConfig(text: string): ReturnType<typeof SSHConfig.parse> {
  let parsed = parsedConfigs.get(text);
  if (!parsed) {
    if (parsedConfigs.size > 16) parsedConfigs.clear();
    parsed = SSHConfig.parse(text);
    parsedConfigs.set(text, parsed);
  }
  return parsed;
}

/**
 * Options by alias for each parsed config: computing them asks the OS for the user name each time,
 * and a runbook resolves the same few hosts for every cell.
 */
const computedOptions = new WeakMap<ReturnType<typeof SSHConfig.parse>, Map<string, Map<string, string | string[]>>>();

/** Lower-cased OpenSSH options for a host alias (keywords are case-insensitive; first value wins). */
function computeOptions(config: ReturnType<typeof SSHConfig.parse>, alias: string): Map<string, string | string[]> {
  let byAlias = computedOptions.get(config);
  if (!byAlias) computedOptions.set(config, (byAlias = new Map()));
  let options = byAlias.get(alias);
  if (!options) {
    if (byAlias.size > 4096) byAlias.clear();
    options = computeOptionsUncached(config, alias);
    byAlias.set(alias, options);
  }
  return options;
}

function computeOptionsUncached(config: ReturnType<typeof SSHConfig.parse>, alias: string): Map<string, string | string[]> {
  const computed = config.compute(alias) as Record<string, string | string[]>;
  const options = new Map<string, string | string[]>();
  for (const [key, value] of Object.entries(computed)) {
    const lower = key.toLowerCase();
    if (lower === 'identityfile') {
      const list = Array.isArray(value) ? value : [value];
      options.set(lower, [...((options.get(lower) as string[] | undefined) ?? []), ...list]);
    } else if (!options.has(lower)) {
      options.set(lower, Array.isArray(value) ? value[0] : value);
    }
  }
  return options;
}

function num(value: string | string[] | undefined): number | undefined {
  const n = Number(Array.isArray(value) ? value[0] : value);
  return value !== undefined && Number.isFinite(n) ? n : undefined;
}

export function resolveTarget(request: TargetRequest, options: ResolveOptions = {}, depth = 0): SshTarget {
  if (depth > 8) throw new Error(`ProxyJump chain for "${request.name}" is too deep (a loop?)`);
  const config = parsedConfig(options.sshConfigText ?? currentUserSshConfig());
  const env = options.env ?? process.env;
  const alias = request.host ?? request.name;
  const o = computeOptions(config, alias);
  const hostName = (o.get('hostname') as string | undefined)?.replace(/%h/g, alias) ?? alias;
  // A copy: the computed options are shared by every target of this alias.
  const configuredIdentities = o.get('identityfile') as string[] | undefined;
  const identityFiles = request.identityFiles?.length ? request.identityFiles : configuredIdentities ? [...configuredIdentities] : DEFAULT_IDENTITIES.map((f) => `~/.ssh/${f}`);
  const jumpSpec = request.proxyJump ?? (o.get('proxyjump') as string | undefined);
  const jumps: SshTarget[] = [];
  if (jumpSpec && jumpSpec.toLowerCase() !== 'none') {
    const { hops, error } = parseProxyJump(jumpSpec);
    if (error) throw new Error(`${request.name}: ${error}`);
    for (const hop of hops) {
      const parsed: TargetRequest = { name: hop.host, user: hop.user, port: hop.port };
      const fromInventory = options.lookupInventoryHost?.(parsed.name);
      const hopRequest: TargetRequest = fromInventory ? { ...fromInventory, user: parsed.user ?? fromInventory.user, port: parsed.port ?? fromInventory.port } : parsed;
      // A hop's own ProxyJump is ignored: OpenSSH chains hops left to right in one list.
      const resolved = resolveTarget({ ...hopRequest, proxyJump: 'none' }, { ...options, defaultPort: fromInventory ? options.defaultPort : 22 }, depth + 1);
      jumps.push(...resolved.jumps, { ...resolved, jumps: [] });
    }
  }
  return {
    name: request.name,
    host: hostName,
    port: request.port ?? num(o.get('port')) ?? options.defaultPort ?? 22,
    user: request.user ?? (o.get('user') as string | undefined) ?? env.USER ?? os.userInfo().username,
    identityFiles: identityFiles.map(expandHome),
    jumps,
    // Keepalive on by default so a dead host is noticed (OpenSSH's default is off).
    keepaliveInterval: num(o.get('serveraliveinterval')) ?? 15,
    keepaliveCountMax: num(o.get('serveralivecountmax')) ?? 3,
    connectTimeout: num(o.get('connecttimeout')) ?? 10,
    agent: env.SSH_AUTH_SOCK || undefined,
  };
}
