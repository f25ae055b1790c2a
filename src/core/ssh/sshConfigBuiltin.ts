/**
 * The built-in ssh_config resolver: what `ssh -G` would print for a host, computed without an
 * OpenSSH client (the fallback when no `ssh` binary exists). It follows OpenSSH 9.x's readconf.c
 * rules: first value wins, `Host` takes whitespace-separated patterns (`*`, `?` = one character,
 * `!` negation), `Match` (host, originalhost, user, localuser, exec via $SHELL or /bin/sh, all,
 * canonical, final), `Include` (globs, relative to ~/.ssh or /etc/ssh, depth 16), ProxyJump and
 * ProxyCommand exclusivity, `IgnoreUnknown`. What it cannot honour (hostname canonicalization
 * needs DNS, `Match localnetwork`, ProxyUseFdpass) is refused as a problem with file:line.
 * The grammar it evaluates over (words, patterns, values, tokens, globs) is sshConfigSyntax.ts.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { statSync } from 'fs';
import * as path from 'path';
import { type BuiltinEnvironment, defaultReadFile, type EffectiveConfig, type LocalIdentity, localIdentity, MAX_INCLUDE_DEPTH, type SshConfigProblem, SshConfigError, type SshInvocation } from './sshConfigTypes';
import { a2port, argvSplit, FLAG_KEYWORDS, KNOWN_KEYWORDS, SINGLE_VALUE, asciiLower, atoiErr, convtime, expandGlob, formatJumpHop, inetAton, isAddressLike, matchPattern, matchPatternList, parseJumpHop, parseJumpSpec, percentExpand, strdelim, tildeExpand, validDestinationHost } from './sshConfigSyntax';

export { type BuiltinEnvironment, defaultReadFile, type EffectiveConfig, formatProblem, type LocalIdentity, localIdentity, MAX_INCLUDE_DEPTH, type SshConfigProblem, SshConfigError, type SshInvocation } from './sshConfigTypes';

const DEFAULT_IDENTITIES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519', '~/.ssh/id_ed25519_sk', '~/.ssh/id_xmss', '~/.ssh/id_dsa'];
const MAX_IDENTITY_FILES = 100;

// ---------------------------------------------------------------------------------------------
// Evaluation (readconf.c: process_config_line / match_cfg_line / read_config_file_depth)

interface State {
  hostname?: string;
  port?: number;
  user?: string;
  identityFiles: Array<{ file: string; userProvided: boolean }>;
  proxyCommand?: string;
  jumpHost?: string;
  jumpSpec?: string;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  connectTimeout?: number;
  hostKeyAlias?: string;
  identityAgent?: string;
  ignoreUnknown?: string;
  canonicalize?: string;
  proxyUseFdpass?: boolean;
  wantFinal: boolean;
  /** Files read, for cache keys. */
  files: Set<string>;
  dirs: Set<string>;
  usesExec: boolean;
}

interface Ctx {
  state: State;
  host: string;
  originalHost: string;
  local: LocalIdentity;
  env: NodeJS.ProcessEnv;
  finalPass: boolean;
  readFile: (file: string) => string | undefined;
  /** Problems that stop OpenSSH right away. */
  fatal: (file: string, line: number, message: string) => never;
}

class Fatal extends Error {
  constructor(readonly problems: SshConfigProblem[]) {
    super('fatal');
  }
}

const USERCONF = 1;
const CHECKPERM = 2;
const NEVERMATCH = 4;

function readConfigFile(ctx: Ctx, file: string, flags: number, depth: number, active: { value: boolean }): boolean {
  if (depth > MAX_INCLUDE_DEPTH) ctx.fatal(file, 0, 'too many recursive configuration includes (an Include loop?)');
  const text = ctx.readFile(file);
  if (text === undefined) return false;
  ctx.state.files.add(file);
  if (flags & CHECKPERM) {
    const st = statSync(file, { throwIfNoEntry: false });
    if (st && ((st.uid !== 0 && st.uid !== ctx.local.uid) || (st.mode & 0o022) !== 0)) ctx.fatal(file, 0, 'bad owner or permissions (OpenSSH refuses a config others can write)');
  }
  const bad: SshConfigProblem[] = [];
  const lines = text.split('\n');
  // A final newline does not start one more line.
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const message = processLine(ctx, raw, file, i + 1, flags, depth, active);
    if (message) bad.push({ file, line: i + 1, message });
  });
  if (bad.length) throw new Fatal(bad);
  return true;
}

