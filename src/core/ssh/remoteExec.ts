/**
 * Runs one command on an open connection: streams stdout/stderr, keeps at most a bounded amount
 * in memory (the rest can go to a file), and on timeout or cancel stops the *remote* process
 * (TERM, then KILL to its process group via the SSH signal request), not just the channel.
 */
import { createWriteStream, type WriteStream } from 'fs';
import type { ClientChannel } from 'ssh2';
import type { SshConnection } from './sshConnection';
import { SshError } from './sshErrors';
import type { ExecOutcome } from './types';

export interface ExecOptions {
  /** Milliseconds; 0 or undefined = no limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Bytes kept in memory per stream (default 1 MiB); output beyond it is counted, not kept. */
  maxBufferBytes?: number;
  /** Also write the complete stdout here (for huge outputs the user wants to keep). */
  fullOutputFile?: string;
  /** Data written to the command's stdin, then EOF. */
  stdin?: string | Buffer;
  /** Grace period between TERM and KILL on cancel/timeout. */
  killGraceMs?: number;
}

export interface ExecResult {
  outcome: ExecOutcome;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Bytes not kept in memory because of maxBufferBytes. */
  stdoutDropped: number;
  stderrDropped: number;
  durationMs: number;
  /** For failures before or around the command: what went wrong, in one line. */
  message?: string;
}

const DEFAULT_MAX_BUFFER = 1024 * 1024;

class BoundedBuffer {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  dropped = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    const room = this.limit - this.kept;
    if (room >= chunk.length) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
    } else {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.kept += Math.max(room, 0);
      this.dropped += chunk.length - Math.max(room, 0);
    }
  }
  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.dropped ? `${text}\n[… ${this.dropped} more bytes not kept]` : text;
  }
}

export async function runOnConnection(connection: SshConnection, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const started = Date.now();
  const name = connection.target.name;
  if (options.signal?.aborted) {
    return failure('cancelled', `cancelled before running on ${name}`, started);
  }
  const { channel, exit } = await connection.openExec(command);
  return new Promise<ExecResult>((resolve) => {
    const stdout = new BoundedBuffer(options.maxBufferBytes ?? DEFAULT_MAX_BUFFER);
    const stderr = new BoundedBuffer(options.maxBufferBytes ?? DEFAULT_MAX_BUFFER);
    let file: WriteStream | undefined;
    if (options.fullOutputFile) file = createWriteStream(options.fullOutputFile, { mode: 0o600 });
    let stoppedAs: 'timeout' | 'cancelled' | undefined;
    const timers: NodeJS.Timeout[] = [];

    channel.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onStdout?.(chunk);
      // Respect the disk: pause the SSH window while the file catches up, so memory stays flat.
      if (file && !file.write(chunk)) {
        channel.pause();
        file.once('drain', () => channel.resume());
      }
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.onStderr?.(chunk);
    });

    let settled = false;
    const stop = (why: 'timeout' | 'cancelled') => {
      if (stoppedAs) return;
      stoppedAs = why;
      stopRemote(channel, options.killGraceMs ?? 1500, timers, () => {
        abandoned = true;
        channel.emit('close');
      });
    };
    let abandoned = false;
    const onAbort = () => stop('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs) timers.push(setTimeout(() => stop('timeout'), options.timeoutMs));

    channel.on('close', () => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      options.signal?.removeEventListener('abort', onAbort);
      const finish = () => {
        const { code: exitCode, signal: exitSignal } = exit;
        const outcome: ExecOutcome = stoppedAs ?? (exitCode === 0 ? 'ok' : exitCode === null && exitSignal === null && !connection.isOpen ? 'unreachable' : 'exit');
        resolve({
          outcome,
          exitCode,
          signal: exitSignal,
          stdout: stdout.text(),
          stderr: stderr.text(),
          stdoutDropped: stdout.dropped,
          stderrDropped: stderr.dropped,
          durationMs: Date.now() - started,
          message:
            abandoned ? `${outcome === 'timeout' ? `timed out after ${options.timeoutMs} ms` : 'cancelled'} on ${name}, but the server ignored the stop signal: the remote command may still be running`
            : outcome === 'timeout' ? `timed out after ${options.timeoutMs} ms on ${name}; the remote command was stopped`
            : outcome === 'cancelled' ? `cancelled on ${name}; the remote command was stopped`
            : outcome === 'unreachable' ? `connection to ${name} was lost while the command ran`
            : undefined,
        });
      };
      if (file) file.end(finish);
      else finish();
    });
    if (options.stdin !== undefined) channel.end(options.stdin);
    else channel.end();
  });
}

/** TERM now, KILL after a grace period, then close the channel if the server still holds it. */
function stopRemote(channel: ClientChannel, graceMs: number, timers: NodeJS.Timeout[], giveUp: () => void): void {
  // OpenSSH delivers signal requests to the session's process group (sshd makes the command a
  // session leader), so pipelines and children stop too.
  sendSignal(channel, 'TERM');
  timers.push(setTimeout(() => sendSignal(channel, 'KILL'), graceMs));
  timers.push(setTimeout(() => channel.close(), graceMs + 1000));
  // A server that ignores signals (forced commands, very old sshd) keeps the channel while its
  // child lives; do not hang the caller forever on it.
  timers.push(setTimeout(giveUp, graceMs + 5000));
}

/**
 * ssh2's Channel#signal() is a no-op once we have sent EOF (it checks `writable`), but we always
 * send EOF right away so commands reading stdin do not hang. The SSH protocol allows a signal
 * request after EOF, so send it on the protocol object directly.
 */
function sendSignal(channel: ClientChannel, name: 'TERM' | 'KILL'): void {
  const internals = channel as unknown as { outgoing?: { id: number; state: string }; _client?: { _protocol?: { signal(id: number, name: string): void } } };
  const outgoing = internals.outgoing;
  if (outgoing && (outgoing.state === 'open' || outgoing.state === 'eof')) internals._client?._protocol?.signal(outgoing.id, name);
}

export function failure(outcome: ExecOutcome, message: string, started: number): ExecResult {
  return { outcome, exitCode: null, signal: null, stdout: '', stderr: '', stdoutDropped: 0, stderrDropped: 0, durationMs: Date.now() - started, message };
}

export function failureFromError(err: unknown, started: number): ExecResult {
  const e = err instanceof SshError ? err : undefined;
  return failure(e?.kind ?? 'error', (err as Error)?.message ?? String(err), started);
}
