/**
 * The shapes shared by both ssh_config resolvers (built-in and `ssh -G`): what a caller asks, what
 * comes back, and the error that names file:line where OpenSSH would stop.
 */
import { readFileSync, statSync } from 'fs';
import * as os from 'os';

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

export const MAX_INCLUDE_DEPTH = 16;

export function defaultReadFile(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return undefined;
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
