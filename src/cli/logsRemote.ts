/**
 * `sofa-ops logs scan --host SELECTOR --inventory FILE --log NAME`: the whole-file scan pushed to
 * each selected host (grep there, only matching lines travel; see core/logs/remoteScan), with the
 * same findings and output as a local scan. Loaded only when --host is given, so a local scan
 * does not pay for SSH.
 */
import type { LogFile } from '../core/catalog/types';
import { logOnHost } from '../core/logs/hostLogPath';
import type { LogCatalog } from '../core/logs/logCatalog';
import { compileLogMatcher } from '../core/logs/logMatcher';
import type { LogFinding, ScanTotals } from '../core/logs/logScanner';
import { scanRemoteLog } from '../core/logs/remoteScan';
import { openCliPool, selectCliHosts } from './cliSsh';
import type { CliIO } from './io';

export interface RemoteScanRequest {
  inventory: string;
  selector: string;
  knownHosts: string[];
  acceptNew: boolean;
  /** Catalog log id, file name, or path (absolute, or relative to the host's log root). */
  log: string;
  catalog: LogCatalog;
  signal?: AbortSignal;
}

export interface HostScan {
  /** `host:path`, the label findings are printed under. */
  label: string;
  host: string;
  path: string;
  logs: LogFile[];
}

/**
 * Scan the log on every selected host, one host after another (output stays grouped and in line
 * order). `onHost` returns where that host's findings go; `onTotals` gets each host's totals.
 * Returns 2 when the inventory or selector is bad or any host could not be scanned, else 0.
 */
export async function scanOnHosts(
  request: RemoteScanRequest,
  io: CliIO,
  onHost: (scan: HostScan) => ((finding: LogFinding) => void) | undefined,
  onTotals: (scan: HostScan, totals: ScanTotals) => void,
): Promise<number> {
  const selected = await selectCliHosts(io, request.inventory, request.selector);
  if (typeof selected === 'number') return selected;
  const pool = await openCliPool(io, { knownHosts: request.knownHosts, acceptNew: request.acceptNew });
  let failed = false;
  try {
    for (const [i, host] of selected.hosts.entries()) {
      if (request.signal?.aborted) break;
      const where = logOnHost(request.catalog, request.log, host);
      if (!where) {
        io.err(`sofa-ops: no catalog log "${request.log}"; give a log id, a file name the catalog knows, or a path\n`);
        return 2;
      }
      if (where.note) io.err(`sofa-ops: ${host.name}: ${where.note}\n`);
      const scan: HostScan = { label: `${host.name}:${where.path}`, host: host.name, path: where.path, logs: where.logs };
      const matcher = compileLogMatcher(request.catalog, where.logs);
      const target = selected.targets[i];
      try {
        const result = await scanRemoteLog((command, options) => pool.exec(target, command, options), where.path, matcher, { signal: request.signal, onFinding: onHost(scan) });
        onTotals(scan, result.totals);
      } catch (err) {
        failed = true;
        io.err(`sofa-ops: ${host.name}: ${(err as Error).message}\n`);
      }
    }
  } finally {
    pool.dispose();
  }
  return failed ? 2 : 0;
}
