/**
 * Names of the demo's own files inside its folder, shared by the site (workspace.ts) and by what
 * talks to a running site from outside (demoLauncher.ts, the editor), without loading the site.
 */
import * as path from 'path';

/** DIR/.demo: the site's state (host keys, lock, containers). */
export function demoStateDir(dir: string): string {
  return path.join(dir, '.demo');
}

/** The lock file: the pid of the demo running from DIR. */
export function demoLockFile(dir: string): string {
  return path.join(demoStateDir(dir), 'demo.pid');
}

/** The file a running demo takes new faults from (see `sofa-ops demo --help`). */
export function demoFaultsFile(dir: string): string {
  return path.join(demoStateDir(dir), 'faults');
}
