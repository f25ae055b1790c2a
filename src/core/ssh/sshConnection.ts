/**
 * One authenticated SSH connection (ssh2) to a target, possibly through jump hosts.
 * Host keys are verified before anything else happens; credentials come from the agent, key
 * files, or the prompter, and are never logged. Exec lives in remoteExec.ts.
 */
import { readFile } from 'fs/promises';
import * as net from 'net';
import type { Duplex } from 'stream';
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, Client, ClientChannel, ConnectConfig, PseudoTtyOptions, ServerHostKeyAlgorithm } from 'ssh2';
import { type HostKeyVerifier, keyTypeOf, KnownHostsWriteError } from './hostKeys';
import { ProxyCommandStream, spawnProxyCommand } from './proxyTransport';
import { classifySshError, SshError, type SshErrorDetail } from './sshErrors';
import type { CredentialPrompter, HostKeyVerdict, KnownHostsLocation, SshTarget, UnknownHostPolicy } from './types';

let loadedSsh2: typeof import('ssh2') | undefined;
/** Loaded on the first connection: the extension activates and the tree draws without ssh2 (dist/ssh2.js, scripts/build.mjs). */
function ssh2(): typeof import('ssh2') {
  loadedSsh2 ??= require('ssh2') as typeof import('ssh2');
  return loadedSsh2;
}

/** The part of the host key verifier the connection needs (see hostKeys.ts). */
export interface HostKeyStore {
  verify(hosts: string[], port: number, keyType: string, key: Buffer): HostKeyVerdict;
  /** Records an accepted key in the product's own known_hosts; rejects (naming the file) when it cannot. */
  add(host: string, port: number, keyType: string, key: Buffer): Promise<KnownHostsLocation>;
  /** Key types already known for the host, to negotiate first. */
  knownKeyTypes(hosts: string[], port: number): string[];
}

/** The verifier over the user's and the product's known_hosts; accepted keys go to the product's file. */
export function knownHostsStore(verifier: HostKeyVerifier, productKnownHostsFile: string): HostKeyStore {
  return {
    verify: (hosts, port, keyType, key) => verifier.verify(hosts, port, keyType, key),
    add: (host, port, keyType, key) => verifier.appendKnownHost(productKnownHostsFile, host, port, keyType, key),
    knownKeyTypes: (hosts, port) => verifier.knownKeyTypes(hosts, port),
  };
}

export interface ConnectionDeps {
  hostKeys: HostKeyStore;
  unknownHosts: UnknownHostPolicy;
  prompter?: CredentialPrompter;
  log?: (message: string) => void;
}

export interface ExitStatus {
  code: number | null;
  signal: string | null;
}

function displayHost(target: SshTarget): string {
  return target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
}

