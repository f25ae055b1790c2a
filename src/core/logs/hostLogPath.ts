/**
 * Where a catalog log lives on one inventory host. The catalog writes the guide's paths
 * (`/home/admin/logs/registry/common-error.log`, or `logs/tracelog/…` relative to the app's home);
 * a host whose `logRoot` is elsewhere (a demo container, a site with another layout) has the same
 * files under its own root.
 */
import * as path from 'path';
import type { LogFile } from '../catalog/types';
import { DEFAULT_LOG_ROOT } from '../inventory/inventory';
import { type LogCatalog, resolveLogs } from './logCatalog';

export function hostLogPath(catalogPath: string, logRoot: string = DEFAULT_LOG_ROOT): string {
  const p = path.posix;
  if (catalogPath === DEFAULT_LOG_ROOT || catalogPath.startsWith(`${DEFAULT_LOG_ROOT}/`)) {
    return p.join(logRoot, catalogPath.slice(DEFAULT_LOG_ROOT.length));
  }
  if (p.isAbsolute(catalogPath)) return catalogPath;
  // Relative catalog paths are relative to the app's home, whose logs folder is the log root.
  if (catalogPath === 'logs' || catalogPath.startsWith('logs/')) return p.join(p.dirname(logRoot), catalogPath);
  return p.join(logRoot, catalogPath);
}

export interface HostLog {
  /** Absolute path on the host. */
  path: string;
  /** The catalog log(s) it is (none: unknown to the catalog). */
  logs: LogFile[];
  /**
   * Set when a file name the catalog knows only for other components was looked for in the host's
   * own component's log folder instead (`common-error.log` on a registry session server): says so.
   */
  note?: string;
}

interface LogHost {
  logRoot: string;
  component?: string;
  groups?: string[];
}

function serves(log: LogFile, host: LogHost): boolean {
  return log.components.some((c) => c === host.component || host.groups?.includes(c));
}

/**
 * A log named by catalog id, file name or path, on `host`. A file name resolves through the host's
 * component: a name several catalog logs share (`common-error.log`) is narrowed to the logs of the
 * host's component; a name the catalog knows only for other components is not taken to be their
 * file (another product's path) but looked for in the folder where the host's component keeps its
 * logs. Returns undefined when a name (not a path) is unknown.
 */
export function logOnHost(catalog: LogCatalog, nameOrPath: string, host: LogHost): HostLog | undefined {
  const isPath = nameOrPath.includes('/');
  let logs = resolveLogs(catalog, nameOrPath);
  const byId = logs.length === 1 && logs[0].id === nameOrPath;
  const serving = logs.filter((l) => serves(l, host));
  if (serving.length) logs = serving;
  if (isPath) {
    const file = path.posix.isAbsolute(nameOrPath) ? nameOrPath : hostLogPath(nameOrPath, host.logRoot);
    return { path: file, logs };
  }
  if (!logs.length) return undefined;
  if (!serving.length && !byId) {
    const folder = componentLogFolder(catalog, host);
    if (folder) {
      const file = path.posix.join(folder, path.posix.basename(nameOrPath));
      const others = [...new Set(logs.flatMap((l) => l.components))].join(', ');
      return { path: file, logs: [], note: `the catalog lists ${nameOrPath} for ${others}, not for ${host.component ?? 'this host'}; reading ${file} from its own log folder` };
    }
  }
  return { path: hostLogPath(logs[0].path, host.logRoot), logs };
}

/** Where the host's component keeps most of its catalog logs (on this host), if it has any. */
export function componentLogFolder(catalog: LogCatalog, host: LogHost): string | undefined {
  const counts = new Map<string, number>();
  for (const log of catalog.logs) {
    if (!serves(log, host)) continue;
    const folder = path.posix.dirname(hostLogPath(log.path, host.logRoot));
    counts.set(folder, (counts.get(folder) ?? 0) + 1);
  }
  let best: string | undefined;
  for (const [folder, n] of counts) if (best === undefined || n > counts.get(best)!) best = folder;
  return best;
}
