/**
 * The audit trail: one JSON line per executed step, appended to a file in the workspace. Each
 * record is signed with HMAC-SHA256 under this user's audit key (auditKey.ts, kept outside the
 * workspace) and carries the previous record's signature, so `verify` notices an edited, deleted,
 * reordered or inserted record, and a record made without the key. After each record the trail's
 * head (count and last signature) is written to an anchor outside the workspace (auditAnchor.ts),
 * so cutting off the last records or emptying the file is noticed too. Optionally each record is
 * also sent to a syslog collector (syslogForwarder.ts) so a copy lives off the host.
 *
 * Writers share a lock (fileLock.ts) so concurrent runs never interleave or fork the chain; a
 * record is one write() of a whole line, so a killed writer leaves at most a truncated last line,
 * which verify reports as such rather than as tampering.
 * Trails written before records were signed (plain SHA-256 chain) still verify their chain, but are
 * reported as unkeyed: anyone can recompute such hashes, so they prove nothing against an edit.
 * Callers must pass commands already redacted (secrets as ***): nothing here knows what a secret is.
 */
import { createHash } from 'crypto';
import { closeSync, fstatSync, openSync, promises as fs, readFileSync, readSync, statSync, writeSync } from 'fs';
import * as os from 'os';
import { productHome } from '../ssh/targets';
import { type AnchorRead, AnchorWriter, anchorFile, canonicalTrailPath, readAnchor } from './auditAnchor';
import { type AuditKey, auditKeyFile, loadAuditKey } from './auditKey';
import { fileLock } from './fileLock';
import { formatRfc5424, parseSyslogTarget, SyslogForwarder, type SyslogTarget } from './syslogForwarder';

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
  /** Id of the audit key that signed the record; absent in records written before records were signed. */
  kid?: string;
  /** HMAC-SHA256 of the record under the key `kid` (plain SHA-256 in unsigned records). */
  hash: string;
}

export interface AuditTrailOptions {
  /** Where the audit key and anchors live (default: the product home, ~/.sofa-ops or $SOFA_OPS_HOME). */
  home?: string;
  /** Also send each record to this syslog collector: `tcp://host:port`, `udp://host:port`, or parsed. */
  syslog?: string | SyslogTarget;
  /** Told once when records stop reaching the collector (default: a process warning). */
  onForwardError?: (message: string) => void;
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

/** The plain SHA-256 of an unsigned record (trails written before records were signed). */
export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(canonical(record)).digest('hex');
}

