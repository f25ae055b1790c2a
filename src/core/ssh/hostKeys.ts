/**
 * Host key verification against OpenSSH known_hosts files (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"),
 * and recording newly accepted keys. Editor-free: the editor and the CLI decide what to ask the user;
 * this file only says what the files say. Line parsing, key validation and host matching follow
 * OpenSSH 9 (hostfile.c, match.c, sshkey.c), checked line for line against `ssh-keygen -l -F` and a
 * real `ssh` by test/integration/interop/knownHosts.diff.test.ts; the one deliberate difference is
 * that a @revoked key is refused for every host.
 */
import { createHash, createHmac, createPublicKey, randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SourceProblem } from '../sourceProblem';
import type { HostKeyVerdict, KnownHostsLocation } from './types';

type Marker = 'revoked' | 'cert-authority' | undefined;

interface KnownHostEntry {
  marker: Marker;
  keyType: string;
  key: Buffer;
  /** The key ssh-keygen fingerprints: the key itself, or a certificate's plain key. */
  fingerprint: string;
  /** A host certificate on a plain line: we do not verify certificates, so it neither trusts nor contradicts. */
  certificate: boolean;
  at: KnownHostsLocation;
  /** Whether the line's host field covers a name as OpenSSH spells it (`host` or `[host]:port`). */
  matches(name: string): boolean;
}