export class SshConnection {
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  private constructor(
    readonly target: SshTarget,
    private readonly client: Client,
    /** The connection this one tunnels through, owned by the pool. */
    readonly via: SshConnection | undefined,
  ) {
    client.on('close', () => this.markClosed());
    client.on('end', () => this.markClosed());
    // After the handshake, errors (keepalive timeout, reset) just mean the connection is gone;
    // the exec in flight sees its channel close and reports it.
    client.on('error', () => this.markClosed());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /**
   * Connects to `target`. `via` is an open connection to the last jump host (the pool opens the
   * chain hop by hop so bastion connections are shared).
   */
  static async open(target: SshTarget, deps: ConnectionDeps, via?: SshConnection, signal?: AbortSignal): Promise<SshConnection> {
    const name = target.name;
    if (signal?.aborted) throw new SshError('cancelled', name, { reason: 'cancelled' });
    const sock = via ? await via.forwardOut(target.host, target.port) : target.proxyCommand ? spawnProxyCommand(target.proxyCommand) : await connectTcp(target, signal);
    const client = new (ssh2().Client)();
    let hostKeyProblem: SshErrorDetail | undefined;
    let authMethod: AnyAuthMethod | undefined;
    let authIdentity: string | undefined;

    const config: ConnectConfig = {
      sock,
      username: target.user,
      readyTimeout: target.connectTimeout * 1000,
      algorithms: { serverHostKey: preferKnownHostKeyAlgorithms(deps.hostKeys.knownKeyTypes([target.host], target.port)) },
      keepaliveInterval: target.keepaliveInterval * 1000,
      keepaliveCountMax: target.keepaliveCountMax,
      hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
        const keyType = keyTypeOf(key) ?? 'unknown';
        const verdict = deps.hostKeys.verify([target.host], target.port, keyType, key);
        if (verdict.status === 'trusted') return verify(true);
        if (verdict.status !== 'unknown') {
          hostKeyProblem = { reason: 'host-key', host: target.host, port: target.port, verdict };
          return verify(false);
        }
        void (async () => {
          let accepted: boolean;
          try {
            accepted = await deps.unknownHosts.acceptUnknownHost(displayHost(target), target.port, keyType, verdict.fingerprint);
          } catch (error) {
            hostKeyProblem = { reason: 'host-key-ask-failed', address: displayHost(target), fingerprint: verdict.fingerprint, cause: (error as Error)?.message ?? String(error) };
            return verify(false);
          }
          if (!accepted) {
            hostKeyProblem = { reason: 'host-key-declined', address: displayHost(target), fingerprint: verdict.fingerprint };
            return verify(false);
          }
          let at: KnownHostsLocation;
          try {
            at = await deps.hostKeys.add(target.host, target.port, keyType, key);
          } catch (error) {
            // Not recorded means not trusted: connecting anyway would ask again next time, silently.
            const written = error instanceof KnownHostsWriteError ? { file: error.file, code: error.code, cause: error.systemText } : { cause: (error as Error)?.message ?? String(error) };
            hostKeyProblem = { reason: 'host-key-not-recorded', address: displayHost(target), keyType, fingerprint: verdict.fingerprint, ...written };
            return verify(false);
          }
          deps.unknownHosts.recorded?.(displayHost(target), target.port, at);
          deps.log?.(`accepted new host key for ${displayHost(target)}: ${verdict.fingerprint}, recorded at ${at.file}:${at.line}`);
          verify(true);
        })();
      },
      authHandler: authMethods(target, deps, (m, file) => {
        authMethod = m;
        authIdentity = file;
      }),
    };

    return new Promise<SshConnection>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        client.end();
        sock.destroy();
        if (hostKeyProblem) return reject(new SshError('host-key-refused', name, hostKeyProblem));
        // A ProxyCommand that failed says why on its stderr (e.g. "nc: connect ... refused"): wait for all of it.
        if (sock instanceof ProxyCommandStream) {
          return void sock.whenDone().then(() => {
            const said = sock.stderrText();
            reject(said ? new SshError('unreachable', name, { reason: 'proxy-command', said }) : classifySshError(err, name));
          });
        }
        reject(classifySshError(err, name, displayHost(target)));
      };
      const onAbort = () => fail(new SshError('cancelled', name, { reason: 'cancelled' }));
      signal?.addEventListener('abort', onAbort, { once: true });
      client.once('ready', () => {
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        void rememberWorkingSecret(target, deps, authMethod, authIdentity);
        resolve(new SshConnection(target, client, via));
      });
      // `on`, not `once`: ssh2 may emit a second error while tearing down a failed handshake.
      client.on('error', fail);
      client.once('close', () => fail(new SshError('unreachable', name, { reason: 'handshake-closed' })));
      // The ProxyCommand lives exactly as long as the connection.
      if (sock instanceof ProxyCommandStream) client.once('close', () => sock.destroy());
      client.connect(config);
    });
  }

  /** A TCP stream opened from the remote side (for jump hosts and in-container port checks). */
  forwardOut(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => (err ? reject(err) : resolve(stream)));
    });
  }

  /**
   * Opens an exec channel; callers go through remoteExec for limits and cancellation.
   * The exit status is captured inside ssh2's callback: a fast command's data, exit-status and
   * close can arrive in one TCP read, and an 'exit' listener attached after an `await` would miss it.
   */
  openExec(command: string, options: { pty?: PseudoTtyOptions | false; env?: Record<string, string> } = {}): Promise<{ channel: ClientChannel; exit: ExitStatus }> {
    if (this.closed) return Promise.reject(new SshError('unreachable', this.target.name, { reason: 'connection-closed' }));
    return new Promise((resolve, reject) => {
      this.client.exec(command, { pty: options.pty || undefined, env: options.env }, (err, channel) => {
        if (err) return reject(err);
        const exit: ExitStatus = { code: null, signal: null };
        channel.on('exit', (code: number | null, signalName?: string) => {
          exit.code = code;
          exit.signal = signalName ?? null;
        });
        resolve({ channel, exit });
      });
    });
  }

  /** An interactive shell with a PTY, for the editor's terminal. */
  openShell(window: PseudoTtyOptions): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.shell(window, (err, channel) => (err ? reject(err) : resolve(channel)));
    });
  }

  close(): void {
    this.client.end();
    this.markClosed();
  }

  /** Drops the connection now, without waiting for the server: a frozen host never answers a graceful close. */
  destroy(): void {
    this.client.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }
}

/** ssh2's host key algorithms with the ones matching already-known key types moved first. */
const HOST_KEY_ALGORITHMS: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
function preferKnownHostKeyAlgorithms(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const known = (algorithm: string) => knownTypes.includes(algorithm.startsWith('rsa-sha2-') ? 'ssh-rsa' : algorithm);
  return [...HOST_KEY_ALGORITHMS.filter(known), ...HOST_KEY_ALGORITHMS.filter((a) => !known(a))];
}

