/**
 * ProxyCommand as OpenSSH runs it: `$SHELL -c "exec <command>"` (else /bin/sh), the child's
 * stdin/stdout are the connection, its stderr is kept (bounded) to explain a failure, and the
 * child is killed when the connection closes.
 */
import { type ChildProcessByStdio, spawn } from 'child_process';
import { Duplex } from 'stream';
import type { Readable, Writable } from 'stream';

const STDERR_KEEP = 4096;

/** A Duplex over a ProxyCommand child; `stderrText()` is what the command said on stderr. */
export class ProxyCommandStream extends Duplex {
  private stderr = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly done: Promise<void>;

  constructor(private readonly child: ChildProcessByStdio<Writable, Readable, Readable>) {
    super({ allowHalfOpen: false });
    this.done = new Promise((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stdout.on('end', () => this.push(null));
    child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < STDERR_KEEP) this.stderr = (this.stderr + chunk.toString('utf8')).slice(0, STDERR_KEEP);
    });
    child.stdin.on('error', () => undefined); // EPIPE after the child died: reported through 'close'
    child.once('exit', (code, signal) => {
      this.exited = { code, signal };
    });
    child.once('error', (err) => this.destroy(err));
  }

  /** What the command printed on stderr (trimmed, at most a few KiB). */
  stderrText(): string {
    return this.stderr.trim();
  }

  /** Resolves once the command has exited and its stderr has been read to the end. */
  whenDone(): Promise<void> {
    return this.done;
  }

  /** How the command ended, when it has. */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.exited;
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.child.stdin.destroyed) return callback();
    this.child.stdin.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.child.stdin.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.child.stdin.destroy();
    this.child.stdout.destroy();
    if (this.exited === undefined && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    callback(err);
  }

  // ssh2 calls these on sockets; a pipe has nothing to tune.
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/** Starts `command` (already token-expanded, e.g. "exec nc host 22") the way ssh does. */
export function spawnProxyCommand(command: string, env: NodeJS.ProcessEnv = process.env): ProxyCommandStream {
  const shell = env.SHELL || '/bin/sh';
  const child = spawn(shell, ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], env });
  return new ProxyCommandStream(child);
}
