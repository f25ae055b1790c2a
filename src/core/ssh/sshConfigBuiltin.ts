/**
 * The built-in ssh_config resolver: what `ssh -G` would print for a host, computed without an
 * OpenSSH client (the fallback when no `ssh` binary exists). It follows OpenSSH 9.x's readconf.c
 * rules: first value wins, `Host` takes whitespace-separated patterns (`*`, `?` = one character,
 * `!` negation), `Match` (host, originalhost, user, localuser, exec via $SHELL or /bin/sh, all,
 * canonical, final), `Include` (globs, relative to ~/.ssh or /etc/ssh, depth 16), ProxyJump and
 * ProxyCommand exclusivity, `IgnoreUnknown`. What it cannot honour (hostname canonicalization
 * needs DNS, `Match localnetwork`, ProxyUseFdpass) is refused as a problem with file:line.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { readdirSync, readFileSync, statSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface SshConfigProblem {
  file: string;
  /** 1-based; 0 when the problem is not about one line (a missing file, the command line). */
  line: number;
  message: string;
}

/** A config OpenSSH would refuse (or the built-in resolver cannot honour): every problem names file:line. */
export class SshConfigError extends Error {
  constructor(readonly problems: SshConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'SshConfigError';
  }
}

export function formatProblem(p: SshConfigProblem): string {
  return p.line > 0 ? `${p.file}:${p.line}: ${p.message}` : `${p.file}: ${p.message}`;
}

/** The options of one host as `ssh -G` prints them (tokens in IdentityFile/ProxyCommand not yet expanded). */
export interface EffectiveConfig {
  hostname: string;
  port: number;
  user: string;
  /** As written (`~` and `%` tokens unexpanded), command line first, then config order, defaults when none. */
  identityFiles: string[];
  proxyJump?: string;
  proxyCommand?: string;
  serverAliveInterval: number;
  serverAliveCountMax: number;
  /** Seconds; undefined when not set ("none"). */
  connectTimeout?: number;
  hostKeyAlias?: string;
  identityAgent?: string;
  /** Built-in only: whether any Port applied (command line or config); ssh -G cannot tell 22 from unset. */
  portSet?: boolean;
}

/** Who runs ssh: OpenSSH takes these from the password database, not $HOME. */
export interface LocalIdentity {
  user: string;
  home: string;
  uid: number;
  hostname: string;
}

export function localIdentity(): LocalIdentity {
  const info = os.userInfo();
  return { user: info.username, home: info.homedir, uid: info.uid, hostname: os.hostname() };
}

/** What a caller would put on an `ssh` command line. */
export interface SshInvocation {
  /** Destination as given: `host`, `user@host` or `ssh://user@host:port`. */
  destination: string;
  /** -F; undefined reads ~/.ssh/config then /etc/ssh/ssh_config like ssh does. */
  configFile?: string;
  /** `-o Keyword=value` options, in order; they win over every config file. */
  options?: Array<[string, string]>;
}

export interface BuiltinEnvironment {
  local?: LocalIdentity;
  env?: NodeJS.ProcessEnv;
  /** Test hook: text of a file instead of reading it from disk. */
  readFile?: (file: string) => string | undefined;
  /** Where the system-wide config lives (/etc/ssh/ssh_config). */
  systemConfig?: string;
}

const DEFAULT_IDENTITIES = ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ecdsa_sk', '~/.ssh/id_ed25519', '~/.ssh/id_ed25519_sk', '~/.ssh/id_xmss', '~/.ssh/id_dsa'];
const MAX_INCLUDE_DEPTH = 16;
const MAX_IDENTITY_FILES = 100;
const WS = ' \t\r\n';