/** Returns an error message for a bad line (OpenSSH counts them and stops after the file). */
function processLine(ctx: Ctx, raw: string, file: string, line: number, flags: number, depth: number, active: { value: boolean }): string | undefined {
  const st = ctx.state;
  let text = raw;
  // Trailing whitespace (and form feeds) go; CRLF files work.
  text = text.replace(/[ \t\r\n\f]+$/, '');
  if (text === '') return undefined;
  let first = strdelim(text);
  if (!first) return undefined;
  if (first.token === '') first = strdelim(first.rest);
  if (!first || first.token === '' || first.token[0] === '#') return undefined;
  const keyword = asciiLower(first.token);
  let str = first.rest;
  if (str !== undefined) str = str.replace(/^[ \t\r\n]+/, '');
  if (str === undefined || str === '') return `no argument after keyword "${keyword}"`;
  if (!KNOWN_KEYWORDS.has(keyword)) {
    if (st.ignoreUnknown !== undefined && matchPatternList(keyword, st.ignoreUnknown, true) === 1) return undefined;
    return `Bad configuration option: ${keyword}`;
  }
  const argv = argvSplit(str);
  if (!argv) return 'invalid quotes';
  const isActive = active.value;
  const raw1 = () => str!.replace(/^[ \t\r\n=]+/, '');

  if (SINGLE_VALUE.has(keyword)) {
    if (argv.length === 0 || argv[0] === '') return 'Missing argument.';
    if (argv.length > 1) return `keyword ${keyword} extra arguments at end of line`;
  }
  const arg = argv[0];
  if (FLAG_KEYWORDS.has(keyword)) {
    if (!/^(yes|no|true|false)$/i.test(arg)) return `unsupported option "${arg}".`;
    if (keyword === 'proxyusefdpass' && isActive && st.proxyUseFdpass === undefined) st.proxyUseFdpass = /^(yes|true)$/i.test(arg);
    return undefined;
  }
  switch (keyword) {
    case 'host': {
      active.value = false;
      if (flags & NEVERMATCH) return undefined;
      for (const a of argv) {
        if (a === '') return `keyword host empty argument`;
        const negated = a.startsWith('!');
        if (matchPattern(ctx.host, negated ? a.slice(1) : a)) {
          if (negated) {
            active.value = false;
            break;
          }
          active.value = true;
        }
      }
      return undefined;
    }
    case 'match': {
      const r = matchLine(ctx, str, file, line);
      if (typeof r === 'string') return r;
      active.value = (flags & NEVERMATCH) !== 0 ? false : r;
      return undefined;
    }
    case 'include': {
      for (const a of argv) {
        let p = a;
        if (!path.isAbsolute(p) && !p.startsWith('~')) p = (flags & USERCONF ? '~/.ssh/' : '/etc/ssh/') + p;
        try {
          p = tildeExpand(p, ctx.local, `${file} line ${line}`);
        } catch (e) {
          return (e as Error).message;
        }
        const dir = path.dirname(p);
        st.dirs.add(dir);
        const matches = expandGlob(p, st.dirs);
        const was = active.value;
        for (const m of matches) {
          readConfigFile(ctx, m, flags | CHECKPERM | (was ? 0 : NEVERMATCH), depth + 1, active);
          // Match and Host inside an included file do not change the including file's state.
          active.value = was;
        }
      }
      return undefined;
    }
    case 'hostname':
      if (isActive && st.hostname === undefined) st.hostname = arg;
      return undefined;
    case 'user':
      if (isActive && st.user === undefined) st.user = arg;
      return undefined;
    case 'hostkeyalias':
      if (isActive && st.hostKeyAlias === undefined) st.hostKeyAlias = arg;
      return undefined;
    case 'identityagent':
      if (isActive && st.identityAgent === undefined) st.identityAgent = arg;
      return undefined;
    case 'ignoreunknown':
      if (isActive && st.ignoreUnknown === undefined) st.ignoreUnknown = arg;
      return undefined;
    case 'port': {
      const port = a2port(arg);
      if (port <= 0) return `Bad port '${arg}'.`;
      if (isActive && st.port === undefined) st.port = port;
      return undefined;
    }
    case 'connecttimeout':
    case 'serveraliveinterval': {
      const v = convtime(arg);
      if (v < 0) return `invalid time value.`;
      if (isActive && keyword === 'connecttimeout' && st.connectTimeout === undefined) st.connectTimeout = v;
      if (isActive && keyword === 'serveraliveinterval' && st.serverAliveInterval === undefined) st.serverAliveInterval = v;
      return undefined;
    }
    case 'serveralivecountmax': {
      const v = atoiErr(arg);
      if (v === undefined) return `integer value ${arg} is invalid.`;
      if (isActive && st.serverAliveCountMax === undefined) st.serverAliveCountMax = v;
      return undefined;
    }
    case 'identityfile':
    case 'identityfile2':
      if (isActive) {
        if (st.identityFiles.length >= MAX_IDENTITY_FILES) ctx.fatal(file, line, `too many identity files specified (max ${MAX_IDENTITY_FILES})`);
        const userProvided = (flags & USERCONF) !== 0;
        if (!st.identityFiles.some((f) => f.file === arg && f.userProvided === userProvided)) st.identityFiles.push({ file: arg, userProvided });
      }
      return undefined;
    case 'proxycommand': {
      const value = raw1();
      // ProxyJump set first wins (it stores ProxyCommand=none), and the other way round.
      // (ProxyJump none does not block a later ProxyCommand: ssh -G shows it applies.)
      if (isActive && (st.jumpHost === undefined || st.jumpHost === 'none') && st.proxyCommand === undefined) st.proxyCommand = value;
      return undefined;
    }
    case 'proxyjump': {
      if (!arg) return 'Missing argument.';
      let value = raw1();
      const hash = value.indexOf('#');
      const checked = (hash >= 0 ? value.slice(0, hash) : value).replace(/[ \t\r\n]+$/, '');
      const hops = parseJumpSpec(checked);
      if (!hops) return `Invalid ProxyJump "${value}"`;
      if (isActive && st.proxyCommand === undefined && st.jumpHost === undefined) {
        value = checked;
        if (value.toLowerCase() === 'none') st.jumpHost = 'none';
        else {
          st.jumpHost = value;
          st.jumpSpec = hops.map(formatJumpHop).join(',');
          st.proxyCommand = 'none';
        }
      }
      return undefined;
    }
    case 'canonicalizehostname':
      if (!/^(yes|no|true|false|always|none)$/i.test(arg)) return `unsupported option "${arg}".`;
      if (isActive && st.canonicalize === undefined) st.canonicalize = arg.toLowerCase();
      return undefined;
    default:
      return undefined;
  }
}

