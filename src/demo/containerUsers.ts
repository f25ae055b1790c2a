/**
 * Whose host uid a demo container runs as. Without root, a container's root is the user who runs
 * the demo (an unprivileged user namespace maps only that uid), so it can do no more than that
 * user. With root, mapping the container's root to the caller would make every demo shell host
 * root (read /etc/shadow, write any file): instead each container gets its own unprivileged host
 * uid and gid, from a block nobody on this machine uses, and its own files are handed to it.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface HostIds {
  uid: number;
  gid: number;
}

/**
 * First candidate block: in the range systemd's UID/GID conventions (UIDS-GIDS.md) leave unused
 * (1879048192–2147352575), away from useradd's subordinate ranges (100000…) and systemd-nspawn's
 * container ranges (524288–1879048191). A block that is taken is skipped.
 */
const FIRST_BASE = 0x705f_0000;
const BLOCK = 0x1_0000;
const TRIES = 16;

/** undefined when not root (nothing to do); otherwise `count` distinct free uid/gid pairs. */
export function containerHostIds(count: number, root = process.getuid?.() === 0): HostIds[] | undefined {
  if (!root) return undefined;
  const taken = takenIds();
  for (let i = 0; i < TRIES; i++) {
    const base = FIRST_BASE + i * BLOCK;
    const end = base + count;
    const clash = taken.some(([lo, hi]) => lo < end && base < hi);
    if (!clash) return Array.from({ length: count }, (_, n) => ({ uid: base + n, gid: base + n }));
  }
  throw new Error(`no free block of ${count} uids/gids for the demo containers near ${FIRST_BASE} (all ${TRIES} candidates are used by users, groups, /etc/subuid, /etc/subgid or running processes)`);
}

/** [from, to) ranges of ids in use: accounts, groups, delegated subordinate ranges, live processes. */
function takenIds(): [number, number][] {
  const ranges: [number, number][] = [];
  for (const file of ['/etc/passwd', '/etc/group']) {
    for (const line of readLines(file)) {
      const id = Number(line.split(':')[2]);
      if (Number.isInteger(id)) ranges.push([id, id + 1]);
    }
  }
  for (const file of ['/etc/subuid', '/etc/subgid']) {
    for (const line of readLines(file)) {
      const [, start, count] = line.split(':').map(Number);
      if (Number.isInteger(start) && Number.isInteger(count)) ranges.push([start, start + count]);
    }
  }
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    // no /proc: accounts and ranges only
  }
  for (const pid of pids) {
    let status = '';
    try {
      status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    for (const m of status.matchAll(/^(?:Uid|Gid):\s+(.*)$/gm)) {
      for (const id of m[1].split(/\s+/).map(Number)) ranges.push([id, id + 1]);
    }
  }
  return ranges;
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  } catch {
    return [];
  }
}

/** Gives a container its own files (its directory under .demo/containers), recursively. */
export function handOver(dir: string, ids: HostIds): void {
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.uid !== ids.uid || st.gid !== ids.gid) fs.lchownSync(p, ids.uid, ids.gid);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
}

/**
 * The first directory on the way to `file` that `ids` may not enter (or `file` itself when it is not
 * readable), or undefined when the path is open to them. Mode bits only (no ACLs), as the kernel
 * checks them for a user that is neither root nor the owner of anything outside its own files.
 */
export function blockedOnTheWay(file: string, ids: HostIds, want: 'read' | 'exec' = 'read'): string | undefined {
  const abs = path.resolve(file);
  const parts = abs.split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (let i = 0; i <= parts.length; i++) {
    let st: fs.Stats;
    try {
      st = fs.statSync(current);
    } catch {
      return current;
    }
    const last = i === parts.length;
    const bits = !last ? 1 : want === 'exec' ? 5 : 4;
    const granted = st.uid === ids.uid ? (st.mode >> 6) & 7 : st.gid === ids.gid ? (st.mode >> 3) & 7 : st.mode & 7;
    if ((granted & bits) !== bits) return current;
    if (!last) current = path.join(current, parts[i]);
  }
  return undefined;
}
