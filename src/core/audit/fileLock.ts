/**
 * A lock shared by the processes that append to one audit trail (CLI runs, editor windows, cron).
 *
 * On disk it is a symbolic link next to the trail whose target is the owner's pid: made in one
 * atomic call, and a lock whose owner died is taken over. Where links cannot be made (Windows
 * without developer mode) it is a file created with O_EXCL holding the pid.
 *
 * Making and removing the link was the largest cost of a runbook cell's audit record, so a holder
 * keeps it for a short lease: records that follow each other within LINGER_MS reuse it, and it is
 * never kept longer than LEASE_MS, so another writer waits a fraction of a second at most. Within
 * one process, writers queue instead of polling the disk.
 *
 * Taking over a dead owner's lock is itself guarded: removing "the stale lock" by name let two
 * waiters that both saw the same dead owner remove each other's fresh lock and both win (a forked
 * chain). A waiter now removes the stale lock only while holding a takeover guard named after that
 * lock file's identity (inode and change time), and only after seeing, under the guard, that the
 * same file is still there and its owner still dead. One stale file, one guard, one remover.
 */
import { type BigIntStats, closeSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, symlinkSync, unlinkSync, writeSync } from 'fs';
import * as path from 'path';

const LINGER_MS = 20;
const LEASE_MS = 100;
const WAIT_LIMIT_MS = 30_000;

export class FileLock {
  private held = false;
  private acquiredAt = 0;
  private releaseTimer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  /** Runs `body` holding the lock; bodies of one process run one at a time, in call order. */
  run<T>(body: () => T): Promise<T> {
    const result = this.queue.then(async () => {
      clearTimeout(this.releaseTimer);
      // Still ours? (someone may have removed the folder, or the link by hand)
      if (this.held && ownerOf(this.file) !== process.pid) this.held = false;
      if (!this.held) {
        await acquire(this.file);
        this.held = true;
        this.acquiredAt = Date.now();
        heldLocks.add(this);
      }
      try {
        return body();
      } finally {
        if (Date.now() - this.acquiredAt >= LEASE_MS) this.release();
        else {
          this.releaseTimer = setTimeout(() => this.release(), LINGER_MS);
          this.releaseTimer.unref();
        }
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Gives the lock up now (end of a run, process exit). */
  release(): void {
    clearTimeout(this.releaseTimer);
    if (!this.held) return;
    this.held = false;
    heldLocks.delete(this);
    if (ownerOf(this.file) === process.pid) removeLockFile(this.file);
  }
}

/** One lock object per lock file in this process, so every writer of a trail shares its queue. */
const locks = new Map<string, FileLock>();
export function fileLock(file: string): FileLock {
  const key = path.resolve(file);
  let lock = locks.get(key);
  if (!lock) locks.set(key, (lock = new FileLock(key)));
  return lock;
}

// A lease still held when the process exits is given back, not left for the next writer to judge stale.
const heldLocks = new Set<FileLock>();
process.once('exit', () => {
  for (const lock of heldLocks) lock.release();
});

async function acquire(lockFile: string): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    try {
      createLockFile(lockFile);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        // First record in this folder (made here, not checked before every record).
        mkdirSync(path.dirname(lockFile), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw err;
    }
    const seen = lookAt(lockFile);
    if (!seen) continue; // released between our attempt and the look: try again
    if (seen.stale && removeStale(lockFile, seen.stat)) continue;
    if (Date.now() > deadline) throw new Error(`audit trail is locked by process ${seen.owner || '?'} (${lockFile})`);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
  }
}

interface LockLook {
  stat: BigIntStats;
  owner: number;
  /** Its owner is dead, or it stayed empty (its writer died between creating it and writing its pid). */
  stale: boolean;
}

/**
 * One consistent look at a lock file: its identity, owner and staleness, all of the same file (the
 * identity is read before and after the owner; a file replaced in between gives no answer).
 */
function lookAt(lockFile: string): LockLook | undefined {
  try {
    const before = lstatSync(lockFile, { bigint: true });
    const owner = ownerOf(lockFile);
    const after = lstatSync(lockFile, { bigint: true });
    if (owner === undefined || !sameFile(before, after)) return undefined;
    const ageMs = Date.now() - Number(after.mtimeMs);
    return { stat: after, owner, stale: owner ? !isAlive(owner) : ageMs > 5_000 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.ctimeNs === b.ctimeNs;
}

/**
 * Removes the stale lock file seen as `seen`, if this process wins its takeover guard; returns
 * whether the caller should try to create the lock again at once (false: someone else is on it,
 * wait). A guard whose own holder died is taken over the same way, one level up.
 */
function removeStale(file: string, seen: BigIntStats): boolean {
  const guard = `${file}.takeover-${seen.dev}-${seen.ino}-${seen.ctimeNs}`;
  try {
    createLockFile(guard);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true; // the folder went away: the caller makes it again
    if (code !== 'EEXIST') throw err;
    const holder = lookAt(guard);
    if (holder?.stale) removeStale(guard, holder.stat);
    return false;
  }
  try {
    // Under the guard nobody else may remove this file, and a dead owner stays dead: if it is still
    // the file we judged, removing it removes exactly that file.
    const now = lookAt(file);
    if (now?.stale && sameFile(now.stat, seen)) removeLockFile(file);
  } finally {
    removeLockFile(guard);
  }
  return true;
}

let linksWork = true;
function createLockFile(lockFile: string): void {
  if (linksWork) {
    try {
      symlinkSync(String(process.pid), lockFile);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'ENOSYS' && code !== 'ENOTSUP') throw err;
      linksWork = false;
    }
  }
  const fd = openSync(lockFile, 'wx', 0o600);
  writeSync(fd, String(process.pid));
  closeSync(fd);
}

/** The owner's pid; 0 for a lock file whose pid is not written yet; undefined when there is no lock. */
function ownerOf(lockFile: string): number | undefined {
  try {
    return Number(readlinkSync(lockFile));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code !== 'EINVAL') throw err;
    return Number(readFileSync(lockFile, 'utf8')); // a lock file, not a link
  }
}

function removeLockFile(lockFile: string): void {
  try {
    unlinkSync(lockFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