/** Every keyword OpenSSH 9.2's client accepts (from readconf.c; checked against a real ssh). */
export const KNOWN_KEYWORDS = new Set(`addkeystoagent addressfamily afstokenpassing batchmode bindaddress bindinterface canonicaldomains
canonicalizefallbacklocal canonicalizehostname canonicalizemaxdots canonicalizepermittedcnames casignaturealgorithms certificatefile
challengeresponseauthentication checkhostip cipher ciphers clearallforwardings compression compressionlevel connectionattempts
connecttimeout controlmaster controlpath controlpersist dsaauthentication dynamicforward enableescapecommandline enablesshkeysign
escapechar exitonforwardfailure fallbacktorsh fingerprinthash forkafterauthentication forwardagent forwardx11 forwardx11timeout
forwardx11trusted gatewayports globalknownhostsfile globalknownhostsfile2 gssapiauthentication gssapiclientidentity
gssapidelegatecredentials gssapikexalgorithms gssapikeyexchange gssapirenewalforcesrekey gssapiserveridentity gssapitrustdns
hashknownhosts host hostbasedacceptedalgorithms hostbasedauthentication hostbasedkeytypes hostkeyalgorithms hostkeyalias hostname
identitiesonly identityagent identityfile identityfile2 ignoreunknown include ipqos kbdinteractiveauthentication kbdinteractivedevices
kerberosauthentication kerberostgtpassing keepalive kexalgorithms knownhostscommand localcommand localforward loglevel logverbose macs
match nohostauthenticationforlocalhost numberofpasswordprompts passwordauthentication permitlocalcommand permitremoteopen
pkcs11provider port preferredauthentications protocol protocolkeepalives proxycommand proxyjump proxyusefdpass pubkeyacceptedalgorithms
pubkeyacceptedkeytypes pubkeyauthentication rekeylimit remotecommand remoteforward requesttty requiredrsasize revokedhostkeys
rhostsauthentication rhostsrsaauthentication securitykeyprovider sendenv serveralivecountmax serveraliveinterval sessiontype setenv
setuptimeout skeyauthentication smartcarddevice stdinnull streamlocalbindmask streamlocalbindunlink stricthostkeychecking
syslogfacility tcpkeepalive tisauthentication tunnel tunneldevice updatehostkeys useblacklistedkeys useprivilegedport user
userknownhostsfile userknownhostsfile2 useroaming usersh verifyhostkeydns visualhostkey xauthlocation`.split(/\s+/));

/** Plain yes/no keywords: OpenSSH refuses any other value ("unsupported option"). */
const FLAG_KEYWORDS = new Set(['batchmode', 'checkhostip', 'clearallforwardings', 'compression', 'enablesshkeysign', 'exitonforwardfailure',
  'forwardx11', 'forwardx11trusted', 'gatewayports', 'gssapiauthentication', 'gssapidelegatecredentials', 'hashknownhosts', 'hostbasedauthentication',
  'identitiesonly', 'kbdinteractiveauthentication', 'challengeresponseauthentication', 'nohostauthenticationforlocalhost', 'passwordauthentication',
  'permitlocalcommand', 'proxyusefdpass', 'streamlocalbindunlink', 'tcpkeepalive', 'keepalive', 'visualhostkey', 'stdinnull', 'forkafterauthentication']);

/** Keywords whose value is one string: more words are "extra arguments at end of line". */
const SINGLE_VALUE = new Set(['hostname', 'user', 'hostkeyalias', 'identityagent', 'identityfile', 'ignoreunknown', 'port', 'connecttimeout',
  'serveraliveinterval', 'serveralivecountmax', 'canonicalizehostname', ...FLAG_KEYWORDS]);

// ---------------------------------------------------------------------------------------------
// Lexing: OpenSSH's strdelim() and argv_split()

/** OpenSSH's strdelim(): one word, splitting at whitespace, a double quote or one `=`. */
function strdelim(s: string | undefined, splitEquals = true): { token: string; rest: string | undefined } | undefined {
  if (s === undefined) return undefined;
  const delims = WS + '"' + (splitEquals ? '=' : '');
  let i = 0;
  while (i < s.length && !delims.includes(s[i])) i++;
  if (i === s.length) return { token: s, rest: undefined };
  if (s[i] === '"') {
    const close = s.indexOf('"', i + 1);
    if (close < 0) return undefined; // no matching quote
    let j = close + 1;
    while (j < s.length && WS.includes(s[j])) j++;
    return { token: s.slice(0, i) + s.slice(i + 1, close), rest: s.slice(j) };
  }
  const wspace = splitEquals && s[i] === '=';
  let j = i + 1;
  while (j < s.length && WS.includes(s[j])) j++;
  if (splitEquals && s[j] === '=' && !wspace) {
    j++;
    while (j < s.length && WS.includes(s[j])) j++;
  }
  return { token: s.slice(0, i), rest: s.slice(j) };
}

