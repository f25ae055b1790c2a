/**
 * The per-user key that signs audit records (HMAC-SHA256). It lives outside every workspace, in
 * the product home (~/.sofa-ops/audit.key, mode 0600), so someone who can edit a workspace's trail
 * but not this user's home cannot recompute a record's signature. Made on first use, atomically:
 * two processes starting at once end up with the same key (the second one's link fails and it
 * reads the first one's). A key file others can read is refused, not used.
 */
import { createHash, createHmac, randomBytes } from 'crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'fs';
import * as path from 'path';
import { productHome } from '../ssh/targets';

export interface AuditKey {
  readonly file: string;
  /** Short public name of the key (a digest of it), written into each record it signs. */
  readonly id: string;
  mac(text: string): string;
}

/** A key file that cannot be used; the message names the file and what to do. */
export class AuditKeyError extends Error {}

export function auditKeyFile(home: string = productHome()): string {
  return path.join(home, 'audit.key');
}

/** The key in `file`; made when missing and `create` is set, otherwise undefined when missing. */
export function loadAuditKey(file: string, create: boolean): AuditKey | undefined {
  let text = readKeyFile(file);
  if (text === undefined) {
    if (!create) return undefined;
    makeKeyFile(file);
    text = readKeyFile(file);
    if (text === undefined) throw new AuditKeyError(`cannot create the audit key ${file}`);
  }
  const hex = text.trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new AuditKeyError(`${file}:1: not an audit key (expected 64 hex digits); move it away to make a new one (records it signed can then no longer be checked)`);
  const secret = Buffer.from(hex, 'hex');
  return {
    file,
    id: createHash('sha256').update('sofa-ops audit key id\0').update(secret).digest('hex').slice(0, 16),
    mac: (t) => createHmac('sha256', secret).update(t).digest('hex'),
  };
}

function readKeyFile(file: string): string | undefined {
  let stat;
  try {
    stat = statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AuditKeyError(`cannot read the audit key ${file}: ${(err as Error).message}`);
  }
  if (!stat.isFile()) throw new AuditKeyError(`the audit key ${file} is not a regular file`);
  if (process.platform !== 'win32') {
    if ((stat.mode & 0o077) !== 0) {
      throw new AuditKeyError(`the audit key ${file} is readable or writable by others (mode ${(stat.mode & 0o777).toString(8)}); run: chmod 600 ${file}`);
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) throw new AuditKeyError(`the audit key ${file} belongs to uid ${stat.uid}, not to this user (uid ${uid})`);
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new AuditKeyError(`cannot read the audit key ${file}: ${(err as Error).message}`);
  }
}

/** Writes a fresh key to a private temp file, then links it into place (fails if one appeared meanwhile). */
function makeKeyFile(file: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } catch (err) {
    throw new AuditKeyError(`cannot create the audit key ${file}: ${(err as Error).message}`);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
  }
}
