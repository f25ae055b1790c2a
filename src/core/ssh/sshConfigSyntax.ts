/**
 * OpenSSH's client-side grammar, as readconf.c, match.c and misc.c read it: words (strdelim,
 * argv_split), Host/Match patterns, times and ports, ProxyJump specs, %-tokens, ~ and ${ENV}, and
 * Include globs. Pure functions over strings (plus /etc/services and /etc/passwd lookups); the
 * evaluation of a config over them is sshConfigBuiltin.ts.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import * as path from 'path';
import type { LocalIdentity } from './sshConfigTypes';

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
export const FLAG_KEYWORDS = new Set(['batchmode', 'checkhostip', 'clearallforwardings', 'compression', 'enablesshkeysign', 'exitonforwardfailure',
  'forwardx11', 'forwardx11trusted', 'gatewayports', 'gssapiauthentication', 'gssapidelegatecredentials', 'hashknownhosts', 'hostbasedauthentication',
  'identitiesonly', 'kbdinteractiveauthentication', 'challengeresponseauthentication', 'nohostauthenticationforlocalhost', 'passwordauthentication',
  'permitlocalcommand', 'proxyusefdpass', 'streamlocalbindunlink', 'tcpkeepalive', 'keepalive', 'visualhostkey', 'stdinnull', 'forkafterauthentication']);

/** Keywords whose value is one string: more words are "extra arguments at end of line". */
export const SINGLE_VALUE = new Set(['hostname', 'user', 'hostkeyalias', 'identityagent', 'identityfile', 'ignoreunknown', 'port', 'connecttimeout',
  'serveraliveinterval', 'serveralivecountmax', 'canonicalizehostname', ...FLAG_KEYWORDS]);
// ---------------------------------------------------------------------------------------------
// Lexing: OpenSSH's strdelim() and argv_split()

/** OpenSSH's strdelim(): one word, splitting at whitespace, a double quote or one `=`. */
export function strdelim(s: string | undefined, splitEquals = true): { token: string; rest: string | undefined } | undefined {
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
export function argvSplit(s: string): string[] | undefined {
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

export function asciiLower(s: string): string {
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
export function atoiErr(s: string): number | undefined {
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

