/** A RemoteExec that runs the command with the local `sh`: the remote-log commands, tested without SSH. */
import { spawn } from 'child_process';
import type { ExecOptions, ExecResult } from '../../../../src/core/ssh/remoteExec';

export const commandsRun: string[] = [];

export function localExec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
  commandsRun.push(command);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let cancelled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (options.onStdout) options.onStdout(chunk);
      else stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      options.onStderr?.(chunk);
      stderr += chunk.toString('utf8');
    });
    const onAbort = () => {
      cancelled = true;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({
        outcome: cancelled ? 'cancelled' : code === 0 ? 'ok' : 'exit',
        exitCode: code,
        signal,
        stdout,
        stderr,
        stdoutDropped: 0,
        stderrDropped: 0,
        durationMs: Date.now() - started,
      });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}
