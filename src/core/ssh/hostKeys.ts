/**
 * Host key verification against OpenSSH known_hosts files (sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"),
 * and recording newly accepted keys. Editor-free: the editor and the CLI decide what to ask the user;
 * this file only says what the files say. Line parsing and host matching (knownHostsLines.ts) and
 * key validation (sshKeyBlob.ts) follow OpenSSH 9 (hostfile.c, match.c, sshkey.c), checked line for line against `ssh-keygen -l -F` and a
 * real `ssh` by test/integration/interop/knownHosts.diff.test.ts; the one deliberate difference is
 * that a @revoked key is refused for every host.
 */
import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { SourceProblem } from '../sourceProblem';
import { translator } from '../l10n';
import { hashHostName, hostNames, hostPortName, type KnownHostEntry, type Marker, parseKnownHosts, parseLine } from './knownHostsLines';
import { knownHostsWriteText, verdictText } from './sshErrorText';
import { fingerprintSha256, keyTypeOf } from './sshKeyBlob';
import type { HostKeyVerdict, KnownHostsLocation } from './types';

export { fingerprintSha256, hostPortName, keyTypeOf };

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

/** Recording a key failed: names the file and the system's reason, never a stack trace. */
export class KnownHostsWriteError extends Error {
  readonly code: string | undefined;
  /** The system's words when there is no error code to name the reason by. */
  readonly systemText: string;
  constructor(readonly file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    super(knownHostsWriteText(file, code, String(cause), translator('en')));
    this.name = 'KnownHostsWriteError';
    this.code = code;
    this.systemText = String(cause);
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

/** One short English sentence or three for the user (the CLI's `known-hosts` text, tests); other languages: verdictText. */
export function describeVerdict(verdict: HostKeyVerdict, host: string, port: number): string {
  return verdictText(verdict, host, port, translator('en'));
}
