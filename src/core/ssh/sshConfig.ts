/**
 * Resolves where and how to connect, exactly as OpenSSH would with the same inputs: inventory
 * values are passed as ssh command-line options (`-o User=… -o Port=… -o IdentityFile=…
 * -o ProxyJump=…`, which win over every config file), the config is applied by `ssh -G` when an
 * OpenSSH client is installed, else by the built-in resolver (sshConfigBuiltin.ts), and the
 * product's default port only applies when neither the inventory nor ssh_config sets one.
 * ProxyJump chains are built the way ssh builds them: the first hop is resolved with its own
 * config (its own ProxyJump/ProxyCommand too), later hops with the earlier hops as their ProxyJump.
 */
import * as path from 'path';
import { findSshBinary, prefetchWithOpenSsh, resolveWithOpenSsh } from './opensshConfig';
import { connectionHash, type EffectiveConfig, type LocalIdentity, localIdentity, resolveBuiltin, SshConfigError, type SshInvocation } from './sshConfigBuiltin';
import { dollarExpand, parseJumpSpec, percentExpand, tildeExpand } from './sshConfigSyntax';
import type { SshTarget } from './types';

export { SshConfigError } from './sshConfigBuiltin';

export interface TargetRequest {
  /** What the user named: inventory name or host alias. */
  name: string;
  /** Address when known (inventory `host`); otherwise `name` is looked up in ssh config. */
  host?: string;
  /** Explicit (inventory) port; wins over ssh_config. */
  port?: number;
  user?: string;
  identityFiles?: string[];
  proxyJump?: string;
}

export type ResolverChoice = 'auto' | 'openssh' | 'builtin';

export interface ResolveOptions {
  /** Text of an ssh config to use instead of the user's files (built-in resolver; tests). */
  sshConfigText?: string;
  /** Like `ssh -F`: this file instead of ~/.ssh/config and /etc/ssh/ssh_config. */
  configFile?: string;
  /** `auto` (default): `ssh -G` when an OpenSSH client exists, else built-in. SOFA_OPS_SSH_RESOLVER overrides. */
  resolver?: ResolverChoice;
  /** Resolves a jump hop that is an inventory host name to its request. */
  lookupInventoryHost?: (name: string) => TargetRequest | undefined;
  /** The product's port when neither the inventory nor ssh_config sets one. */
  defaultPort?: number;
  env?: NodeJS.ProcessEnv;
  /** Persistent cache of `ssh -G` answers. */
  cacheFile?: string;
  /** Test hook: who runs ssh (password database values). */
  local?: LocalIdentity;
}

const TEXT_CONFIG = 'ssh_config (text)';

function chooseResolver(options: ResolveOptions, env: NodeJS.ProcessEnv): { kind: 'openssh'; ssh: string } | { kind: 'builtin' } {
  if (options.sshConfigText !== undefined) return { kind: 'builtin' };
  const choice = (env.SOFA_OPS_SSH_RESOLVER as ResolverChoice | undefined) || options.resolver || 'auto';
  if (choice === 'builtin') return { kind: 'builtin' };
  const ssh = findSshBinary(env);
  if (ssh) return { kind: 'openssh', ssh };
  if (choice === 'openssh') throw new SshConfigError([{ file: 'ssh', line: 0, message: 'no OpenSSH client (ssh) found on PATH, and SOFA_OPS_SSH_RESOLVER=openssh asks for one' }]);
  return { kind: 'builtin' };
}

/** The ssh command line that stands for a request: explicit inventory values are `-o` options. */
export function invocationFor(request: TargetRequest, options: ResolveOptions, extra: Array<[string, string]> = []): SshInvocation {
  const o: Array<[string, string]> = [];
  if (request.user !== undefined) o.push(['User', request.user]);
  if (request.port !== undefined) o.push(['Port', String(request.port)]);
  // Inventory paths are literal: a `%` in them is not an ssh token.
  for (const f of request.identityFiles ?? []) o.push(['IdentityFile', f.replace(/%/g, '%%')]);
  if (request.proxyJump !== undefined) o.push(['ProxyJump', request.proxyJump]);
  o.push(...extra);
  const configFile = options.sshConfigText !== undefined ? TEXT_CONFIG : options.configFile;
  return { destination: request.host ?? request.name, configFile, options: o };
}

