/**
 * Resolves a host with OpenSSH itself: `ssh -G [-F file] -o … -- host` prints the options ssh
 * would use (Include, Match, tokens in HostName, ProxyJump/ProxyCommand precedence all applied).
 * Answers are cached by the exact command line plus the identity (inode, size, mtime) of every
 * config file the config can read through Include and of every directory an Include glob lists,
 * in memory and in a small file under the product's home, so a cold `sofa-ops exec` does not pay
 * for a process per host. Configs using `Match exec` or hostname canonicalization are never
 * cached on disk: their answer can change without any file changing.
 */
import { execFile, spawnSync } from 'child_process';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'fs';
import * as path from 'path';
import { type BuiltinEnvironment, type EffectiveConfig, type SshConfigProblem, SshConfigError, type SshInvocation } from './sshConfigBuiltin';
import { configFileSet } from './sshConfigFiles';

/** The `ssh` to ask: SOFA_OPS_SSH, else the first `ssh` on PATH; undefined when there is none. */
export function findSshBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SOFA_OPS_SSH !== undefined) return env.SOFA_OPS_SSH && statSync(env.SOFA_OPS_SSH, { throwIfNoEntry: false })?.isFile() ? env.SOFA_OPS_SSH : undefined;
  const key = env.PATH ?? '';
  const hit = binaryCache.get(key);
  if (hit !== undefined) return hit || undefined;
  let found = '';
  for (const dir of key.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, process.platform === 'win32' ? 'ssh.exe' : 'ssh');
    if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) {
      found = candidate;
      break;
    }
  }
  binaryCache.set(key, found);
  return found || undefined;
}
const binaryCache = new Map<string, string>();

/** A value for `-o Keyword=value` that ssh's argv_split reads back as exactly one word. */
function quoteOption(value: string): string {
  return /^[^\s"'\\#]+$/.test(value) ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

export function sshGArgs(inv: SshInvocation): string[] {
  const args = ['-G'];
  if (inv.configFile !== undefined) args.push('-F', inv.configFile);
  for (const [k, v] of inv.options ?? []) {
    // ProxyJump is read raw (not word-split) by ssh: a quoted value would keep its quotes.
    const value = k.toLowerCase() === 'proxyjump' ? v : quoteOption(v);
    args.push('-o', `${k}=${value}`);
  }
  args.push('--', inv.destination);
  return args;
}

/** Parses `ssh -G` output into the fields SOFA Ops uses. */
export function parseSshG(stdout: string): EffectiveConfig {
  const identityFiles: string[] = [];
  const one = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp <= 0) continue;
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'identityfile') identityFiles.push(value);
    else if (!one.has(key)) one.set(key, value);
  }
  const num = (k: string, d: number) => {
    const v = Number(one.get(k));
    return Number.isFinite(v) ? v : d;
  };
  const ct = one.get('connecttimeout');
  return {
    hostname: one.get('hostname') ?? '',
    port: num('port', 22),
    user: one.get('user') ?? '',
    identityFiles,
    proxyJump: one.get('proxyjump'),
    proxyCommand: one.get('proxycommand'),
    serverAliveInterval: num('serveraliveinterval', 0),
    serverAliveCountMax: num('serveralivecountmax', 3),
    connectTimeout: ct === undefined || ct === 'none' ? undefined : Number(ct),
    hostKeyAlias: one.get('hostkeyalias'),
    identityAgent: one.get('identityagent'),
  };
}

/** ssh's complaints ("file line 3: Bad configuration option: x") as problems that keep file:line. */
export function problemsFromSshStderr(stderr: string, inv: SshInvocation): SshConfigProblem[] {
  const problems: SshConfigProblem[] = [];
  for (const raw of stderr.split('\n')) {
    const line = raw.trim();
    if (!line || /^Pseudo-terminal will not be allocated/.test(line) || /terminating, \d+ bad configuration options/.test(line)) continue;
    const m = /^(.+?):? line (\d+): (.*)$/.exec(line);
    if (m) problems.push({ file: m[1], line: Number(m[2]), message: m[3] });
    else problems.push({ file: inv.configFile ?? 'ssh_config', line: 0, message: line });
  }
  if (!problems.length) problems.push({ file: inv.configFile ?? 'ssh_config', line: 0, message: `ssh -G failed for ${inv.destination}` });
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Cache

interface CacheEntry {
  fingerprint: string;
  config: EffectiveConfig;
}

interface FileSetInfo {
  files: string[];
  dirs: string[];
  volatile: boolean;
  fingerprint: string;
}

const memory = new Map<string, CacheEntry>();
const fileSets = new Map<string, FileSetInfo>();
let disk: { file: string; entries: Record<string, CacheEntry>; dirty: boolean } | undefined;
/**
 * One entry per distinct (host, user, port) resolved, ~0.7 KB each. At 512 a 1,000-host inventory
 * evicted half of itself on every run and spawned ~490 `ssh -G` per `exec` (bench/scale.bench.ts);
 * 8,192 keeps a 5,000-host site whole for a ~6 MB file read once per run.
 */
const MAX_DISK_ENTRIES = 8192;

function statPart(p: string): string {
  const st = statSync(p, { throwIfNoEntry: false });
  return st ? `${p}\0${st.ino}\0${st.size}\0${st.mtimeMs}` : `${p}\0-`;
}

/** The identity of every file and directory the config can read; recomputed when one changes. */
function fileSetFor(ssh: string, configFile: string | undefined, envIn: BuiltinEnvironment): FileSetInfo {
  const key = `${ssh}\0${configFile ?? ''}`;
  const known = fileSets.get(key);
  if (known) {
    const now = [ssh, ...known.files, ...known.dirs].map(statPart).join('\n');
    if (now === known.fingerprint) return known;
  }
  const set = configFileSet(configFile, envIn);
  const info: FileSetInfo = {
    files: set.files,
    dirs: set.dirs,
    volatile: set.usesExec || set.canonicalizes,
    fingerprint: [ssh, ...set.files, ...set.dirs].map(statPart).join('\n'),
  };
  fileSets.set(key, info);
  return info;
}

function loadDisk(file: string): NonNullable<typeof disk> {
  if (disk?.file === file) return disk;
  let entries: Record<string, CacheEntry> = {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: number; entries?: Record<string, CacheEntry> };
    if (parsed.version === 1 && parsed.entries && typeof parsed.entries === 'object') entries = parsed.entries;
  } catch {
    // absent or unreadable: start empty (it is only a cache)
  }
  disk = { file, entries, dirty: false };
  return disk;
}

