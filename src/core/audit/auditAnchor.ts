/**
 * The head anchor of an audit trail: how many records the trail holds and the last one's hash,
 * kept outside the workspace (~/.sofa-ops/audit-anchors/, one 0600 file per trail, named after the
 * trail's path) and signed with the audit key. A chain alone cannot tell that its last records were
 * cut off or that the file was emptied; the anchor can.
 *
 * Updated under the trail's lock after every record. The file holds two fixed-size slots (one line
 * each, padded, sector-aligned) written in turn in place: a reader takes the validly signed slot
 * with the highest count, so a torn write (crash, or a read during the write) leaves the previous
 * head, never a mix. In-place writes on a kept-open file cost microseconds; write-then-rename cost
 * milliseconds per record on ext4.
 */
import { createHash } from 'crypto';
import { closeSync, constants, mkdirSync, openSync, readFileSync, realpathSync, writeSync } from 'fs';
import * as path from 'path';
import type { AuditKey } from './auditKey';

export interface AuditAnchor {
  /** The trail this anchors (absolute path). */
  trail: string;
  /** Records in the trail up to and including the head (= the head's seq). */
  count: number;
  hash: string;
  kid: string;
  mac: string;
}

/** The trail's path as the anchor knows it: absolute, with its folder's links resolved. */
export function canonicalTrailPath(trail: string): string {
  const abs = path.resolve(trail);
  try {
    return path.join(realpathSync(path.dirname(abs)), path.basename(abs));
  } catch {
    return abs;
  }
}

export function anchorFile(home: string, trail: string): string {
  const name = createHash('sha256').update(canonicalTrailPath(trail)).digest('hex').slice(0, 32);
  return path.join(home, 'audit-anchors', `${name}.json`);
}

function anchorMac(key: AuditKey, a: Omit<AuditAnchor, 'mac'>): string {
  return key.mac(`sofa-ops audit anchor\0${JSON.stringify([a.trail, a.count, a.hash, a.kid])}`);
}

export type AnchorRead =
  | { state: 'missing' }
  | { state: 'unreadable'; message: string }
  /** `damaged`: slots that are not validly signed (edited, or a writer died mid-update). */
  | { state: 'ok'; anchor: AuditAnchor; damaged: string[] };

/** Reads and checks the anchor (its signature must match `key`): the newest validly signed slot. */
export function readAnchor(file: string, key: AuditKey | undefined): AnchorRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'unreadable', message: `cannot read the head anchor ${file}: ${(err as Error).message}` };
  }
  let best: AuditAnchor | undefined;
  const damaged: string[] = [];
  // A slot never written yet is a run of NUL bytes before the other slot's line.
  for (const line of text.split('\n')) {
    const slot = line.replace(/\0/g, '').trim();
    if (!slot) continue;
    const checked = checkSlot(slot, file, key);
    if (typeof checked === 'string') damaged.push(checked);
    else if (!best || checked.count > best.count) best = checked;
  }
  if (best) return { state: 'ok', anchor: best, damaged };
  return { state: 'unreadable', message: damaged[0] ?? `${file}:1: the head anchor is empty` };
}

function checkSlot(line: string, file: string, key: AuditKey | undefined): AuditAnchor | string {
  let a: AuditAnchor;
  try {
    a = JSON.parse(line) as AuditAnchor;
  } catch {
    return `${file}:1: the head anchor is not JSON (edited or corrupted)`;
  }
  if (typeof a?.count !== 'number' || typeof a.hash !== 'string' || typeof a.kid !== 'string' || typeof a.mac !== 'string') {
    return `${file}:1: the head anchor lacks count/hash/kid/mac (edited or corrupted)`;
  }
  if (!key || a.kid !== key.id) return `the head anchor ${file} is signed with another key (${a.kid}) than this user's audit key`;
  if (anchorMac(key, a) !== a.mac) return `${file}:1: the head anchor's signature does not match (edited)`;
  return a;
}

const SECTOR = 512;

/** Keeps one trail's anchor file open and writes each new head into the older of its two slots. */
export class AnchorWriter {
  private fd: number | undefined;
  /** The trail's canonical path. */
  readonly trail: string;
  private readonly slotSize: number;

  constructor(
    readonly file: string,
    trail: string,
    private readonly key: AuditKey,
  ) {
    this.trail = canonicalTrailPath(trail);
    // The longest slot this trail can have (largest count), rounded up to whole sectors.
    const longest = Buffer.byteLength(this.slot(Number.MAX_SAFE_INTEGER, 'f'.repeat(64)));
    this.slotSize = Math.ceil(longest / SECTOR) * SECTOR;
  }

  write(count: number, hash: string): void {
    const text = this.slot(count, hash);
    const buf = Buffer.alloc(this.slotSize, ' ');
    buf.write(text, 'utf8');
    buf[this.slotSize - 1] = 0x0a;
    writeSync(this.open(), buf, 0, buf.length, (count % 2) * this.slotSize);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private slot(count: number, hash: string): string {
    const body = { trail: this.trail, count, hash, kid: this.key.id };
    return JSON.stringify({ ...body, mac: anchorMac(this.key, body) });
  }

  private open(): number {
    if (this.fd !== undefined) return this.fd;
    const flags = constants.O_RDWR | constants.O_CREAT;
    try {
      this.fd = openSync(this.file, flags, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      this.fd = openSync(this.file, flags, 0o600);
    }
    return this.fd;
  }
}