function effectiveFor(inv: SshInvocation, options: ResolveOptions, env: NodeJS.ProcessEnv, local: LocalIdentity): { config: EffectiveConfig; portSet?: boolean } {
  if (inv.options?.some(([k, v]) => k === 'ProxyJump' && /[\s"'#]/.test(v))) {
    throw new SshConfigError([{ file: 'inventory', line: 0, message: `proxyJump "${inv.options.find(([k]) => k === 'ProxyJump')![1]}" contains spaces, quotes or #` }]);
  }
  const resolver = chooseResolver(options, env);
  const builtinEnv = {
    env,
    local,
    readFile: options.sshConfigText !== undefined ? (f: string) => (f === TEXT_CONFIG ? options.sshConfigText : undefined) : undefined,
  };
  if (resolver.kind === 'builtin') {
    const r = resolveBuiltin(inv, builtinEnv);
    return { config: r.config, portSet: r.config.portSet };
  }
  const config = resolveWithOpenSsh(inv, { ssh: resolver.ssh, env, cacheFile: options.cacheFile, builtinEnv });
  return { config };
}

/**
 * Did ssh_config set a Port? `ssh -G` prints 22 both for "Port 22" and for nothing; the built-in
 * reading of the same files tells them apart. When it cannot read them, the product default applies.
 */
function configSetsPort(inv: SshInvocation, env: NodeJS.ProcessEnv, local: LocalIdentity): boolean {
  try {
    return resolveBuiltin(inv, { env, local }).config.portSet === true;
  } catch {
    return false;
  }
}

export function resolveTarget(request: TargetRequest, options: ResolveOptions = {}, depth = 0): SshTarget {
  if (depth > 8) throw new SshConfigError([{ file: 'ssh_config', line: 0, message: `ProxyJump chain for "${request.name}" is too deep (a loop?)` }]);
  const env = options.env ?? process.env;
  const local = options.local ?? localIdentity();
  const inv = invocationFor(request, options);
  let resolved: ReturnType<typeof effectiveFor>;
  try {
    resolved = effectiveFor(inv, options, env, local);
  } catch (e) {
    // Name the host: "command-line" means the inventory values we passed as -o options.
    if (e instanceof SshConfigError) throw new SshConfigError(e.problems.map((p) => (p.file === 'command-line' || p.line === 0 ? { ...p, message: `${request.name}: ${p.message}` } : p)));
    throw e;
  }
  const { config: eff, portSet } = resolved;
  let port = eff.port;
  if (request.port === undefined && options.defaultPort !== undefined && port === 22) {
    const set = portSet ?? (options.sshConfigText === undefined && configSetsPort(inv, env, local));
    if (!set) port = options.defaultPort;
  }
  return buildTarget(request, { ...eff, port }, options, env, local, depth);
}

function expandIdentity(file: string, tokens: Record<string, string>, env: NodeJS.ProcessEnv, local: LocalIdentity, name: string): string {
  const what = `${name}: IdentityFile`;
  return percentExpand(dollarExpand(tildeExpand(file, local, what), env, what), tokens, what);
}

function buildTarget(request: TargetRequest, eff: EffectiveConfig, options: ResolveOptions, env: NodeJS.ProcessEnv, local: LocalIdentity, depth: number, withJumps = true): SshTarget {
  const name = request.name;
  const hostArg = (request.host ?? request.name).replace(/^.*@/, '');
  const portStr = String(eff.port);
  const tokens = {
    C: connectionHash(local.hostname, eff.hostname, portStr, eff.user),
    L: local.hostname.split('.')[0], d: local.home, h: eff.hostname, i: String(local.uid), k: eff.hostKeyAlias ?? eff.hostname,
    l: local.hostname, n: hostArg, p: portStr, r: eff.user, u: local.user,
  };
  let identityFiles: string[];
  let proxyCommand: string | undefined;
  try {
    identityFiles = eff.identityFiles.map((f) => expandIdentity(f, tokens, env, local, name));
    if (eff.proxyCommand && withJumps) {
      if (eff.proxyCommand === '-') throw new Error('ProxyCommand - (ProxyUseFdpass) is not supported');
      proxyCommand = percentExpand(`exec ${eff.proxyCommand}`, { h: eff.hostname, k: eff.hostKeyAlias ?? hostArg, n: hostArg, p: portStr, r: eff.user }, `${name}: ProxyCommand`);
    }
  } catch (e) {
    if (e instanceof SshConfigError) throw e;
    throw new SshConfigError([{ file: 'ssh_config', line: 0, message: (e as Error).message }]);
  }
  const jumps: SshTarget[] = [];
  if (eff.proxyJump && withJumps) {
    const hops = parseJumpSpec(eff.proxyJump);
    if (!hops) throw new SshConfigError([{ file: 'ssh_config', line: 0, message: `${name}: cannot read ProxyJump "${eff.proxyJump}"` }]);
    hops.forEach((hop, i) => {
      const fromInventory = options.lookupInventoryHost?.(hop.host);
      const hopRequest: TargetRequest = fromInventory
        ? { ...fromInventory, user: hop.user ?? fromInventory.user, port: hop.port ?? fromInventory.port }
        : { name: hop.host, host: hop.host, user: hop.user, port: hop.port };
      const hopOptions: ResolveOptions = { ...options, defaultPort: fromInventory ? options.defaultPort : undefined };
      if (i === 0) {
        // The first hop is what ssh -J connects to first: its own config, its own ProxyJump.
        const first = resolveTarget({ ...hopRequest, proxyJump: hopRequest.proxyJump }, hopOptions, depth + 1);
        jumps.push(...first.jumps, { ...first, jumps: [] });
      } else {
        // ssh reaches hop i as `ssh -J hop0,…,hop(i-1) hop_i`: its own ProxyJump/ProxyCommand never apply.
        const spec = hops.slice(0, i).map((h) => `${h.user ? `${h.user}@` : ''}${h.host.includes(':') ? `[${h.host}]` : h.host}${h.port ? `:${h.port}` : ''}`).join(',');
        const hopEnv = env;
        const hopInv = { ...hopRequest, proxyJump: spec };
        const hopLocal = local;
        const inv = invocationFor(hopInv, hopOptions);
        const { config } = effectiveFor(inv, hopOptions, hopEnv, hopLocal);
        jumps.push(buildTarget(hopRequest, config, hopOptions, hopEnv, hopLocal, depth + 1, false));
      }
    });
  }
  return {
    name,
    host: eff.hostname,
    port: eff.port,
    user: eff.user,
    identityFiles,
    jumps,
    proxyCommand,
    // Keepalive on by default so a dead host is noticed (OpenSSH's default is off).
    keepaliveInterval: eff.serverAliveInterval || 15,
    keepaliveCountMax: eff.serverAliveCountMax,
    connectTimeout: eff.connectTimeout || 10,
    agent: agentFor(eff, env, local, tokens),
  };
}

function agentFor(eff: EffectiveConfig, env: NodeJS.ProcessEnv, local: LocalIdentity, tokens: Record<string, string>): string | undefined {
  const setting = eff.identityAgent;
  if (setting === undefined || setting === 'SSH_AUTH_SOCK') return env.SSH_AUTH_SOCK || undefined;
  if (setting === 'none') return undefined;
  if (setting.startsWith('$')) return env[setting.slice(1).replace(/^\{|\}$/g, '')] || undefined;
  try {
    return percentExpand(dollarExpand(tildeExpand(setting, local, 'IdentityAgent'), env, 'IdentityAgent'), tokens, 'IdentityAgent');
  } catch {
    return env.SSH_AUTH_SOCK || undefined;
  }
}

/**
 * Resolves many requests; with OpenSSH the `ssh -G` runs go a few at a time in parallel first,
 * so a 50-host fan-out does not wait for 50 processes in a row.
 */
export async function resolveTargets(requests: TargetRequest[], options: ResolveOptions = {}): Promise<SshTarget[]> {
  const env = options.env ?? process.env;
  let resolver: ReturnType<typeof chooseResolver> | undefined;
  try {
    resolver = chooseResolver(options, env);
  } catch {
    resolver = undefined;
  }
  if (resolver?.kind === 'openssh' && requests.length > 1) {
    const local = options.local ?? localIdentity();
    await prefetchWithOpenSsh(requests.map((r) => invocationFor(r, options)), { ssh: resolver.ssh, env, cacheFile: options.cacheFile, builtinEnv: { env, local } });
  }
  return requests.map((r) => resolveTarget(r, options));
}

/** The default place of the `ssh -G` answer cache under the product's home. */
export function sshConfigCacheFile(home: string): string {
  return path.join(home, 'cache', 'ssh-config.json');
}