/** OpenSSH's argv_split(): quotes, backslash escapes, `#` at a word start ends the line. */
function argvSplit(s: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\\') {
        const n = s[i + 1];
        if (n === "'" || n === '"' || n === '\\' || (quote === '' && n === ' ')) {
          i++;
          arg += n;
        } else arg += c;
      } else if (quote === '' && (c === ' ' || c === '\t')) break;
      else if (quote === '' && (c === '"' || c === "'")) quote = c;
      else if (quote !== '' && c === quote) quote = '';
      else arg += c;
    }
    if (i >= s.length && quote !== '') return undefined;
    out.push(arg);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Patterns (match.c)

/** `*` any run, `?` exactly one character; case-sensitive like OpenSSH's match_pattern(). */
export function matchPattern(s: string, pattern: string): boolean {
  // Iterative glob with backtracking on the last `*`: linear enough for config patterns.
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < pattern.length && (pattern[pi] === '?' || pattern[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < pattern.length && pattern[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (pi < pattern.length && pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/** match_pattern_list(): comma-separated, `!` negation wins; 1 match, -1 negated match, 0 none. */
export function matchPatternList(s: string, list: string, lower: boolean): -1 | 0 | 1 {
  let got: 0 | 1 = 0;
  for (let sub of list.split(',')) {
    const negated = sub.startsWith('!');
    if (negated) sub = sub.slice(1);
    if (lower) sub = asciiLower(sub);
    if (matchPattern(s, sub)) {
      if (negated) return -1;
      got = 1;
    }
  }
  return got;
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** OpenSSH leaves addresses (and anything with `%` or `:`) as written and lower-cases names. */
export function isAddressLike(host: string): boolean {
  return host.includes('%') || host.includes(':') || /^[0-9.]*$/.test(host);
}

/**
 * inet_aton()'s reading of a numeric IPv4 address ("010.1" is 8.0.0.1, "0x7f.1" is 127.0.0.1):
 * OpenSSH canonicalises an address hostname to dotted-quad form. Undefined when not such an address.
 */
export function inetAton(s: string): string | undefined {
  if (!/^[0-9a-fA-FxX.]+$/.test(s) || !/^[0-9]/.test(s)) return undefined;
  const parts = s.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) n = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) n = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) n = parseInt(p, 10);
    else return undefined;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 2 ** (8 * (4 - nums.length))) return undefined;
  let value = last;
  nums.forEach((n, i) => (value += n * 2 ** (8 * (3 - i))));
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** The characters `ssh` refuses in a destination ("hostname contains invalid characters"). */
export function validDestinationHost(host: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what ssh refuses
  return !host.startsWith('-') && !/['`"$\\;&<>|(){},\s\x00-\x1f\x7f]/.test(host);
}

// ---------------------------------------------------------------------------------------------
// Values

/** OpenSSH's convtime(): "90", "1m30s", "2h"; -1 when malformed. */
export function convtime(s: string): number {
  if (!s) return -1;
  let total = 0;
  let p = s;
  const mult: Record<string, number> = { s: 1, S: 1, m: 60, M: 60, h: 3600, H: 3600, d: 86400, D: 86400, w: 604800, W: 604800 };
  while (p.length) {
    const m = /^[ \t\n\r\f\v]*([+-]?\d+)/.exec(p);
    if (!m) return -1;
    const secs = Number(m[1]);
    if (secs < 0 || secs > 2147483647) return -1;
    p = p.slice(m[0].length);
    let k = 1;
    if (p.length) {
      const unit = p[0];
      if (!(unit in mult)) return -1;
      k = mult[unit];
      p = p.slice(1);
    }
    if (secs > Math.floor(2147483647 / k)) return -1;
    total += secs * k;
    if (total > 2147483647) return -1;
  }
  return total;
}

let services: Map<string, number> | undefined;
function serviceNames(): Map<string, number> {
  if (services) return services;
  services = new Map();
  try {
    for (const line of readFileSync('/etc/services', 'utf8').split('\n')) {
      const m = /^([^#\s]+)\s+(\d+)\/tcp\b([^#]*)/.exec(line);
      if (!m) continue;
      for (const name of [m[1], ...m[3].trim().split(/\s+/).filter(Boolean)]) if (!services.has(name)) services.set(name, Number(m[2]));
    }
  } catch {
    services.set('ssh', 22);
  }
  return services;
}

/** OpenSSH's a2port(): 0–65535 as a number, else a tcp service name; -1 when neither. */
export function a2port(s: string): number {
  const m = /^[ \t\n\r\f\v]*([+-]?\d+)$/.exec(s);
  if (m) {
    const n = Number(m[1]);
    return n >= 0 && n <= 65535 ? n : -1;
  }
  return serviceNames().get(s) ?? -1;
}

/** strtonum(s, 0, INT_MAX) as used by atoi_err(). */
function atoiErr(s: string): number | undefined {
  const m = /^[ \t\n\r\f\v]*([+-]?\d+)$/.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 0 && n <= 2147483647 ? n : undefined;
}

// ---------------------------------------------------------------------------------------------
// ProxyJump syntax (parse_jump / parse_user_host_port / parse_ssh_uri)

export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

function parseUserHostPort(s: string): JumpHop | undefined {
  let rest = s;
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    if (user === '') return undefined;
    rest = rest.slice(at + 1);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return undefined;
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && after[0] !== ':' && after[0] !== '/') return undefined;
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const d = rest.search(/[:/]/);
    host = d < 0 ? rest : rest.slice(0, d);
    portText = d < 0 ? undefined : rest.slice(d + 1);
  }
  if (host === '') return undefined;
  let port: number | undefined;
  if (portText !== undefined && portText !== '') {
    port = a2port(portText);
    if (port <= 0) return undefined;
  }
  return { user, host, port };
}

/** One hop: `ssh://[user@]host[:port]` or `[user@]host[:port]`. */
export function parseJumpHop(s: string): JumpHop | undefined {
  if (!/^ssh:\/\//i.test(s)) return parseUserHostPort(s);
  let rest = s.slice(6);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest.includes('/')) return undefined;
  // The URI form percent-decodes nothing we need; ";" parameters are refused by OpenSSH too.
  if (rest.includes(';')) return undefined;
  return parseUserHostPort(rest);
}

/** A ProxyJump value as hops, outermost first; "none" is no hops. */
export function parseJumpSpec(spec: string): JumpHop[] | undefined {
  if (spec.toLowerCase() === 'none') return [];
  const hops: JumpHop[] = [];
  for (const part of spec.split(',')) {
    const hop = parseJumpHop(part);
    if (!hop) return undefined;
    hops.push(hop);
  }
  return hops;
}

export function formatJumpHop(h: JumpHop): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return `${h.user ? `${h.user}@` : ''}${host}${h.port ? `:${h.port}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Tokens, ~ and ${ENV}

/** percent_expand(): %% and the given tokens; anything else is an error like OpenSSH's. */
export function percentExpand(s: string, tokens: Record<string, string>, what: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '%') {
      out += s[i];
      continue;
    }
    const k = s[++i];
    if (k === undefined) throw new Error(`${what}: invalid format (a lone % at the end of "${s}")`);
    if (k === '%') out += '%';
    else if (k in tokens) out += tokens[k];
    else throw new Error(`${what}: unknown key %${k} in "${s}"`);
  }
  return out;
}

/** `${NAME}` from the environment (IdentityFile and friends since OpenSSH 8.4). */
export function dollarExpand(s: string, env: NodeJS.ProcessEnv, what: string): string {
  return s.replace(/\$\{([^}]*)\}?/g, (m, name: string) => {
    if (!m.endsWith('}')) throw new Error(`${what}: unterminated \${ in "${s}"`);
    const value = env[name];
    if (value === undefined) throw new Error(`${what}: environment variable \${${name}} is not set`);
    return value;
  });
}

let passwd: Map<string, string> | undefined;
function homeOf(user: string, local: LocalIdentity): string | undefined {
  if (user === local.user) return local.home;
  if (!passwd) {
    passwd = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const f = line.split(':');
        if (f.length >= 6 && !passwd.has(f[0])) passwd.set(f[0], f[5]);
      }
    } catch {
      // no /etc/passwd: only the current user's ~ expands
    }
  }
  return passwd.get(user);
}

