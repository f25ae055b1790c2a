/**
 * The audit trail: one JSON line per executed step, appended to a file in the workspace. Each
 * record carries the SHA-256 of the previous one, so `verify` notices an edited, deleted or
 * reordered record. Writers share a lock (fileLock.ts) so concurrent runs never interleave or fork
 * the chain; a record is one write() of a whole line, so a killed writer leaves at most a truncated
 * last line, which verify reports as such rather than as tampering.
 * Callers must pass commands already redacted (secrets as ***): nothing here knows what a secret is.
 */
import { createHash } from 'crypto';
import { closeSync, fstatSync, openSync, promises as fs, readSync, statSync, writeSync } from 'fs';
import * as os from 'os';
import { fileLock } from './fileLock';

export interface AuditEvent {
  /** What happened: "cell", "manual-step", "run-start", "run-end", … */
  kind: string;
  runbook?: string;
  cell?: string;
  /** Rendered command with secrets redacted. */
  command?: string;
  targets?: string[];
  /** Per-host outcome and exit code. */
  results?: Array<{ host: string; outcome: string; exitCode: number | null }>;
  durationMs?: number;
  /** SHA-256 of the combined output, so the record proves what was seen without storing it. */
  outputDigest?: string;
  note?: string;
}

export interface AuditRecord extends AuditEvent {
  seq: number;
  at: string;
  who: string;
  prev: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

/** Deterministic JSON (sorted keys) so the hash does not depend on property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonical(record)).digest('hex');
}

export function digestOutput(output: string | Buffer): string {
  return createHash('sha256').update(output).digest('hex');
}

export class AuditTrail {
  /** What this process last wrote: when the file has not changed since, no need to re-read its tail. */
  private last: { size: number; seq: number; hash: string } | undefined;
  /**
   * The trail stays open between the records of a run (closed after a short idle time): opening
   * it was the largest part of a record's cost. It is reopened whenever the path names another file
   * (rotated, removed, replaced).
   */
  private openFile: { fd: number; dev: number; ino: number; idle: NodeJS.Timeout } | undefined;

  constructor(
    readonly file: string,
    private readonly who: string = defaultWho(),
  ) {}

  /**
   * Appends one event; resolves with the record as written. The file work is a handful of small
   * synchronous calls under the lock: a runbook cell pays well under a millisecond for its record.
   */
  async append(event: AuditEvent): Promise<AuditRecord> {
    return fileLock(`${this.file}.lock`).run(() => {
      const { fd, size } = this.openForAppend();
      const ours = this.last?.size === size ? this.last : undefined;
      const last = ours ?? lastRecordSync(fd, size);
      const body: Omit<AuditRecord, 'hash'> = { ...event, seq: (last?.seq ?? 0) + 1, at: new Date().toISOString(), who: this.who, prev: last?.hash ?? GENESIS };
      const record: AuditRecord = { ...body, hash: hashRecord(body) };
      // A truncated line left by a killed writer must not swallow this record: start on a new line.
      const needsNewline = !ours && size > 0 && !endsWithNewlineSync(fd, size);
      const line = Buffer.from(`${needsNewline ? '\n' : ''}${JSON.stringify(record)}\n`);
      writeSync(fd, line);
      this.last = { size: size + line.length, seq: record.seq, hash: record.hash };
      return record;
    });
  }

  /** Gives the lock back and closes the trail now rather than after their idle times (end of a run). */
  close(): void {
    fileLock(`${this.file}.lock`).release();
    this.closeFile();
  }

  private closeFile(): void {
    if (!this.openFile) return;
    clearTimeout(this.openFile.idle);
    closeSync(this.openFile.fd);
    this.openFile = undefined;
  }

  /** The open trail and its current size (called under the lock). */
  private openForAppend(): { fd: number; size: number } {
    const onDisk = statSync(this.file, { throwIfNoEntry: false });
    if (this.openFile && onDisk && onDisk.ino === this.openFile.ino && onDisk.dev === this.openFile.dev) {
      this.openFile.idle.refresh();
      return { fd: this.openFile.fd, size: onDisk.size };
    }
    this.closeFile();
    const fd = openSync(this.file, 'a+', 0o600);
    const opened = fstatSync(fd);
    const idle = setTimeout(() => this.closeFile(), 2_000);
    idle.unref();
    this.openFile = { fd, dev: opened.dev, ino: opened.ino, idle };
    return { fd, size: opened.size };
  }
}

export interface VerifyReport {
  ok: boolean;
  records: number;
  problems: Array<{ line: number; message: string }>;
  /** A last line cut short by a killed writer: not tampering, but reported. */
  truncatedLastLine: boolean;
}

export async function verifyAuditTrail(file: string): Promise<VerifyReport> {
  const text = await fs.readFile(file, 'utf8');
  const lines = text.split('\n');
  const problems: VerifyReport['problems'] = [];
  let truncatedLastLine = false;
  let prev = GENESIS;
  let expectedSeq = 1;
  let records = 0;
  lines.forEach((line, index) => {
    if (line === '') return;
    const lineNo = index + 1;
    const isLast = lines.slice(index + 1).every((l) => l === '');
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
    } catch {
      if (isLast && !text.endsWith('\n')) truncatedLastLine = true;
      else problems.push({ line: lineNo, message: 'not a JSON record (edited or corrupted)' });
      return;
    }
    records++;
    const { hash, ...body } = record;
    if (hashRecord(body) !== hash) problems.push({ line: lineNo, message: `record ${record.seq} was modified (its hash does not match its content)` });
    if (record.prev !== prev) problems.push({ line: lineNo, message: `record ${record.seq} does not follow the previous record (a record was deleted, inserted or moved before it)` });
    if (record.seq !== expectedSeq) problems.push({ line: lineNo, message: `expected record ${expectedSeq}, found ${record.seq}` });
    prev = hash;
    expectedSeq = record.seq + 1;
  });
  return { ok: problems.length === 0 && !truncatedLastLine, records, problems, truncatedLastLine };
}

function endsWithNewlineSync(fd: number, size: number): boolean {
  const buf = Buffer.alloc(1);
  readSync(fd, buf, 0, 1, size - 1);
  return buf[0] === 0x0a;
}

/** The last complete record, reading only the file's tail. */
function lastRecordSync(fd: number, size: number): { seq: number; hash: string } | undefined {
  if (size === 0) return undefined;
  for (let window = 64 * 1024; ; window *= 4) {
    const start = Math.max(0, size - window);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    // The first line of a partial window may be cut; skip it unless the window is the file.
    for (let i = lines.length - 1; i >= (start === 0 ? 0 : 1); i--) {
      try {
        const record = JSON.parse(lines[i]) as AuditRecord;
        if (typeof record.hash === 'string') return record;
      } catch {
        // a truncated last line: keep looking backwards
      }
    }
    if (start === 0) return undefined;
  }
}

function defaultWho(): string {
  try {
    return `${os.userInfo().username}@${os.hostname()}`;
  } catch {
    return `uid-${process.getuid?.() ?? '?'}@${os.hostname()}`;
  }
}
