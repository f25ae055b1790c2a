/**
 * known_hosts lines as OpenSSH 9 reads them (hostfile.c, match.c): splitting, markers, key fields,
 * hashed names and host pattern lists. Malformed lines become problems naming file and line.
 */
import { createHmac } from 'crypto';
import type { SourceProblem } from '../sourceProblem';
import { CERT_TYPE, certificatePlainKey, decodeBase64Strict, fingerprintSha256, publicKeyProblem } from './sshKeyBlob';
import type { KnownHostsLocation } from './types';

export type Marker = 'revoked' | 'cert-authority' | undefined;

export interface KnownHostEntry {
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

/** ssh lower-cases with the C locale's tolower(): ASCII letters only. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The name known_hosts uses for a host: bare for the default port, `[host]:port` otherwise. */
export function hostPortName(host: string, port: number): string {
  // Lower-cased because ssh lower-cases the host before matching or hashing it.
  const name = asciiLower(host);
  return port === 22 || port === 0 ? name : `[${name}]:${port}`;
}

export function hostNames(hosts: string | string[], port: number): string[] {
  const list = typeof hosts === 'string' ? [hosts] : hosts;
  return [...new Set(list.filter((h) => h !== '').map((h) => hostPortName(h, port)))];
}

/** Splits a file as ssh reads it: on `\n` only (a `\r` stays, and is whitespace only inside base64). */
export function parseKnownHosts(text: string, file: string): { entries: KnownHostEntry[]; problems: SourceProblem[] } {
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

/** An entry, undefined for lines with nothing to use (blank, comment), or the reason it is malformed. */
export function parseLine(raw: string, at: KnownHostsLocation): KnownHostEntry | string | undefined {
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

export function hashHostName(name: string, salt: Buffer): Buffer {
  return createHmac('sha1', salt).update(name).digest();
}