/** Writes the on-disk cache (atomically, 0600). Failing to write only costs speed next time. */
export function flushSshConfigCache(): void {
  if (!disk?.dirty) return;
  try {
    const keys = Object.keys(disk.entries);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_DISK_ENTRIES))) delete disk.entries[k];
    mkdirSync(path.dirname(disk.file), { recursive: true, mode: 0o700 });
    const tmp = `${disk.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, entries: disk.entries }), { mode: 0o600 });
    renameSync(tmp, disk.file);
    disk.dirty = false;
  } catch {
    // read-only home, full disk: the cache is an optimisation
  }
}

/** Forgets every cached answer (tests; after editing a config in the same process nothing is needed). */
export function clearSshConfigCache(): void {
  memory.clear();
  fileSets.clear();
  disk = undefined;
}

export interface OpenSshOptions {
  ssh: string;
  env?: NodeJS.ProcessEnv;
  /** Persistent cache file (e.g. ~/.sofa-ops/cache/ssh-config.json); memory only when absent. */
  cacheFile?: string;
  builtinEnv?: BuiltinEnvironment;
}

function cacheKey(o: OpenSshOptions, args: string[]): string {
  return JSON.stringify([o.ssh, args, o.env?.SHELL ?? '']);
}

function lookup(o: OpenSshOptions, inv: SshInvocation, args: string[]): { key: string; fingerprint: string; volatile: boolean; hit?: EffectiveConfig } {
  const set = fileSetFor(o.ssh, inv.configFile, o.builtinEnv ?? {});
  const key = cacheKey(o, args);
  const fingerprint = set.fingerprint;
  const mem = memory.get(key);
  if (mem && mem.fingerprint === fingerprint) return { key, fingerprint, volatile: set.volatile, hit: mem.config };
  if (o.cacheFile && !set.volatile) {
    const d = loadDisk(o.cacheFile).entries[key];
    if (d && d.fingerprint === fingerprint) {
      memory.set(key, d);
      return { key, fingerprint, volatile: set.volatile, hit: d.config };
    }
  }
  return { key, fingerprint, volatile: set.volatile };
}

function store(o: OpenSshOptions, key: string, fingerprint: string, volatile: boolean, config: EffectiveConfig): void {
  const entry = { fingerprint, config };
  if (memory.size > 4096) memory.clear();
  memory.set(key, entry);
  if (o.cacheFile && !volatile) {
    const d = loadDisk(o.cacheFile);
    delete d.entries[key];
    d.entries[key] = entry;
    d.dirty = true;
  }
}

/** `ssh -G` for one destination, synchronously (cached). Throws SshConfigError with ssh's file:line. */
export function resolveWithOpenSsh(inv: SshInvocation, o: OpenSshOptions): EffectiveConfig {
  const args = sshGArgs(inv);
  const l = lookup(o, inv, args);
  if (l.hit) return l.hit;
  const run = spawnSync(o.ssh, args, { env: o.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 });
  if (run.error) throw new SshConfigError([{ file: o.ssh, line: 0, message: `could not run ssh -G: ${run.error.message}` }]);
  if (run.status !== 0) throw new SshConfigError(problemsFromSshStderr(run.stderr, inv));
  const config = parseSshG(run.stdout);
  store(o, l.key, l.fingerprint, l.volatile, config);
  flushSshConfigCache();
  return config;
}

/**
 * Warms the cache for many destinations at once, a few `ssh -G` processes at a time, so a fan-out
 * pays about one process time per `limit` hosts. Errors are left for the synchronous call to report.
 */
export async function prefetchWithOpenSsh(invs: SshInvocation[], o: OpenSshOptions, limit = 4): Promise<void> {
  const todo = invs.map((inv) => ({ inv, args: sshGArgs(inv) })).filter(({ inv, args }) => !lookup(o, inv, args).hit);
  const seen = new Set<string>();
  const unique = todo.filter(({ args }) => !seen.has(args.join('\0')) && !!seen.add(args.join('\0')));
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const { inv, args } = unique[next++];
      const l = lookup(o, inv, args);
      if (l.hit) continue;
      const out = await new Promise<{ ok: boolean; stdout: string }>((resolve) => {
        execFile(o.ssh, args, { env: o.env ?? process.env, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 20 }, (err, stdout) => resolve({ ok: !err, stdout }));
      });
      if (out.ok) store(o, l.key, l.fingerprint, l.volatile, parseSshG(out.stdout));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, unique.length) }, worker));
  flushSshConfigCache();
}
