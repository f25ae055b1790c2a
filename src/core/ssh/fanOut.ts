/**
 * One command on many targets: a concurrency cap, a per-host outcome that tells unreachable from
 * auth failure from host-key refusal from timeout, and identical outputs grouped so fifty healthy
 * hosts read as one line. A hung or dead host only costs its own timeout.
 */
import type { ExecOptions, ExecResult } from './remoteExec';
import type { SshPool } from './sshPool';
import type { SshTarget } from './types';

export interface HostResult extends ExecResult {
  target: SshTarget;
}

export interface FanOutOptions extends Omit<ExecOptions, 'onStdout' | 'onStderr'> {
  parallel?: number;
  /** Called as each host finishes, for progress display. */
  onResult?: (result: HostResult) => void;
  onOutput?: (target: SshTarget, stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

export async function fanOut(pool: SshPool, targets: SshTarget[], command: string | ((target: SshTarget) => string), options: FanOutOptions = {}): Promise<HostResult[]> {
  const results: HostResult[] = new Array(targets.length);
  const parallel = Math.max(1, options.parallel ?? 32);
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const target = targets[index];
      const result = await pool.exec(target, typeof command === 'function' ? command(target) : command, {
        ...options,
        onStdout: options.onOutput && ((chunk) => options.onOutput!(target, 'stdout', chunk)),
        onStderr: options.onOutput && ((chunk) => options.onOutput!(target, 'stderr', chunk)),
      });
      results[index] = { ...result, target };
      options.onResult?.(results[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, targets.length) }, worker));
  return results;
}

export interface ResultGroup {
  outcome: HostResult['outcome'];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  message?: string;
  /** The SSH failure behind `message`, when there is one (its text can be made in any language). */
  error?: HostResult['error'];
  hosts: string[];
}

/** Groups hosts whose outcome, exit code and output are identical, largest group first. */
export function groupResults(results: HostResult[]): ResultGroup[] {
  const groups = new Map<string, ResultGroup>();
  for (const r of results) {
    const key = JSON.stringify([r.outcome, r.exitCode, r.stdout, r.stderr, r.outcome === 'ok' || r.outcome === 'exit' ? '' : r.message]);
    const group = groups.get(key);
    if (group) group.hosts.push(r.target.name);
    else groups.set(key, { outcome: r.outcome, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, message: r.message, error: r.error, hosts: [r.target.name] });
  }
  return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length);
}