function connectTcp(target: SshTarget, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // TCP_NODELAY: without it every small exec round trip waits ~40 ms on Nagle + delayed ACK.
    const socket = net.connect({ host: target.host, port: target.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new SshError('unreachable', target.name, { reason: 'connect-timeout', address: displayHost(target), seconds: target.connectTimeout }));
    }, target.connectTimeout * 1000);
    const onAbort = () => {
      socket.destroy();
      reject(new SshError('cancelled', target.name, { reason: 'cancelled' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      reject(classifySshError(err, target.name, displayHost(target)));
    });
  });
}

type SecretKind = 'passphrase' | 'password';

/** Tries, in order: ssh-agent, each identity file (asking for passphrases), keyboard-interactive, password. */
function authMethods(target: SshTarget, deps: ConnectionDeps, used: (method: AnyAuthMethod, identityFile?: string) => void) {
  const host = target.name;
  const attempts: Array<() => Promise<AnyAuthMethod | undefined>> = [];
  let decryptedIdentity: string | undefined;
  if (target.agent) attempts.push(async () => ({ type: 'agent', username: target.user, agent: target.agent! }));
  for (const file of target.identityFiles) attempts.push(() => publicKeyMethod(file));
  if (deps.prompter) {
    attempts.push(async () => ({
      type: 'keyboard-interactive',
      username: target.user,
      prompt: (_name, instructions, _lang, prompts, finish) => {
        void (async () => {
          const answers: string[] = [];
          for (const p of prompts) {
            const answer = await deps.prompter!.prompt({ host, kind: 'keyboard-interactive', message: [instructions, p.prompt].filter(Boolean).join('\n'), echo: p.echo ?? false });
            if (answer === undefined) return finish([]);
            answers.push(answer);
          }
          finish(answers);
        })();
      },
    }));
    attempts.push(async () => {
      const request = { host, kind: 'password' as SecretKind };
      const password = (await deps.prompter!.recall?.(request)) ?? (await deps.prompter!.prompt({ ...request, message: `Password for ${target.user}@${host}`, echo: false }));
      return password === undefined ? undefined : { type: 'password', username: target.user, password };
    });
  }

  async function publicKeyMethod(file: string): Promise<AnyAuthMethod | undefined> {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return undefined; // default identities that do not exist are skipped, as OpenSSH does
    }
    let parsed = ssh2().utils.parseKey(data);
    if (!(parsed instanceof Error)) return { type: 'publickey', username: target.user, key: data };
    if (!/passphrase|encrypted/i.test(parsed.message) || !deps.prompter) {
      deps.log?.(`skipping identity ${file}: ${parsed.message}`);
      return undefined;
    }
    const request = { host, kind: 'passphrase' as SecretKind, identityFile: file };
    let remembered = await deps.prompter.recall?.(request);
    for (let tries = 0; tries < 3; tries++) {
      const passphrase = remembered ?? (await deps.prompter.prompt({ ...request, message: `Passphrase for ${file}`, echo: false }));
      if (remembered !== undefined) remembered = undefined;
      if (passphrase === undefined) return undefined;
      parsed = ssh2().utils.parseKey(data, passphrase);
      if (!(parsed instanceof Error)) {
        decryptedIdentity = file;
        return { type: 'publickey', username: target.user, key: data, passphrase };
      }
      if (tries === 0) await deps.prompter.forget?.(request);
    }
    return undefined;
  }

  // ssh2 accepts `false` from the middleware to stop trying (its typings omit it).
  return ((authsLeft: AuthenticationType[] | null, _partial: boolean | null, next: (method: AnyAuthMethod | false) => void) => {
    void (async () => {
      while (attempts.length) {
        const method = await attempts.shift()!();
        if (!method) continue;
        const serverAllows = !authsLeft || authsLeft.includes(method.type === 'agent' ? 'publickey' : method.type);
        if (!serverAllows) continue;
        used(method, decryptedIdentity);
        return next(method);
      }
      next(false);
    })().catch(() => next(false));
  }) as unknown as AuthHandlerMiddleware;
}

async function rememberWorkingSecret(target: SshTarget, deps: ConnectionDeps, method: AnyAuthMethod | undefined, identityFile: string | undefined): Promise<void> {
  if (!deps.prompter?.remember || !method) return;
  try {
    if (method.type === 'password') await deps.prompter.remember({ host: target.name, kind: 'password' }, method.password);
    if (method.type === 'publickey' && typeof method.passphrase === 'string') {
      await deps.prompter.remember({ host: target.name, kind: 'passphrase', identityFile }, method.passphrase);
    }
  } catch {
    // Remembering is a convenience; failing to store must not fail the connection.
  }
}