function signRecord(key: AuditKey, record: Omit<AuditRecord, 'hash'>): string {
  return key.mac(`sofa-ops audit record\0${canonical(record)}`);
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
  private key: AuditKey | undefined;
  private anchor: AnchorWriter | undefined;
  private forwarder: SyslogForwarder | undefined;
  private readonly home: string;
  private readonly syslog: SyslogTarget | undefined;

  /** Throws (with the reason) only for an invalid `options.syslog`; the key is read at the first record. */
  constructor(
    readonly file: string,
    private readonly who: string = defaultWho(),
    private readonly options: AuditTrailOptions = {},
  ) {
    this.home = options.home ?? productHome();
    this.syslog = typeof options.syslog === 'string' ? parseSyslogTarget(options.syslog) : options.syslog;
  }

  /**
   * Appends one event; resolves with the record as written. The file work is a handful of small
   * synchronous calls under the lock: a runbook cell pays well under a millisecond for its record.
   */
  async append(event: AuditEvent): Promise<AuditRecord> {
    return fileLock(`${this.file}.lock`).run(() => {
      // The key first: a key that cannot be used must stop the run before any record (or cell).
      const key = (this.key ??= loadAuditKey(auditKeyFile(this.home), true)!);
      const { fd, size } = this.openForAppend();
      const anchor = (this.anchor ??= new AnchorWriter(anchorFile(this.home, this.file), this.file, key));
      const ours = this.last?.size === size ? this.last : undefined;
      let last = ours ?? lastRecordSync(fd, size);
      if (!ours) {
        // Records cut off the end (or a removed or emptied file) leave a gap the next record does not
        // paper over: it follows the anchored head, so verify still shows what is missing.
        const read = readAnchor(anchor.file, key);
        if (read.state === 'ok' && read.anchor.trail === anchor.trail && read.anchor.count > (last?.seq ?? 0)) {
          last = { seq: read.anchor.count, hash: read.anchor.hash };
        }
      }
      const body: Omit<AuditRecord, 'hash'> = { ...event, seq: (last?.seq ?? 0) + 1, at: new Date().toISOString(), who: this.who, prev: last?.hash ?? GENESIS, kid: key.id };
      const record: AuditRecord = { ...body, hash: signRecord(key, body) };
      // A truncated line left by a killed writer must not swallow this record: start on a new line.
      const needsNewline = !ours && size > 0 && !endsWithNewlineSync(fd, size);
      const json = JSON.stringify(record);
      const line = Buffer.from(`${needsNewline ? '\n' : ''}${json}\n`);
      writeSync(fd, line);
      this.last = { size: size + line.length, seq: record.seq, hash: record.hash };
      anchor.write(record.seq, record.hash);
      if (this.syslog) {
        this.forwarder ??= new SyslogForwarder(this.syslog, this.options.onForwardError ?? ((m) => process.emitWarning(m)));
        this.forwarder.send(formatRfc5424(record, json, anchor.trail));
      }
      return record;
    });
  }

  /** Gives the lock back and closes the trail now rather than after their idle times (end of a run). */
  close(): void {
    fileLock(`${this.file}.lock`).release();
    this.closeFile();
    this.forwarder?.close();
    this.forwarder = undefined;
  }

  private closeFile(): void {
    this.anchor?.close();
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
  /** Every record signed with this user's key, the chain unbroken, the head matching its anchor. */
  ok: boolean;
  records: number;
  /** Line 0: the trail as a whole (key, anchor). */
  problems: Array<{ line: number; message: string }>;
  /** A last line cut short by a killed writer: not tampering, but reported. */
  truncatedLastLine: boolean;
  /** Records written before records were signed: their chain is checked but proves nothing. */
  unkeyed: number;
  /** ok: the head matches its anchor; missing: no anchor for this trail here; bad: unusable anchor. */
  anchor: 'ok' | 'missing' | 'bad';
  /** Things that are not tampering (e.g. records after the anchored head by a writer stopped in between). */
  notes: string[];
  keyFile: string;
}

export async function verifyAuditTrail(file: string, options: { home?: string } = {}): Promise<VerifyReport> {
  const home = options.home ?? productHome();
  const keyFile = auditKeyFile(home);
  const key = loadAuditKey(keyFile, false);
  const { text, read, notes } = await readConsistently(file, key ? anchorFile(home, file) : undefined, key);
  const lines = text.split('\n');
  const problems: VerifyReport['problems'] = [];
  let truncatedLastLine = false;
  let prev = GENESIS;
  let expectedSeq = 1;
  let records = 0;
  let unkeyed = 0;
  let signed = 0;
  let lastSeq = 0;
  const bySeq = new Map<number, { hash: string; line: number }>();
  lines.forEach((line, index) => {
    if (line === '') return;
    const lineNo = index + 1;
    const isLast = lines.slice(index + 1).every((l) => l === '');
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
      if (!record || typeof record !== 'object' || typeof record.hash !== 'string') throw new Error('not a record');
    } catch {
      if (isLast && !text.endsWith('\n')) truncatedLastLine = true;
      else problems.push({ line: lineNo, message: 'not a JSON record (edited or corrupted)' });
      return;
    }
    records++;
    const { hash, ...body } = record;
    if (record.kid === undefined) {
      if (signed > 0) problems.push({ line: lineNo, message: `record ${record.seq} is not signed but follows signed records: added without the audit key` });
      else {
        unkeyed++;
        if (hashRecord(body) !== hash) problems.push({ line: lineNo, message: `record ${record.seq} was modified (its hash does not match its content)` });
      }
    } else {
      signed++;
      if (key && record.kid === key.id) {
        if (signRecord(key, body) !== hash) problems.push({ line: lineNo, message: `record ${record.seq} was modified or made without the audit key (its signature does not match its content)` });
      } else if (key) {
        problems.push({ line: lineNo, message: `record ${record.seq} is signed with another audit key (${record.kid}) than this user's (${key.id}): verify it as the user who wrote it` });
      }
    }
    if (record.prev !== prev) problems.push({ line: lineNo, message: `record ${record.seq} does not follow the previous record (a record was deleted, inserted or moved before it)` });
    if (record.seq !== expectedSeq) problems.push({ line: lineNo, message: `expected record ${expectedSeq}, found ${record.seq}` });
    if (typeof record.seq === 'number') {
      bySeq.set(record.seq, { hash, line: lineNo });
      lastSeq = record.seq;
    }
    prev = hash;
    expectedSeq = record.seq + 1;
  });
  if (!key && signed > 0) problems.push({ line: 0, message: `there is no audit key at ${keyFile}: the ${signed} signed record(s) cannot be checked here (verify as the user who wrote them)` });

  let anchor: VerifyReport['anchor'] = 'missing';
  if (read.state === 'ok' && read.damaged.length) {
    anchor = 'bad';
    for (const message of read.damaged) problems.push({ line: 0, message });
  }
  if (read.state === 'unreadable') {
    anchor = 'bad';
    problems.push({ line: 0, message: read.message });
  } else if (read.state === 'ok') {
    const head = read.anchor;
    if (head.trail !== canonicalTrailPath(file)) {
      anchor = 'bad';
      problems.push({ line: 0, message: `the head anchor ${anchorFile(home, file)} belongs to ${head.trail}, not to this trail` });
    } else {
      if (anchor !== 'bad') anchor = 'ok';
      const atHead = bySeq.get(head.count);
      if (lastSeq < head.count) {
        problems.push({ line: 0, message: records === 0 ? `the trail is empty, but its head anchor says ${head.count} record(s) were written: emptied or replaced` : `the trail ends at record ${lastSeq}, but its head anchor says ${head.count} records were written: record(s) ${lastSeq + 1}–${head.count} were removed` });
      } else if (atHead && atHead.hash !== head.hash) {
        problems.push({ line: atHead.line, message: `record ${head.count} is not the record the head anchor names (rewritten)` });
      } else if (lastSeq > head.count) {
        notes.push(`${lastSeq - head.count} record(s) after the anchored head (record ${head.count}): written by another user, or by a writer stopped between its record and its anchor; they are checked by their signatures`);
      }
    }
  } else if (key && records > 0 && unkeyed < records) {
    problems.push({ line: 0, message: `no head anchor for this trail in ${anchorFile(home, file)}: records cut off its end cannot be ruled out (was the trail moved, or written by another user?)` });
  } else if (records === 0) {
    problems.push({ line: 0, message: 'no records and no head anchor: nothing to verify' });
  }
  const ok = problems.length === 0 && !truncatedLastLine && unkeyed === 0 && anchor === 'ok';
  return { ok, records, problems, truncatedLastLine, unkeyed, anchor, notes, keyFile };
}

/**
 * The trail and its anchor as of one moment: read under the writers' lock, so a record being
 * appended meanwhile is never seen in one and not the other. A trail whose lock cannot be made
 * (a read-only copy) is read without it, which is said in a note.
 */
async function readConsistently(file: string, anchorPath: string | undefined, key: AuditKey | undefined): Promise<{ text: string; read: AnchorRead; notes: string[] }> {
  const read = (): { text: string; read: AnchorRead } => ({
    text: readFileSync(file, 'utf8'),
    read: anchorPath ? readAnchor(anchorPath, key) : { state: 'missing' },
  });
  await fs.stat(file); // a missing trail is an error of its own, before any lock folder is made
  const lock = fileLock(`${file}.lock`);
  try {
    return { ...(await lock.run(read)), notes: [] };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw err;
    return { ...read(), notes: [`read without the writers' lock (${code}): a record appended while reading could show as a mismatch`] };
  } finally {
    lock.release();
  }
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