/** tilde_expand_filename(): `~` and `~/x` are the user's home (password database), `~user/x` another's. */
export function tildeExpand(p: string, local: LocalIdentity, what: string): string {
  if (!p.startsWith('~')) return p;
  const slash = p.indexOf('/');
  const name = slash < 0 ? p.slice(1) : p.slice(1, slash);
  const home = name === '' ? local.home : homeOf(name, local);
  if (home === undefined) throw new Error(`${what}: no such user "${name}" for ${p}`);
  const rest = slash < 0 ? '' : p.slice(slash + 1);
  return rest ? `${home.replace(/\/$/, '')}/${rest}` : home;
}

// ---------------------------------------------------------------------------------------------
// Include globs (glob(3) with GLOB_TILDE: *, ?, [..]; a leading dot is never matched by a wildcard)

function globSegmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < seg.length) re += seg[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const GLOB_MAGIC = /[*?[]/;

/** Expands an absolute glob to existing paths, sorted as glob(3) does. Records directories read (for caches). */
export function expandGlob(pattern: string, dirsRead?: Set<string>): string[] {
  const segments = pattern.split('/');
  let current = [segments[0] === '' ? '/' : segments[0]];
  for (let s = 1; s < segments.length; s++) {
    const seg = segments[s];
    if (seg === '') continue;
    const next: string[] = [];
    for (const base of current) {
      if (!GLOB_MAGIC.test(seg)) {
        next.push(path.posix.join(base, seg.replace(/\\(.)/g, '$1')));
        continue;
      }
      dirsRead?.add(base);
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      const re = globSegmentRegex(seg);
      for (const name of names.sort()) if ((!name.startsWith('.') || seg.startsWith('.')) && re.test(name)) next.push(path.posix.join(base, name));
    }
    current = next;
  }
  return current.filter((p) => statSync(p, { throwIfNoEntry: false }) !== undefined).sort();
}

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

function defaultReadFile(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return undefined;
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
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

/** Every file a config reads through Include (any host): what a cache of `ssh -G` answers depends on. */
export function configFileSet(configFile: string | undefined, envIn: BuiltinEnvironment = {}): { files: string[]; dirs: string[]; usesExec: boolean; canonicalizes: boolean } {
  const local = envIn.local ?? localIdentity();
  const files = new Set<string>();
  const dirs = new Set<string>();
  let usesExec = false;
  let canonicalizes = false;
  const visit = (file: string, userConf: boolean, depth: number) => {
    if (depth > MAX_INCLUDE_DEPTH || files.has(file)) return;
    files.add(file);
    dirs.add(path.dirname(file));
    const text = (envIn.readFile ?? defaultReadFile)(file);
    if (text === undefined) return;
    for (const raw of text.split('\n')) {
      const line = raw.replace(/[ \t\r\n\f]+$/, '');
      let first = strdelim(line);
      if (first && first.token === '') first = strdelim(first.rest);
      if (!first || !first.token) continue;
      const kw = asciiLower(first.token);
      const rest = first.rest ?? '';
      if (kw === 'match' && /(^|[\s=!"])exec\b|localnetwork/i.test(rest)) usesExec = true;
      if (kw === 'canonicalizehostname' && !/^\s*(no|false|none)\b/i.test(rest)) canonicalizes = true;
      if (kw !== 'include') continue;
      for (const a of argvSplit(rest) ?? []) {
        let p = a;
        if (!path.isAbsolute(p) && !p.startsWith('~')) p = (userConf ? '~/.ssh/' : '/etc/ssh/') + p;
        try {
          p = tildeExpand(p, local, file);
        } catch {
          continue;
        }
        dirs.add(path.dirname(p));
        for (const m of expandGlob(p, dirs)) visit(m, userConf, depth + 1);
      }
    }
  };
  if (configFile !== undefined) {
    if (configFile !== 'none') visit(configFile, true, 0);
  } else {
    visit(path.join(local.home, '.ssh', 'config'), true, 0);
    visit(envIn.systemConfig ?? '/etc/ssh/ssh_config', false, 0);
  }
  return { files: [...files], dirs: [...dirs], usesExec, canonicalizes };
}