/** A known_hosts line that covers a host name, as `ssh-keygen -l -F NAME` lists it. */
export interface KnownHostsMatch {
  at: KnownHostsLocation;
  marker: Marker;
  keyType: string;
  fingerprint: string;
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

/** ssh lower-cases with the C locale's tolower(): ASCII letters only. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The name known_hosts uses for a host: bare for the default port, `[host]:port` otherwise. */
export function hostPortName(host: string, port: number): string {
  // Lower-cased because ssh lower-cases the host before matching or hashing it.
  const name = asciiLower(host);
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

/** Reads SSH wire-format strings (RFC 4251 §5) off a key blob; undefined once the data runs out. */
class WireReader {
  private offset = 0;
  constructor(private readonly data: Buffer) {}
  string(): Buffer | undefined {
    if (this.offset + 4 > this.data.length) return undefined;
    const length = this.data.readUInt32BE(this.offset);
    if (this.offset + 4 + length > this.data.length) return undefined;
    const value = this.data.subarray(this.offset + 4, this.offset + 4 + length);
    this.offset += 4 + length;
    return value;
  }
  /** A non-negative mpint without its sign padding, or undefined when negative or badly padded. */
  mpint(): Buffer | undefined {
    const value = this.string();
    if (!value) return undefined;
    if (value.length > 0 && value[0] & 0x80) return undefined;
    if (value.length > 1 && value[0] === 0 && !(value[1] & 0x80)) return undefined;
    return value[0] === 0 ? value.subarray(1) : value;
  }
  get done(): boolean {
    return this.offset === this.data.length;
  }
}

const CURVES: Record<string, { jwk: string; size: number }> = {
  nistp256: { jwk: 'P-256', size: 32 },
  nistp384: { jwk: 'P-384', size: 48 },
  nistp521: { jwk: 'P-521', size: 66 },
};

function bitLength(value: Buffer): number {
  return value.length === 0 ? 0 : (value.length - 1) * 8 + (32 - Math.clz32(value[0]));
}

/** Whether an uncompressed EC point lies on the curve (OpenSSH refuses keys that do not). */
function validEcPoint(curve: { jwk: string; size: number }, point: Buffer): boolean {
  if (point.length !== 1 + 2 * curve.size || point[0] !== 0x04) return false;
  const x = point.subarray(1, 1 + curve.size).toString('base64url');
  const y = point.subarray(1 + curve.size).toString('base64url');
  try {
    createPublicKey({ key: { kty: 'EC', crv: curve.jwk, x, y }, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a public key blob is not one OpenSSH would load, or undefined when it is. Checks what sshkey.c
 * checks: the fields of each type, nothing left over, RSA of 1024..16384 bits, EC points on their curve.
 * Certificates are taken on their type name (they never vouch for a plain host key here anyway).
 */
function publicKeyProblem(type: string, blob: Buffer): string | undefined {
  const reader = new WireReader(blob);
  if (reader.string()?.toString('latin1') !== type) return `the key data is not a ${type} key`;
  const bad = `the ${type} key data is malformed`;
  if (CERT_TYPE.test(type)) return reader.string() ? undefined : bad;
  if (type === 'ssh-ed25519' || type === 'sk-ssh-ed25519@openssh.com') {
    if (reader.string()?.length !== 32) return bad;
    if (type.startsWith('sk-') && !reader.string()) return bad;
  } else if (type === 'ssh-rsa') {
    const e = reader.mpint();
    const n = reader.mpint();
    if (!e || !n || e.length === 0) return bad;
    const bits = bitLength(n);
    if (bits < 1024) return `the RSA key has ${bits} bits; OpenSSH refuses RSA keys under 1024 bits`;
    if (bits > 16384) return bad;
  } else if (type === 'ssh-dss') {
    for (let i = 0; i < 4; i++) if (!reader.mpint()) return bad;
  } else {
    const ecdsa = /^(sk-)?ecdsa-sha2-(nistp256|nistp384|nistp521)(@openssh\.com)?$/.exec(type);
    if (!ecdsa || (ecdsa[1] !== undefined) !== (ecdsa[3] !== undefined) || (ecdsa[1] && ecdsa[2] !== 'nistp256')) return `unknown key type ${type}`;
    if (reader.string()?.toString('latin1') !== ecdsa[2]) return bad;
    const point = reader.string();
    if (!point || !validEcPoint(CURVES[ecdsa[2]], point)) return bad;
    if (ecdsa[1] && !reader.string()) return bad;
  }
  return reader.done ? undefined : `${bad} (extra data after the key)`;
}

/** Splits a file as ssh reads it: on `\n` only (a `\r` stays, and is whitespace only inside base64). */
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

/** Base64 as OpenSSH's b64_pton takes it: whitespace skipped, padding required, unused bits zero. */
function decodeBase64Strict(text: string): Buffer | undefined {
  const compact = text.replace(/[\r\v\f\n]/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  const data = Buffer.from(compact, 'base64');
  return data.toString('base64') === compact ? data : undefined;
}

/** An entry, undefined for lines with nothing to use (blank, comment), or the reason it is malformed. */
function parseLine(raw: string, at: KnownHostsLocation): KnownHostEntry | string | undefined {
  // ssh skips leading blanks (space, tab) only, and splits fields on space and tab only.
  const line = raw.replace(/^[ \t]+/, '');
  if (line === '' || line === '\r' || line.startsWith('#')) return undefined;
  const fields = line.split(/[ \t]+/);
  let marker: Marker;
  if (line.startsWith('@')) {
    // ssh takes a marker only when a space (not a tab) follows it.
    const word = /^@\S*/.exec(line)![0];
    const known = word === '@revoked' ? 'revoked' : word === '@cert-authority' ? 'cert-authority' : undefined;
    if (!known || line[word.length] !== ' ') return `unknown marker ${word}${known ? ' (a marker must be followed by a space)' : ''}; line ignored`;
    marker = known;
    fields.shift();
  }
  const [hostField, keyType, keyBase64] = fields;
  if (hostField === undefined || keyType === undefined || keyBase64 === undefined || keyBase64.replace(/\r/g, '') === '') {
    return 'expected "[marker] hosts key-type base64-key [comment]"; line ignored';
  }
  if (/^\d+$/.test(keyType)) return 'an SSH-1 (RSA1) key, which OpenSSH no longer reads; line ignored';
  const key = decodeBase64Strict(keyBase64);
  if (!key) return `the ${keyType} key is not valid base64; line ignored`;
  const problem = publicKeyProblem(keyType, key);
  if (problem) return `${problem}; line ignored`;
  const matches = hostMatcher(hostField);
  if (!matches) return 'malformed hashed host name (expected |1|salt|hash); line ignored';
  const certificate = CERT_TYPE.test(keyType);
  const fingerprint = fingerprintSha256(certificate ? certificatePlainKey(keyType, key) ?? key : key);
  return { marker, keyType, key, fingerprint, certificate, at, matches };
}

const CERT_TYPE = /-cert-v01@openssh\.com$/;

/** A certificate's own public key as a plain key blob (what ssh-keygen -l fingerprints). */
function certificatePlainKey(certType: string, blob: Buffer): Buffer | undefined {
  const plainType = certType.replace(CERT_TYPE, '');
  const fieldCount: Record<string, number> = { 'ssh-ed25519': 1, 'ssh-rsa': 2, 'ssh-dss': 4, 'sk-ssh-ed25519@openssh.com': 2, 'sk-ecdsa-sha2-nistp256@openssh.com': 3 };
  const count = fieldCount[plainType] ?? (plainType.startsWith('ecdsa-sha2-') ? 2 : undefined);
  if (count === undefined) return undefined;
  const reader = new WireReader(blob);
  if (!reader.string() || !reader.string()) return undefined; // type, nonce
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const field = reader.string();
    if (!field) return undefined;
    parts.push(field);
  }
  // RSA certificates carry e and n in that order, like the plain key.
  const wire = (b: Buffer) => Buffer.concat([Buffer.from([b.length >>> 24, (b.length >>> 16) & 255, (b.length >>> 8) & 255, b.length & 255]), b]);
  return Buffer.concat([wire(Buffer.from(plainType, 'latin1')), ...parts.map(wire)]);
}

function hostMatcher(field: string): ((name: string) => boolean) | undefined {
  if (field.startsWith('|')) {
    // ssh recomputes `|1|salt|hash` for the name and compares the text, so only canonical base64 matches.
    const parts = /^\|1\|([^|]*)\|/.exec(field);
    const salt = parts ? decodeBase64Strict(parts[1]) : undefined;
    if (!salt || salt.length !== 20) return undefined;
    return (name) => `|1|${salt.toString('base64')}|${hashHostName(name, salt).toString('base64')}` === field;
  }
  return (name) => matchPatternList(name, field) === 1;
}

/** Longest sub-pattern OpenSSH's match_pattern_list() copies; a longer one makes the whole list fail. */
const MAX_SUBPATTERN = 1022;

/**
 * OpenSSH's match_pattern_list(): comma-separated globs, each optionally negated with `!`, patterns
 * lower-cased (ASCII); 1 = a positive pattern matched, -1 = a negated one did (the line is void), 0 = none.
 * Works on bytes, as ssh does, so `?` is one byte of a UTF-8 name.
 */
function matchPatternList(name: string, list: string): -1 | 0 | 1 {
  const subject = Buffer.from(name, 'utf8').toString('latin1');
  const patterns = Buffer.from(list, 'utf8').toString('latin1');
  let positive = false;
  let i = 0;
  while (i < patterns.length) {
    const negated = patterns[i] === '!';
    if (negated) i++;
    let end = patterns.indexOf(',', i);
    if (end < 0) end = patterns.length;
    if (end - i > MAX_SUBPATTERN) return 0;
    const sub = asciiLower(patterns.slice(i, end));
    i = end < patterns.length ? end + 1 : end;
    if (globMatch(subject, sub)) {
      if (negated) return -1;
      positive = true;
    }
  }
  return positive ? 1 : 0;
}

/** `*` and `?` globbing without backtracking blow-up (a hostile `*a*a*a…` stays linear per star). */
function globMatch(text: string, glob: string): boolean {
  let t = 0;
  let g = 0;
  let starG = -1;
  let starT = 0;
  while (t < text.length) {
    if (g < glob.length && (glob[g] === '?' || (glob[g] !== '*' && glob[g] === text[t]))) {
      t++;
      g++;
    } else if (g < glob.length && glob[g] === '*') {
      starG = g++;
      starT = t;
    } else if (starG >= 0) {
      g = starG + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}

function hashHostName(name: string, salt: Buffer): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}

function hostNames(hosts: string | string[], port: number): string[] {
  const list = typeof hosts === 'string' ? [hosts] : hosts;
  return [...new Set(list.filter((h) => h !== '').map((h) => hostPortName(h, port)))];
}

/** Recording a key failed: names the file and the system's reason, never a stack trace. */
export class KnownHostsWriteError extends Error {
  readonly code: string | undefined;
  constructor(readonly file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    const reason = code ? ({ EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left on device', EISDIR: 'it is a directory', ENOTDIR: 'a parent is not a directory', EEXIST: 'a parent is not a directory', EDQUOT: 'disk quota exceeded', ENOTREG: 'not a regular file' } as Record<string, string>)[code] ?? code : String(cause);
    super(`cannot record the host key in ${file}: ${reason}${code && code !== 'ENOTREG' && !reason.startsWith(code) ? ` (${code})` : ''}`);
    this.name = 'KnownHostsWriteError';
    this.code = code;
  }
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
   * A name with keys on file but none of the offered type is "changed" (a key-type downgrade), never
   * "unknown": otherwise an attacker holding any other key type would be offered for acceptance.
   */
  verify(hosts: string | string[], port: number, keyType: string, keyBlob: Buffer): HostKeyVerdict {
    const type = keyTypeOf(keyBlob) ?? keyType;
    const fingerprint = fingerprintSha256(keyBlob);
    // Deliberately stricter than ssh, which honours @revoked only on lines naming the host.
    const revoked = this.entries.find((e) => e.marker === 'revoked' && e.key.equals(keyBlob));
    if (revoked) return { status: 'revoked', fingerprint, at: revoked.at };

    let trusted: KnownHostEntry | undefined;
    const names = typeof hosts === 'string' ? [hosts] : hosts;
    for (const [index, name] of hostNames(hosts, port).entries()) {
      const onFile = this.plainKeysFor(name);
      const sameType = onFile.filter((e) => e.keyType === type);
      // Several keys of one type for a host are legitimate (key rotation); any one of them will do.
      // As ssh does, a name on another port with no key of this type falls back to the bare name's
      // exact key (only an exact match: a different bare key proves nothing about this port).
      const same = sameType.find((e) => e.key.equals(keyBlob))
        ?? (sameType.length === 0 && port !== 22 && port !== 0
          ? this.plainKeysFor(hostPortName(names.filter((h) => h !== '')[index] ?? '', 22)).find((e) => e.key.equals(keyBlob))
          : undefined);
      if (same) {
        trusted ??= same;
        continue;
      }
      const contradicting = sameType.length > 0 ? sameType : onFile;
      if (contradicting.length === 0) continue;
      const known = contradicting.map((e) => ({ keyType: e.keyType, fingerprint: fingerprintSha256(e.key), at: e.at }));
      return {
        status: 'changed', fingerprint, keyType: type, knownFingerprint: known[0].fingerprint, at: known[0].at,
        known, downgrade: sameType.length === 0,
      };
    }
    return trusted ? { status: 'trusted', fingerprint, at: trusted.at } : { status: 'unknown', fingerprint, keyType: type };
  }

  private plainKeysFor(name: string): KnownHostEntry[] {
    return this.entries.filter((e) => e.marker === undefined && !e.certificate && e.matches(name));
  }

  /**
   * Key types known_hosts already holds for these names. The handshake prefers them, as OpenSSH
   * does, so a server offering both an old and a new type is checked against the one on file.
   */
  knownKeyTypes(hosts: string | string[], port: number): string[] {
    const names = hostNames(hosts, port);
    return [...new Set(this.entries.filter((e) => e.marker === undefined && !e.certificate && names.some((n) => e.matches(n))).map((e) => e.keyType))];
  }

  /** Every usable line covering one host, markers included, in file order: what `ssh-keygen -l -F` lists. */
  lookup(host: string, port: number): KnownHostsMatch[] {
    const name = hostPortName(host, port);
    return this.entries
      .filter((e) => e.matches(name))
      .map((e) => ({ at: e.at, marker: e.marker, keyType: e.keyType, fingerprint: e.fingerprint }));
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

    let lineNumber: number;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const handle = await fs.open(file, 'a+', 0o600);
      try {
        // /dev/null would swallow the key and /dev/full reads forever: only a regular file records anything.
        if (!(await handle.stat()).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
        const existing = await handle.readFile('utf8');
        // Without this, a file lacking its final newline would glue our entry onto its last line.
        const separator = existing !== '' && !existing.endsWith('\n') ? '\n' : '';
        await handle.write(separator + lines.join('\n') + '\n');
        // A full disk can report success on write and fail on close/flush: sync before claiming it.
        await handle.sync();
        lineNumber = existing === '' ? 0 : existing.split('\n').length - (separator ? 0 : 1);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw new KnownHostsWriteError(file, error);
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
    case 'changed': {
      const known = verdict.known.map((k) => `${k.keyType} ${k.fingerprint} at ${where(k.at)}`).join('; ');
      const files = [...new Set(verdict.known.map((k) => k.at.file))];
      const fix = files.map((f) => `ssh-keygen -R ${shellWord(name)} -f ${shellWord(f)}`).join('; ');
      const what = verdict.downgrade
        ? `Host ${name} offers a ${verdict.keyType} key (${verdict.fingerprint}), but known_hosts only has other key types for it: ${known}. `
          + 'This can be a key-type downgrade by an attacker. '
        : `Host key for ${name} has CHANGED. Offered ${verdict.fingerprint}; known_hosts has ${known}. `;
      return what + `Refusing to connect; remove ${verdict.known.length > 1 ? 'those lines' : 'that line'} if the change is expected (${fix}).`;
    }
    case 'revoked':
      return `Host key for ${name} (${verdict.fingerprint}) is REVOKED at ${where(verdict.at)}. Refusing to connect.`;
  }
}

/** Quotes for a POSIX shell only when needed, so the suggested command can be pasted as is. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._/:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
