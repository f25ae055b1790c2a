/**
 * Keeps one SSH connection per target (and per jump host) and reuses it: connects once even when
 * many commands ask at the same time, closes idle connections, reconnects on the next use after a
 * drop, queues channels so a server's MaxSessions (OpenSSH default 10) is never exceeded, and
 * bounds the handshakes in flight so a fan-out over a thousand hosts does not start a thousand
 * key exchanges (CPU, sockets, the servers' MaxStartups) at once.
 */
import { Disposable } from '../dispose';
import { type ExecOptions, type ExecResult, failureFromError, runOnConnection } from './remoteExec';
import { type ConnectionDeps, SshConnection } from './sshConnection';
import { SshError } from './sshErrors';
import type { SshTarget } from './types';

export interface PoolOptions {
  /** Close a connection unused for this long (ms). */
  idleMs?: number;
  /** Channels opened at once per connection before queuing; lowered when a server refuses. */
  maxChannels?: number;
  /** Handshakes (TCP connect, key exchange, authentication) in flight at once, over all targets. */
  maxHandshakes?: number;
}

/**
 * Enough to keep two cores busy with key exchanges while servers answer, few enough that a
 * thousand-host fan-out queues instead of opening a thousand half-done connections at once.
 */
export const DEFAULT_MAX_HANDSHAKES = 64;

interface Entry {
  key: string;
  connecting?: Promise<SshConnection>;
  connection?: SshConnection;
  limiter: ChannelLimiter;
  idleTimer?: NodeJS.Timeout;
  users: number;
}

