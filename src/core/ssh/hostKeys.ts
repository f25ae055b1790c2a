/**
 * Host key verification against OpenSSH known_hosts files (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"),
 * and recording newly accepted keys. Editor-free: the editor and the CLI decide what to ask the user;
 * this file only says what the files say.
 */
import { createHash, createHmac, randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SourceProblem } from '../catalog/problems';
import type { HostKeyVerdict, KnownHostsLocation } from './types';

interface KnownHostEntry {
  revoked: boolean;
  keyType: string;
  key: Buffer;
  at: KnownHostsLocation;
  /** Whether the line's host field covers a name as OpenSSH spells it (`host` or `[host]:port`). */
  matches(name: string): boolean;
}

/** OpenSSH's own default files, in the order ssh reads them. */
export function defaultKnownHostsFiles(home = os.homedir()): string[] {
  return [
    path.join(home, '.ssh', 'known_hosts'),
    path.join(home, '.ssh', 'known_hosts2'),
    '/etc/ssh/ssh_known_hosts',
    '/etc/ssh/ssh_known_hosts2',
  ];
}

/** The name known_hosts uses for a host: bare for the default port, `[host]:port` otherwise. */
export function hostPortName(host: string, port: number): string {
  // Lower-cased because ssh lower-cases the host before matching or hashing it.
  const name = host.toLowerCase();
  return port === 22 || port === 0 ? name : `[${name}]:${port}`;
}

/** `SHA256:<base64 without padding>`, exactly as `ssh-keygen -lf` prints it. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside an SSH wire-format public key (its first string), if well-formed. */
export function keyTypeOf(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const length = keyBlob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > keyBlob.length) return undefined;
  const type = keyBlob.toString('latin1', 4, 4 + length);
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/** Parses one known_hosts file's text; bad lines become problems (`file:line`), never exceptions. */
function parseKnownHosts(text: string, file: string): { entries: KnownHostEntry[]; problems: SourceProblem[] } {
  const entries: KnownHostEntry[] = [];
  const problems: SourceProblem[] = [];
  text.split('\n').forEach((raw, index) => {
    const at = { file, line: index + 1 };
    const parsed = parseLine(raw, at);
    if (typeof parsed === 'string') problems.push({ ...at, message: parsed });
    else if (parsed) entries.push(parsed);
  });
  return { entries, problems };
}

/** An entry, undefined for lines with nothing to use (blank, comment, CA), or the reason it is malformed. */
function parseLine(raw: string, at: KnownHostsLocation): KnownHostEntry | string | undefined {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return undefined;
  const fields = line.split(/\s+/);
  const marker = fields[0].startsWith('@') ? fields.shift() : undefined;
  if (marker !== undefined && marker !== '@revoked' && marker !== '@cert-authority') {
    return `unknown marker ${marker}; line ignored`;
  }
  // We do not verify host certificates, so a CA line can never vouch for a plain host key.
  if (marker === '@cert-authority') return undefined;
  const [hostField, keyType, keyBase64] = fields;
  if (keyBase64 === undefined) return 'expected "[marker] hosts key-type base64-key [comment]"; line ignored';
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64) ? Buffer.from(keyBase64, 'base64') : undefined;
  if (!key || keyTypeOf(key) !== keyType) return `key is not a valid ${keyType} public key; line ignored`;
  const revoked = marker === '@revoked';
  // A revoked key is refused for every host, so its host field must not be able to void the line.
  const matches = revoked ? () => false : hostMatcher(hostField);
  if (!matches) return 'malformed hashed host name (expected |1|salt|hash); line ignored';
  return { revoked, keyType, key, at, matches };
}

function hostMatcher(field: string): ((name: string) => boolean) | undefined {
  if (field.startsWith('|')) {
    const parts = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(field);
    if (!parts) return undefined;
    const salt = Buffer.from(parts[1], 'base64');
    const hash = Buffer.from(parts[2], 'base64');
    // HMAC-SHA1 sizes; anything else is not something ssh-keygen -H wrote.
    if (salt.length !== 20 || hash.length !== 20) return undefined;
    return (name) => hashHostName(name, salt).equals(hash);
  }
  const patterns = field.split(',').filter((p) => p !== '');
  return (name) => matchPatternList(name, patterns);
}

