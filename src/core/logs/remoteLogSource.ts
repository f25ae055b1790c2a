/**
 * A log file on a host, read in windows over SSH: the tail first, earlier pages on demand, the
 * number of lines before the window (in the background), and a follow that survives rotation and
 * dropped connections. Editor-free: the viewer, the CLI and the bench all use it through `RemoteExec`
 * (a pool's exec bound to one host).
 */
import { Disposable } from '../dispose';
import type { ExecOptions, ExecResult } from '../ssh/remoteExec';
import { stderrReason } from '../ssh/stderrReason';
import { cutWindow, earlierRange, type LogWindow } from './logWindow';
import { byteRangeCommand, followCommand, linesBeforeCommand, parseHeader, type RangeHeader, tailNotice, tailWindowCommand } from './remoteLogCommands';

const TAIL_PREFIX = Buffer.from('tail: ');

/** Runs a command on the log's host (SshPool.exec bound to a target). */
export type RemoteExec = (command: string, options?: ExecOptions) => Promise<ExecResult>;

export interface WindowLimits {
  /** Lines in the first window and in each earlier page (default 5000). */
  lines: number;
  /** Bytes read on the host for one window or page at most (default 4 MiB); bounds a window of very long lines. */
  bytes: number;
  /**
   * Bytes the first fetch of the tail reads (default 1 MiB: 5000 lines of up to 200 bytes, the
   * usual case, in one small read); a log of longer lines gets the rest of `bytes` in a second one.
   */
  firstBytes?: number;
}

export const DEFAULT_WINDOW: WindowLimits = { lines: 5000, bytes: 4 << 20, firstBytes: 1 << 20 };

export class RemoteLogError extends Error {
  constructor(message: string, readonly result?: ExecResult) {
    super(message);
  }
}

export interface FetchedWindow extends LogWindow {
  /** File size and inode when the window was read. */
  size: number;
  inode: string;
}

export class RemoteLogSource {
  constructor(
    private readonly exec: RemoteExec,
    readonly path: string,
    readonly limits: WindowLimits = DEFAULT_WINDOW,
  ) {}

  /** The last lines of the file. */
  async tail(signal?: AbortSignal): Promise<FetchedWindow> {
    const first = Math.min(this.limits.firstBytes ?? this.limits.bytes, this.limits.bytes);
    const { header, body } = await this.fetch(tailWindowCommand(this.path, this.limits.lines, first), signal);
    // The host's `tail -n` cut at a line start when it sent less than the byte range.
    const cutOnHost = body.length < header.size - header.start;
    const bodyStart = header.size - body.length;
    const window: FetchedWindow = { ...cutWindow(body, bodyStart, this.limits.lines, bodyStart === 0 || cutOnHost), size: header.size, inode: header.inode };
    const missing = this.limits.lines - window.lines;
    const room = this.limits.bytes - (header.size - header.start);
    if (missing <= 0 || window.start === 0 || room <= 0 || cutOnHost) return window;
    // Long lines: fewer lines than wanted fit in the first read; read on, up to the byte bound.
    const range = earlierRange(window.start, room);
    const more = await this.fetch(byteRangeCommand(this.path, range.start, range.length), signal);
    if (more.header.inode !== window.inode) return window;
    const page = cutWindow(more.body, range.start, missing);
    return { ...window, start: page.start, text: page.text + window.text, lines: page.lines + window.lines };
  }

  /**
   * The page before a window that starts at `windowStart` in the file with `inode`. Fails when the
   * file at the path is another one now (rotated): its bytes would not be the ones before.
   */
  async earlier(windowStart: number, inode: string, signal?: AbortSignal): Promise<FetchedWindow> {
    const range = earlierRange(windowStart, this.limits.bytes);
    const { header, body } = await this.fetch(byteRangeCommand(this.path, range.start, range.length), signal);
    if (header.inode !== inode) throw new RemoteLogError(`${this.path} was rotated since it was opened; reopen it to see the new file`);
    return { ...cutWindow(body, range.start, this.limits.lines), size: header.size, inode: header.inode };
  }

  /** Line breaks before byte `offset`: reads that much of the file on the host, sends one number. */
  async linesBefore(offset: number, signal?: AbortSignal): Promise<number> {
    if (offset === 0) return 0;
    const result = await this.exec(linesBeforeCommand(this.path, offset), { signal });
    const n = Number(result.stdout.trim());
    if (result.outcome !== 'ok' || !Number.isSafeInteger(n)) throw new RemoteLogError(describeFailure(this.path, result), result);
    return n;
  }

  private async fetch(command: string, signal?: AbortSignal): Promise<{ header: RangeHeader; body: Buffer }> {
    const chunks: Buffer[] = [];
    // The body is collected here as bytes (offsets must be exact); the exec keeps no copy.
    const result = await this.exec(command, { signal, maxBufferBytes: 0, onStdout: (chunk) => chunks.push(chunk) });
    if (result.outcome !== 'ok') throw new RemoteLogError(describeFailure(this.path, result), result);
    const out = Buffer.concat(chunks);
    const parsed = parseHeader(out);
    if (!parsed) throw new RemoteLogError(`unexpected answer from the host for ${this.path}`, result);
    return { header: parsed.header, body: out.subarray(parsed.bodyOffset) };
  }
}

