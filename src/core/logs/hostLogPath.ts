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
}

/**
 * A log named by catalog id, file name or path, on a host serving `component`. A name several
 * catalog logs share (`common-error.log`) is narrowed to the host's component when that decides it.
 * Returns undefined when a name (not a path) is unknown.
 */
export function logOnHost(catalog: LogCatalog, nameOrPath: string, host: { logRoot: string; component?: string; groups?: string[] }): HostLog | undefined {
  const isPath = nameOrPath.includes('/');
  let logs = resolveLogs(catalog, nameOrPath);
  if (logs.length > 1) {
    const serving = logs.filter((l) => l.components.some((c) => c === host.component || host.groups?.includes(c)));
    if (serving.length) logs = serving;
  }
  if (isPath) {
    const file = path.posix.isAbsolute(nameOrPath) ? nameOrPath : hostLogPath(nameOrPath, host.logRoot);
    return { path: file, logs };
  }
  if (!logs.length) return undefined;
  return { path: hostLogPath(logs[0].path, host.logRoot), logs };
}
