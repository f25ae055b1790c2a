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
 */
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, symlinkSync, unlinkSync, writeSync } from 'fs';
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
    let owner: number | undefined;
    let ageMs = 0;
    try {
      owner = ownerOf(lockFile);
      ageMs = Date.now() - lstatSync(lockFile).mtimeMs;
    } catch {
      continue; // released between our attempt and the look: try again
    }
    // A dead owner's lock is taken over; so is an empty one that stayed empty (its writer died
    // between creating the file and writing its pid).
    if ((owner && !isAlive(owner)) || (!owner && ageMs > 5_000)) {
      removeLockFile(lockFile);
      continue;
    }
    if (Date.now() > deadline) throw new Error(`audit trail is locked by process ${owner || '?'} (${lockFile})`);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
  }
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