/** A failed read, for the user: the path and the host's whole reason. */
export function describeFailure(path: string, result: ExecResult): string {
  if (result.outcome === 'exit') {
    const reason = stderrReason(result.stderr);
    // The host names the file too (`PATH: No such file or directory`): once is enough.
    return `cannot read ${path}: ${reason?.startsWith(`${path}: `) ? reason.slice(path.length + 2) : (reason ?? `exit code ${result.exitCode}`)}`;
  }
  return result.message ?? `${result.outcome} reading ${path}`;
}

export type FollowState = 'starting' | 'following' | 'reconnecting' | 'stopped';

export interface FollowOptions {
  /** Byte offset to follow from (the window's end) and the inode it belongs to. */
  offset: number;
  inode?: string;
  /** Complete lines as they arrive (text ends with a line break). */
  onText(text: string): void;
  onState?(state: FollowState, detail?: string): void;
  /** First retry delay after a dropped follow (ms; doubles up to 10 s). */
  retryMs?: number;
}

/**
 * `tail -F` on the host, streamed. Tracks the byte offset it has reached, so when the connection
 * drops it resumes exactly there (or at the start of a new file, if the log was rotated while it
 * was away). Disposing stops the remote tail (TERM to its process group) and any retry.
 */
export class RemoteFollow extends Disposable {
  private readonly abort = new AbortController();
  private offset: number;
  private inode: string | undefined;
  private carry: Buffer = Buffer.alloc(0);
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private state: FollowState = 'starting';
  /** Resolves when the follow has stopped for good (after dispose). */
  readonly done: Promise<void>;

  constructor(
    private readonly exec: RemoteExec,
    readonly path: string,
    private readonly options: FollowOptions,
  ) {
    super();
    this.offset = options.offset;
    this.inode = options.inode || undefined;
    this.retryMs = options.retryMs ?? 1000;
    this.register({
      dispose: () => {
        this.abort.abort();
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.setState('stopped');
      },
    });
    this.done = this.loop();
  }

  /** Bytes of the file delivered so far (the resume point). */
  get position(): { offset: number; inode: string | undefined } {
    return { offset: this.offset, inode: this.inode };
  }

  get currentState(): FollowState {
    return this.state;
  }

  private setState(state: FollowState, detail?: string): void {
    if (this.state === state && !detail) return;
    this.state = state;
    this.options.onState?.(state, detail);
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      const result = await this.runOnce();
      if (this.abort.signal.aborted) break;
      this.setState('reconnecting', describeFailure(this.path, result));
      await new Promise<void>((resolve) => {
        this.retryTimer = setTimeout(resolve, this.retryMs);
        this.abort.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    }
  }

  private async runOnce(): Promise<ExecResult> {
    let head: Buffer | undefined = Buffer.alloc(0);
    this.carry = Buffer.alloc(0);
    const onStdout = (chunk: Buffer) => {
      if (head) {
        head = Buffer.concat([head, chunk]);
        const parsed = parseHeader(head);
        if (!parsed) return;
        this.offset = parsed.header.start;
        this.inode = parsed.header.inode || undefined;
        chunk = head.subarray(parsed.bodyOffset);
        head = undefined;
        this.retryMs = this.options.retryMs ?? 1000;
        this.setState('following');
      }
      this.deliver(chunk);
    };
    try {
      return await this.exec(followCommand(this.path, Math.max(0, this.offset), this.inode), { signal: this.abort.signal, maxBufferBytes: 0, onStdout });
    } catch (err) {
      return { outcome: 'error', exitCode: null, signal: null, stdout: '', stderr: '', stdoutDropped: 0, stderrDropped: 0, durationMs: 0, message: (err as Error).message };
    }
  }

  private deliver(chunk: Buffer): void {
    if (!chunk.length) return;
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const last = buf.lastIndexOf(0x0a);
    if (last === -1) {
      this.carry = Buffer.from(buf);
      return;
    }
    this.carry = Buffer.from(buf.subarray(last + 1));
    // tail's notices share the stream (see followCommand); most chunks hold none.
    if (buf.indexOf(TAIL_PREFIX) === -1 || buf.indexOf(TAIL_PREFIX) > last) {
      this.offset += last + 1;
      this.options.onText(buf.toString('utf8', 0, last + 1));
      return;
    }
    let text = '';
    let start = 0;
    while (start <= last) {
      const end = buf.indexOf(0x0a, start);
      const line = buf.toString('utf8', start, end + 1);
      const notice = buf[start] === TAIL_PREFIX[0] ? tailNotice(line) : undefined;
      if (notice === undefined) {
        text += line;
        this.offset += end + 1 - start;
      } else if (notice === 'new-file') {
        // What follows is the new file's, from its first byte.
        this.offset = 0;
        this.inode = undefined;
      }
      start = end + 1;
    }
    if (text) this.options.onText(text);
  }
}