/** OpenSSH semantics: any matching negated pattern rejects the line, else any positive match accepts it. */
function matchPatternList(name: string, patterns: string[]): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (!globToRegExp(negated ? pattern.slice(1) : pattern).test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashHostName(name: string, salt: Buffer): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

function hostNames(hosts: string | string[], port: number): string[] {
  const list = typeof hosts === 'string' ? [hosts] : hosts;
  return [...new Set(list.filter((h) => h !== '').map((h) => hostPortName(h, port)))];
}

/** Host names we are willing to write: anything else could smuggle patterns (`*`, `,`, `!`) into the file. */
const WRITABLE_HOST = /^[A-Za-z0-9._%:-]+$/;

export class HostKeyVerifier {
  private constructor(
    private readonly entries: KnownHostEntry[],
    /** Malformed lines and unreadable files, for the user to fix; their keys are ignored. */
    readonly problems: SourceProblem[],
  ) {}

  /** Reads the files in order; missing ones are normal (not every machine has all of them). */
  static async load(files: string[]): Promise<HostKeyVerifier> {
    const entries: KnownHostEntry[] = [];
    const problems: SourceProblem[] = [];
    for (const file of new Set(files)) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') {
          problems.push({ file, line: 1, message: `cannot read this file (${code ?? String(error)}); its keys are ignored` });
        }
        continue;
      }
      const parsed = parseKnownHosts(text, file);
      entries.push(...parsed.entries);
      problems.push(...parsed.problems);
    }
    return new HostKeyVerifier(entries, problems);
  }

  /**
   * Checks the key a server offered for one connection, known by one or more names (inventory name,
   * address). The key type comes from the blob when it names one, since that is what the server sent.
   * Strictest answer wins: revoked anywhere, then a changed key under any name, then trusted, then unknown.
   */
  verify(hosts: string | string[], port: number, keyType: string, keyBlob: Buffer): HostKeyVerdict {
    const type = keyTypeOf(keyBlob) ?? keyType;
    const fingerprint = fingerprintSha256(keyBlob);
    const revoked = this.entries.find((e) => e.revoked && e.key.equals(keyBlob));
    if (revoked) return { status: 'revoked', fingerprint, at: revoked.at };

    let trusted: KnownHostEntry | undefined;
    for (const name of hostNames(hosts, port)) {
      const sameType = this.entries.filter((e) => !e.revoked && e.keyType === type && e.matches(name));
      // Several keys of one type for a host are legitimate (key rotation); any one of them will do.
      const same = sameType.find((e) => e.key.equals(keyBlob));
      if (same) {
        trusted ??= same;
      } else if (sameType.length > 0) {
        const known = sameType[0];
        return { status: 'changed', fingerprint, keyType: type, knownFingerprint: fingerprintSha256(known.key), at: known.at };
      }
    }
    return trusted ? { status: 'trusted', fingerprint, at: trusted.at } : { status: 'unknown', fingerprint, keyType: type };
  }

  /**
   * Key types known_hosts already holds for these names. The handshake prefers them, as OpenSSH
   * does, so a server cannot dodge a "changed key" verdict by offering a type we never saw.
   */
  knownKeyTypes(hosts: string | string[], port: number): string[] {
    const names = hostNames(hosts, port);
    return [...new Set(this.entries.filter((e) => !e.revoked && names.some((n) => e.matches(n))).map((e) => e.keyType))];
  }

  /**
   * Records an accepted key: one line for all names, or with `hashed` one `|1|salt|hash` line per
   * name (a hashed line can hold only one). Creates the folder (0700) and file (0600) when missing and
   * appends, so concurrent writers and the existing lines are safe. Returns where the first line went.
   */
  async appendKnownHost(
    file: string,
    hosts: string | string[],
    port: number,
    keyType: string,
    keyBlob: Buffer,
    options: { hashed?: boolean } = {},
  ): Promise<KnownHostsLocation> {
    for (const host of typeof hosts === 'string' ? [hosts] : hosts) {
      if (!WRITABLE_HOST.test(host)) throw new Error(`Refusing to write host name ${JSON.stringify(host)} to ${file}.`);
    }
    if (keyTypeOf(keyBlob) !== keyType) throw new Error(`The key offered is not a ${keyType} key.`);
    const names = hostNames(hosts, port);
    if (names.length === 0) throw new Error('No host name to record.');
    const hostFields = options.hashed
      ? names.map((name) => {
        const salt = randomBytes(20);
        return `|1|${salt.toString('base64')}|${hashHostName(name, salt).toString('base64')}`;
      })
      : [names.join(',')];
    const lines = hostFields.map((field) => `${field} ${keyType} ${keyBlob.toString('base64')}`);

    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const handle = await fs.open(file, 'a+', 0o600);
    let lineNumber: number;
    try {
      const existing = await handle.readFile('utf8');
      // Without this, a file lacking its final newline would glue our entry onto its last line.
      const separator = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
      await handle.write(separator + lines.join('\n') + '\n');
      lineNumber = existing === '' ? 0 : existing.split('\n').length - (separator ? 0 : 1);
    } finally {
      await handle.close();
    }
    const first = { file, line: lineNumber + 1 };
    for (const text of lines) {
      const entry = parseLine(text, { file, line: ++lineNumber });
      if (entry && typeof entry !== 'string') this.entries.push(entry);
    }
    return first;
  }
}

/** One short English sentence or three for the user; the CLI prints it, the editor shows it. */
export function describeVerdict(verdict: HostKeyVerdict, host: string, port: number): string {
  const name = hostPortName(host, port);
  const where = (at: KnownHostsLocation) => `${at.file}:${at.line}`;
  switch (verdict.status) {
    case 'trusted':
      return `Host key for ${name} is known: ${verdict.fingerprint} at ${where(verdict.at)}.`;
    case 'unknown':
      return `Host ${name} is not known. It offers ${verdict.keyType} key ${verdict.fingerprint}; trust it only if that matches the server's own fingerprint.`;
    case 'changed':
      return `Host key for ${name} has CHANGED. Offered ${verdict.fingerprint}; known_hosts has ${verdict.knownFingerprint} at ${where(verdict.at)}. `
        + `Refusing to connect; remove that line if the change is expected (ssh-keygen -R ${shellWord(name)} -f ${shellWord(verdict.at.file)}).`;
    case 'revoked':
      return `Host key for ${name} (${verdict.fingerprint}) is REVOKED at ${where(verdict.at)}. Refusing to connect.`;
  }
}

/** Quotes for a POSIX shell only when needed, so the suggested command can be pasted as is. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._/:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