/** match_cfg_line(): true/false, or an error message. Arguments split with strdelim (double quotes only). */
function matchLine(ctx: Ctx, condition: string, file: string, line: number): boolean | string {
  const st = ctx.state;
  const port = st.port ?? 22;
  const ruser = st.user ?? ctx.local.user;
  const host = ctx.finalPass ? st.hostname! : st.hostname !== undefined ? expandHostName(st.hostname, ctx.host, `${file} line ${line}`) : ctx.host;
  let result = true;
  let attributes = 0;
  let cp: string | undefined = condition;
  for (;;) {
    const a = strdelim(cp);
    if (!a || a.token === '') break;
    cp = a.rest;
    let attrib = a.token;
    if (attrib.startsWith('#')) {
      cp = undefined;
      break;
    }
    const negate = attrib.startsWith('!');
    if (negate) attrib = attrib.slice(1);
    const lower = attrib.toLowerCase();
    if (lower === 'all') {
      const next = strdelim(cp);
      if (attributes > 1 || (next && next.token !== '' && !next.token.startsWith('#'))) return `'${a.token}' cannot be combined with other Match attributes`;
      if (result) result = !negate;
      return result;
    }
    attributes++;
    if (lower === 'canonical' || lower === 'final') {
      if (lower === 'final' && !ctx.finalPass) st.wantFinal = true;
      if (ctx.finalPass === negate) result = false;
      continue;
    }
    const v = strdelim(cp);
    if (!v || v.token === '' || v.token.startsWith('#')) return `Missing Match criteria for ${attrib}`;
    cp = v.rest;
    const arg = v.token;
    let r: boolean;
    if (lower === 'host') r = matchPatternList(asciiLower(host), arg, true) === 1;
    else if (lower === 'originalhost') r = matchPatternList(asciiLower(ctx.originalHost), arg, true) === 1;
    else if (lower === 'user') r = matchPatternList(ruser, arg, false) === 1;
    else if (lower === 'localuser') r = matchPatternList(ctx.local.user, arg, false) === 1;
    else if (lower === 'exec') {
      st.usesExec = true;
      if (!result) continue; // OpenSSH skips the command when an earlier criterion failed
      const shorthost = ctx.local.hostname.split('.')[0];
      let cmd: string;
      try {
        cmd = percentExpand(arg, {
          C: connectionHash(ctx.local.hostname, host, String(port), ruser),
          L: shorthost, d: ctx.local.home, h: host, k: st.hostKeyAlias ?? host, l: ctx.local.hostname,
          n: ctx.originalHost, p: String(port), r: ruser, u: ctx.local.user, i: String(ctx.local.uid),
        }, `${file} line ${line}: Match exec`);
      } catch (e) {
        ctx.fatal(file, line, (e as Error).message);
      }
      const shell = ctx.env.SHELL || '/bin/sh';
      const run = spawnSync(shell, ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'], env: ctx.env, timeout: 60_000 });
      if (run.error || run.status === null) ctx.fatal(file, line, `Match exec '${cmd.slice(0, 100)}' error${run.error ? `: ${run.error.message}` : ' (killed by a signal)'}`);
      r = run.status === 0;
    } else if (lower === 'localnetwork' || lower === 'tagged') {
      ctx.fatal(file, line, `Match ${attrib} is not supported by the built-in resolver (install an OpenSSH client to use it)`);
    } else return `Unsupported Match attribute ${attrib}`;
    if (r === negate) result = false;
  }
  if (attributes === 0) return 'One or more attributes required for Match';
  return result;
}

/** %C: SHA-1 of local hostname, remote host, port and remote user (OpenSSH 9.2). */
export function connectionHash(localHost: string, host: string, port: string, user: string): string {
  return createHash('sha1').update(localHost + host + port + user).digest('hex');
}

function expandHostName(hostname: string, host: string, what: string): string {
  return percentExpand(hostname, { h: host }, `${what}: HostName`);
}

function processCommandLine(ctx: Ctx, options: Array<[string, string]>): void {
  const active = { value: true };
  const bad: SshConfigProblem[] = [];
  for (const [k, v] of options) {
    const lower = k.toLowerCase();
    if (lower === 'host' || lower === 'match' || lower === 'include') ctx.fatal('command line', 0, `${k} directive not supported as a command-line option`);
    const message = processLine(ctx, `${k}=${v}`, 'command-line', 0, USERCONF, 0, active);
    if (message) bad.push({ file: 'command-line', line: 0, message: `-o ${k}: ${message}` });
  }
  if (bad.length) throw new Fatal(bad);
}

export interface BuiltinResult {
  config: EffectiveConfig;
  /** Every config file read and every directory an Include glob listed: the cache key of the answer. */
  files: string[];
  dirs: string[];
  /** `Match exec` ran a command: the answer may change without any file changing. */
  usesExec: boolean;
}

/** Resolves one destination the way `ssh -G` does. Throws SshConfigError (file:line) where ssh would stop. */
export function resolveBuiltin(inv: SshInvocation, envIn: BuiltinEnvironment = {}): BuiltinResult {
  const local = envIn.local ?? localIdentity();
  const env = envIn.env ?? process.env;
  const state: State = { identityFiles: [], wantFinal: false, files: new Set(), dirs: new Set(), usesExec: false };
  let destination = inv.destination;
  let argUser: string | undefined;
  let argPort: number | undefined;
  if (/^ssh:\/\//i.test(destination)) {
    const hop = parseJumpHop(destination);
    if (!hop) throw new SshConfigError([{ file: 'command line', line: 0, message: `cannot read destination "${destination}"` }]);
    ({ user: argUser, host: destination, port: argPort } = hop);
  } else {
    const at = destination.lastIndexOf('@');
    if (at === 0) throw new SshConfigError([{ file: 'command line', line: 0, message: `cannot read destination "${destination}"` }]);
    if (at > 0) {
      argUser = destination.slice(0, at);
      destination = destination.slice(at + 1);
    }
  }
  if (!validDestinationHost(destination)) throw new SshConfigError([{ file: 'command line', line: 0, message: `hostname "${destination}" contains invalid characters` }]);
  const ctx: Ctx = {
    state,
    host: destination,
    originalHost: destination,
    local,
    env,
    finalPass: false,
    readFile: envIn.readFile ?? defaultReadFile,
    fatal: (file, line, message) => {
      throw new Fatal([{ file, line, message }]);
    },
  };
  try {
    processCommandLine(ctx, inv.options ?? []);
    if (state.user === undefined && argUser !== undefined) state.user = argUser;
    if (state.port === undefined && argPort !== undefined) state.port = argPort;
    const readAll = () => {
      if (inv.configFile !== undefined) {
        if (inv.configFile !== 'none' && !readConfigFile(ctx, inv.configFile, USERCONF, 0, { value: true })) {
          ctx.fatal(inv.configFile, 0, `can't open user config file`);
        }
      } else {
        readConfigFile(ctx, path.join(local.home, '.ssh', 'config'), USERCONF | CHECKPERM, 0, { value: true });
        readConfigFile(ctx, envIn.systemConfig ?? '/etc/ssh/ssh_config', 0, 0, { value: true });
      }
    };
    readAll();
    let host = state.hostname !== undefined ? expandHostName(state.hostname, destination, 'HostName') : destination;
    const numeric = inetAton(host);
    if (numeric) host = numeric;
    else if (!isAddressLike(host)) host = asciiLower(host);
    if (state.canonicalize !== undefined && state.canonicalize !== 'no' && state.canonicalize !== 'false' && state.canonicalize !== 'none') {
      throw new Fatal([{ file: 'ssh_config', line: 0, message: `CanonicalizeHostname ${state.canonicalize} needs DNS lookups; the built-in resolver does not do them (install an OpenSSH client)` }]);
    }
    if (state.wantFinal) {
      state.hostname = host;
      ctx.host = host;
      ctx.finalPass = true;
      readAll();
    }
    if (state.proxyUseFdpass && state.proxyCommand && state.proxyCommand !== 'none') {
      throw new Fatal([{ file: 'ssh_config', line: 0, message: 'ProxyUseFdpass is not supported by SOFA Ops' }]);
    }
    const identityFiles = state.identityFiles.length ? state.identityFiles.map((f) => f.file) : [...DEFAULT_IDENTITIES];
    const proxyCommand = state.proxyCommand && state.proxyCommand.toLowerCase() !== 'none' ? state.proxyCommand : undefined;
    const proxyJump = state.jumpHost && state.jumpHost !== 'none' ? state.jumpSpec : undefined;
    return {
      config: {
        hostname: host,
        port: state.port ?? 22,
        user: state.user ?? local.user,
        identityFiles,
        proxyJump,
        proxyCommand,
        serverAliveInterval: state.serverAliveInterval ?? 0,
        serverAliveCountMax: state.serverAliveCountMax ?? 3,
        connectTimeout: state.connectTimeout,
        hostKeyAlias: state.hostKeyAlias,
        identityAgent: state.identityAgent,
        portSet: state.port !== undefined,
      },
      files: [...state.files],
      dirs: [...state.dirs],
      usesExec: state.usesExec,
    };
  } catch (e) {
    if (e instanceof Fatal) throw new SshConfigError(e.problems);
    if (e instanceof SshConfigError) throw e;
    throw new SshConfigError([{ file: 'ssh_config', line: 0, message: (e as Error).message }]);
  }
}
