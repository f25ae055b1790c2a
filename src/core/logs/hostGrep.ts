/**
 * One grep on many hosts at once (the CLI's `logs grep` and the editor's "Search Logs Across
 * Hosts…"): the log is resolved on each host through its component and logRoot, the grep runs
 * there (logGrep.ts), and each host's result comes back whole, with a reason when the host could
 * not be searched.
 */
import type { InventoryHost } from '../inventory/inventory';
import type { ExecOptions, ExecResult } from '../ssh/remoteExec';
import { stderrReason } from '../ssh/stderrReason';
import type { SshTarget } from '../ssh/types';
import { logOnHost } from './hostLogPath';
import type { LogCatalog } from './logCatalog';
import { type GrepFile, type GrepQuery, GrepOutputParser, grepStdin, logGrepCommand } from './logGrep';

export type HostExec = (target: SshTarget, command: string, options?: ExecOptions) => Promise<ExecResult>;

export interface HostGrepResult {
  host: string;
  /** The log's path on the host (the current file; rotated files are in `files`). */
  path?: string;
  files: GrepFile[];
  matches: number;
  skipped: string[];
  /** Set when the host could not be searched: why. */
  error?: string;
  /** How a file name was resolved when it was not the catalog's for this host (see HostLog.note). */
  note?: string;
  /** Bytes that crossed the network. */
  transferred: number;
  durationMs: number;
}

export interface HostGrepOptions {
  /** Catalog log id, file name or path (absolute, or relative to the host's logRoot). */
  log: string;
  query: GrepQuery;
  parallel?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Each host's result as soon as it is known (in completion order). */
  onHost?: (result: HostGrepResult, index: number) => void;
}

/** Results in the order of `hosts`. */
export async function grepOnHosts(exec: HostExec, catalog: LogCatalog, hosts: readonly InventoryHost[], targets: readonly SshTarget[], options: HostGrepOptions): Promise<HostGrepResult[]> {
  const results: HostGrepResult[] = new Array(hosts.length);
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const index = next++;
      results[index] = await grepOneHost(exec, catalog, hosts[index], targets[index], options);
      options.onHost?.(results[index], index);
    }
  };
  const parallel = Math.max(1, Math.min(options.parallel ?? 64, hosts.length));
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

async function grepOneHost(exec: HostExec, catalog: LogCatalog, host: InventoryHost, target: SshTarget, options: HostGrepOptions): Promise<HostGrepResult> {
  const started = Date.now();
  const base: HostGrepResult = { host: host.name, files: [], matches: 0, skipped: [], transferred: 0, durationMs: 0 };
  if (host.notSsh) return { ...base, error: host.notSsh };
  const where = logOnHost(catalog, options.log, host);
  if (!where) return { ...base, error: `no catalog log "${options.log}" for this host; give a log id, a file name the catalog knows, or a path` };
  const parser = new GrepOutputParser();
  let transferred = 0;
  const result = await exec(target, logGrepCommand(where.path, options.query), {
    stdin: grepStdin(options.query),
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    maxBufferBytes: 0,
    onStdout: (chunk) => {
      transferred += chunk.length;
      parser.push(chunk);
    },
  });
  const output = parser.end();
  const done = { ...base, path: where.path, ...(where.note ? { note: where.note } : {}), files: output.files, skipped: output.skipped, matches: parser.matches, transferred, durationMs: Date.now() - started };
  // grep's 1 is "no match"; 2 is an error (unreadable file…), the reason is on stderr.
  if (result.outcome === 'ok' || (result.outcome === 'exit' && result.exitCode === 1)) return done;
  if (result.outcome !== 'exit') return { ...done, error: result.message ?? `${result.outcome} searching ${where.path}` };
  const reason = stderrReason(result.stderr);
  return { ...done, error: reason ?? `grep failed on ${where.path} (exit code ${result.exitCode})` };
}