/** A counting semaphore for handshakes; a waiter whose signal aborts leaves the queue. */
class HandshakeGate {
  active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly limit: number) {}
  /** Resolves to the release function once a slot is free. */
  async acquire(name: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw new SshError('cancelled', name, { reason: 'cancelled' });
    if (this.active >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.waiting.indexOf(grant);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(new SshError('cancelled', name, { reason: 'cancelled' }));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(grant);
      });
    } else {
      this.active++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, so `active` stays the same.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/** A counting semaphore whose limit adapts down when the server says "no more sessions". */
class ChannelLimiter {
  /** Channels open right now. */
  active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(public limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.active <= this.limit ? this.waiting.shift() : undefined;
    if (next) next();
    else this.active--;
  }
  /** The server refused a channel while `active` were open: that is its real limit. */
  shrinkTo(observed: number): void {
    this.limit = Math.max(1, Math.min(this.limit, observed));
  }
}

function keyOf(target: SshTarget): string {
  const hops = target.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join('>');
  // The same address through a different ProxyCommand is a different connection.
  return `${hops ? `${hops}>` : ''}${target.user}@${target.host}:${target.port}${target.proxyCommand ? `|${target.proxyCommand}` : ''}`;
}

/** How long a closing connection may wait for the server's goodbye before its socket is dropped. */
const CLOSE_GRACE_MS = 1000;

/**
 * Closes politely, then drops the socket if the server has not answered: a frozen host never
 * finishes the close, and its open socket (and ssh2's keepalive timer) would keep the CLI alive.
 * The timer is unref'd, so a connection that did close lets the process exit at once.
 */
function closeConnection(connection: SshConnection): void {
  connection.close();
  setTimeout(() => connection.destroy(), CLOSE_GRACE_MS).unref();
}

function isChannelRefusal(err: unknown): boolean {
  return /open failed|administratively prohibited|channel open failure/i.test((err as Error)?.message ?? '');
}

export class SshPool extends Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners: Array<(target: SshTarget, connected: boolean) => void> = [];
  private readonly idleMs: number;
  private readonly maxChannels: number;
  private readonly handshakes: HandshakeGate;

  constructor(
    private readonly deps: ConnectionDeps,
    options: PoolOptions = {},
  ) {
    super();
    this.idleMs = options.idleMs ?? 5 * 60_000;
    this.maxChannels = options.maxChannels ?? 10;
    this.handshakes = new HandshakeGate(Math.max(1, options.maxHandshakes ?? DEFAULT_MAX_HANDSHAKES));
    this.register({ dispose: () => this.closeAll() });
  }

  /** An open connection to `target`, reusing a live one. */
  async connection(target: SshTarget, signal?: AbortSignal): Promise<SshConnection> {
    const entry = this.entry(target);
    if (entry.connection?.isOpen) return entry.connection;
    entry.connecting ??= this.connect(target, entry, signal).finally(() => (entry.connecting = undefined));
    return entry.connecting;
  }

  /** Runs a command with pooling, channel queuing and one reconnect if the connection had dropped. */
  async exec(target: SshTarget, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const started = Date.now();
    const entry = this.entry(target);
    entry.users++;
    this.clearIdle(entry);
    try {
      for (let attempt = 0; ; attempt++) {
        let connection: SshConnection;
        try {
          connection = await this.connection(target, options.signal);
        } catch (err) {
          return failureFromError(err, started);
        }
        await entry.limiter.acquire();
        try {
          return await runOnConnection(connection, command, options);
        } catch (err) {
          if (isChannelRefusal(err)) {
            // MaxSessions reached: learn the limit and wait for a free channel.
            entry.limiter.shrinkTo(entry.limiter.active - 1);
            if (attempt < 50) continue;
          } else if (!connection.isOpen && attempt === 0) {
            continue; // dropped since last use: reconnect once
          }
          return failureFromError(err, started);
        } finally {
          entry.limiter.release();
        }
      }
    } finally {
      entry.users--;
      this.armIdle(entry);
    }
  }

  /** Called when a connection to a target opens or closes (the tree shows connection state). */
  onDidChangeConnection(listener: (target: SshTarget, connected: boolean) => void): { dispose(): void } {
    this.listeners.push(listener);
    return { dispose: () => this.listeners.splice(this.listeners.indexOf(listener) >>> 0, 1) };
  }

  /** An open connection for interactive use (a shell); counts as in use until released. */
  async acquire(target: SshTarget): Promise<{ connection: SshConnection; release(): void }> {
    const entry = this.entry(target);
    entry.users++;
    this.clearIdle(entry);
    try {
      const connection = await this.connection(target);
      let released = false;
      return {
        connection,
        release: () => {
          if (released) return;
          released = true;
          entry.users--;
          this.armIdle(entry);
        },
      };
    } catch (err) {
      entry.users--;
      throw err;
    }
  }

  /** Handshakes in flight right now (bounded by `maxHandshakes`). */
  get handshaking(): number {
    return this.handshakes.active;
  }

  /** Number of live connections (for the tree's connection state and tests). */
  get size(): number {
    return [...this.entries.values()].filter((e) => e.connection?.isOpen).length;
  }

  isConnected(target: SshTarget): boolean {
    return this.entries.get(keyOf(target))?.connection?.isOpen ?? false;
  }

  /** Closes the target's connection now unless a command or shell is using it (a one-shot caller is done with the host). */
  closeIdle(target: SshTarget): void {
    const entry = this.entries.get(keyOf(target));
    if (!entry?.connection || entry.users > 0 || entry.connecting) return;
    this.clearIdle(entry);
    closeConnection(entry.connection);
  }

  closeAll(): void {
    for (const entry of this.entries.values()) {
      this.clearIdle(entry);
      if (entry.connection) closeConnection(entry.connection);
    }
    this.entries.clear();
  }

  private entry(target: SshTarget): Entry {
    const key = keyOf(target);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, limiter: new ChannelLimiter(this.maxChannels), users: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private async connect(target: SshTarget, entry: Entry, signal?: AbortSignal): Promise<SshConnection> {
    let via: SshConnection | undefined;
    // Each hop is itself pooled, so ten containers behind one bastion share one bastion login.
    for (let i = 0; i < target.jumps.length; i++) {
      const hop: SshTarget = { ...target.jumps[i], jumps: target.jumps.slice(0, i) };
      via = await this.connection(hop, signal);
    }
    // Taken after the hops are up (each hop took and gave back its own slot), so a deep chain
    // cannot wait on itself; the target's connect timeout starts when its handshake does.
    const release = await this.handshakes.acquire(target.name, signal);
    let connection: SshConnection;
    try {
      connection = await SshConnection.open(target, this.deps, via, signal);
    } finally {
      release();
    }
    entry.connection = connection;
    this.notify(target, true);
    connection.onClose(() => {
      if (entry.connection === connection) entry.connection = undefined;
      this.notify(target, false);
    });
    return connection;
  }

  private notify(target: SshTarget, connected: boolean): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(target, connected);
      } catch {
        // a listener's failure is not the connection's
      }
    }
  }

  private armIdle(entry: Entry): void {
    if (entry.users > 0 || !entry.connection) return;
    this.clearIdle(entry);
    entry.idleTimer = setTimeout(() => {
      if (entry.users === 0 && entry.connection) closeConnection(entry.connection);
    }, this.idleMs);
    entry.idleTimer.unref?.();
  }

  private clearIdle(entry: Entry): void {
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
  }
}
