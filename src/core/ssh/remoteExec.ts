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
  /**
   * Bytes kept in memory per stream (default 1 MiB); output beyond it is counted, not kept. 0 keeps
   * no stdout (the caller streams it through `onStdout`); stderr always keeps at least
   * `MIN_STDERR_KEPT`, since it holds the reason a command failed.
   */
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
  /** The SSH failure behind `message`, for text in the user's language (sshErrorText.ts). */
  error?: SshError;
}

const DEFAULT_MAX_BUFFER = 1024 * 1024;
/** Of the bytes kept per stream, at most this many are the stream's end (where the reason for a failure usually is). */
const MAX_TAIL = 64 * 1024;
/** Stderr kept whatever `maxBufferBytes` says: a failure's reason must reach the user whole. */
export const MIN_STDERR_KEPT = 64 * 1024;
/** Node's timers overflow above this (fires at once); longer limits are waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keeps the head and the tail of a stream within `limit` bytes: an error's last line ("…: No space
 * left on device") is at the end, so a cut must not drop it.
 */
export class BoundedBuffer {
  private readonly head: Buffer[] = [];
  private headKept = 0;
  private tail: Buffer[] = [];
  private tailKept = 0;
  dropped = 0;
  private readonly headLimit: number;
  private readonly tailLimit: number;
  constructor(limit: number) {
    this.tailLimit = Math.min(MAX_TAIL, Math.floor(limit / 4));
    this.headLimit = limit - this.tailLimit;
  }
  push(chunk: Buffer): void {
    const room = this.headLimit - this.headKept;
    if (room > 0) {
      const part = room >= chunk.length ? chunk : chunk.subarray(0, room);
      this.head.push(part);
      this.headKept += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (!chunk.length) return;
    if (this.tailLimit === 0) {
      this.dropped += chunk.length;
      return;
    }
    // The tail slides: what falls out of it is dropped. Copy, so a small slice does not pin a big chunk.
    this.tail.push(Buffer.from(chunk));
    this.tailKept += chunk.length;
    while (this.tailKept - this.tail[0].length >= this.tailLimit) {
      this.tailKept -= this.tail[0].length;
      this.dropped += this.tail.shift()!.length;
    }
    if (this.tailKept > this.tailLimit) {
      const over = this.tailKept - this.tailLimit;
      this.tail[0] = this.tail[0].subarray(over);
      this.tailKept -= over;
      this.dropped += over;
    }
  }
  text(): string {
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    if (!this.dropped) return Buffer.concat([head, tail]).toString('utf8');
    // Cut on character boundaries: no replacement characters where bytes were dropped.
    return `${head.subarray(0, completeUtf8Length(head)).toString('utf8')}\n[… ${this.dropped} more bytes not kept]\n${tail.subarray(utf8ContinuationPrefix(tail)).toString('utf8')}`;
  }
}

/** Length of `buf` without a multi-byte character cut at its end. */
function completeUtf8Length(buf: Buffer): number {
  for (let back = 1; back <= Math.min(4, buf.length); back++) {
    const byte = buf[buf.length - back];
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? buf.length - back : buf.length;
  }
  return buf.length;
}

/** Continuation bytes at the start of `buf` (the rest of a character whose start was dropped). */
function utf8ContinuationPrefix(buf: Buffer): number {
  let i = 0;
  while (i < Math.min(3, buf.length) && (buf[i] & 0xc0) === 0x80) i++;
  return i;
}

/** setTimeout for any duration (Node fires a delay above 2^31-1 ms immediately). */
function longTimeout(ms: number, fn: () => void, timers: NodeJS.Timeout[]): void {
  if (ms <= MAX_TIMER_MS) {
    timers.push(setTimeout(fn, ms));
    return;
  }
  timers.push(setTimeout(() => longTimeout(ms - MAX_TIMER_MS, fn, timers), MAX_TIMER_MS));
}

export async function runOnConnection(connection: SshConnection, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const started = Date.now();
  const name = connection.target.name;
  if (options.signal?.aborted) {
    return failure('cancelled', `cancelled before running on ${name}`, started);
  }
  // The limit covers opening the channel too: a frozen server never confirms the open.
  const opened = await openWithin(connection, command, options);
  if (opened === 'timeout' || opened === 'cancelled') {
    // Nothing ran (or we cannot know): a server that does not answer a channel open within the
    // limit is gone; drop the connection so the next use reconnects instead of waiting on it.
    if (opened === 'timeout') connection.destroy();
    return failure(opened, opened === 'timeout' ? `timed out after ${options.timeoutMs} ms on ${name}: the server did not open a channel (the connection was dropped)` : `cancelled before running on ${name}`, started);
  }
  const { channel, exit } = opened;
  const remainingMs = options.timeoutMs ? Math.max(1, options.timeoutMs - (Date.now() - started)) : 0;
  return new Promise<ExecResult>((resolve) => {
    const stdout = new BoundedBuffer(options.maxBufferBytes ?? DEFAULT_MAX_BUFFER);
    const stderr = new BoundedBuffer(Math.max(options.maxBufferBytes ?? DEFAULT_MAX_BUFFER, MIN_STDERR_KEPT));
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
        // The server did not answer TERM, KILL nor the channel close: it is frozen or ignores us.
        // Drop the connection (sockets and keepalive timers) so nothing waits on it any more.
        connection.destroy();
        channel.emit('close');
      });
    };
    let abandoned = false;
    const onAbort = () => stop('cancelled');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (remainingMs) longTimeout(remainingMs, () => stop('timeout'), timers);

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
  // child lives, and a frozen one answers nothing: do not hang the caller on it. Short enough that
  // a timed-out CLI command exits within its timeout + 5 s.
  timers.push(setTimeout(giveUp, graceMs + 2000));
}

/** Opens the exec channel unless the timeout or the signal comes first (then closes it if it opens late). */
function openWithin(connection: SshConnection, command: string, options: ExecOptions): Promise<Awaited<ReturnType<SshConnection['openExec']>> | 'timeout' | 'cancelled'> {
  const opening = connection.openExec(command);
  if (!options.timeoutMs && !options.signal) return opening;
  return new Promise((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    const settle = (value: 'timeout' | 'cancelled') => {
      if (done) return;
      done = true;
      cleanup();
      resolve(value);
      opening.then(({ channel }) => channel.close(), () => undefined);
    };
    const onAbort = () => settle('cancelled');
    const cleanup = () => {
      timers.forEach(clearTimeout);
      options.signal?.removeEventListener('abort', onAbort);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs) longTimeout(options.timeoutMs, () => settle('timeout'), timers);
    opening.then(
      (opened) => {
        if (done) return;
        done = true;
        cleanup();
        resolve(opened);
      },
      (err: unknown) => {
        if (done) return;
        done = true;
        cleanup();
        reject(err);
      },
    );
  });
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
  return { ...failure(e?.kind ?? 'error', (err as Error)?.message ?? String(err), started), ...(e ? { error: e } : {}) };
}
