/**
 * The SSH server of one demo container (ssh2's Server): its own ed25519 host key, public-key auth
 * against the demo key for user admin, exec and shell (with PTY and window-change), env, signal
 * requests (delivered to the command's process group), exit-status/exit-signal, and direct-tcpip
 * to the container's own ports (or another demo container's, like a site network).
 */
import * as net from 'net';
import { timingSafeEqual } from 'crypto';
import { Server, utils, type Connection, type ServerChannel } from 'ssh2';
import type { PtySpec } from './agentProtocol';
import type { AgentJob, ContainerAgent } from './agentHost';
import { DEMO_SSH_PORT, DEMO_USER, type ContainerSpec } from './siteModel';

type ParsedKey = Exclude<ReturnType<typeof utils.parseKey>, Error | unknown[]>;

/** Signals a client may send (RFC 4254 names, without SIG). */
const SIGNALS = new Set(['ABRT', 'ALRM', 'FPE', 'HUP', 'ILL', 'INT', 'KILL', 'PIPE', 'QUIT', 'SEGV', 'TERM', 'USR1', 'USR2']);

export class DemoSshServer {
  private readonly ssh: Server;
  private listener: net.Server | undefined;
  private readonly clients = new Set<Connection>();
  private readonly clientKey: ParsedKey;

  constructor(
    private readonly c: ContainerSpec,
    hostKey: string,
    clientPublicKey: string,
    private readonly agent: ContainerAgent,
    /** The agent of the container at an address, for direct-tcpip to other containers. */
    private readonly route: (address: string) => ContainerAgent | undefined,
  ) {
    const parsed = utils.parseKey(clientPublicKey);
    if (parsed instanceof Error || Array.isArray(parsed)) throw new Error(`demo client key: ${parsed instanceof Error ? parsed.message : 'several keys'}`);
    this.clientKey = parsed as ParsedKey;
    this.ssh = new Server({ hostKeys: [hostKey], ident: 'OpenSSH_8.4p1 SOFA-Ops-demo' }, (client) => this.onClient(client));
  }

  /** Listens on the container's address; fails with EADDRINUSE when something else has it. */
  listen(): Promise<void> {
    const listener = net.createServer({ noDelay: true }, (socket) => this.ssh.injectSocket(socket));
    this.listener = listener;
    return new Promise((resolve, reject) => {
      listener.once('error', reject);
      listener.listen({ host: this.c.address, port: DEMO_SSH_PORT, exclusive: true }, () => {
        listener.off('error', reject);
        resolve();
      });
    });
  }

  /** A host that is down (fault host-down) refuses connections: the listener closes, its sessions end. */
  async setDown(down: boolean): Promise<void> {
    if (down === !this.listener) return;
    if (!down) return this.listen();
    this.close();
    this.listener = undefined;
  }

  close(): void {
    this.listener?.close();
    for (const client of this.clients) client.end();
  }

  private onClient(client: Connection): void {
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== DEMO_USER) return ctx.reject(['publickey']);
      const key = this.clientKey;
      const blob = key.getPublicSSH();
      if (ctx.key.algo !== key.type || ctx.key.data.length !== blob.length || !timingSafeEqual(ctx.key.data, blob)) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether this key would do.
      if (!ctx.signature) return ctx.accept();
      if (key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => this.onSession(acceptSession()));
      client.on('tcpip', (accept, reject, info) => {
        const own = ['127.0.0.1', 'localhost', '::1', this.c.address].includes(info.destIP);
        const agent = own ? this.agent : this.route(info.destIP);
        if (!agent) return reject();
        agent.connect(info.destPort).then(
          (stream) => {
            const channel = accept();
            channel.pipe(stream).pipe(channel);
            channel.on('close', () => stream.destroy());
          },
          () => reject(),
        );
      });
    });
  }

  private onSession(session: import('ssh2').Session): void {
    let pty: PtySpec | undefined;
    const env: Record<string, string> = {};
    let job: AgentJob | undefined;
    const pendingSignals: string[] = [];

    // ssh2's Server ignores every channel request after the client's EOF, but OpenSSH's sshd
    // (and RFC 4254) still take `signal` and `window-change` then: our SSH layer sends EOF at once
    // and stops a command with a signal later. Undo the flag ssh2 sets just before it emits 'eof'.
    session.on('eof', () => {
      (session as unknown as { _ending: boolean })._ending = false;
    });
    session.on('env', (accept, _reject, info) => {
      // Like sshd's AcceptEnv LANG LC_*: the rest is refused.
      if (/^(LANG|LC_[A-Z]+|TERM)$/.test(info.key)) {
        env[info.key] = info.val;
        accept?.();
      } else _rejectQuietly(_reject);
    });
    session.on('pty', (accept, _reject, info) => {
      pty = { rows: info.rows, cols: info.cols, term: info.term };
      accept?.();
    });
    session.on('window-change', (accept, _reject, info) => {
      if (pty) {
        pty.rows = info.rows;
        pty.cols = info.cols;
      }
      job?.resize(info.rows, info.cols);
      accept?.();
    });
    session.on('signal', (accept, reject, info) => {
      if (!SIGNALS.has(info.name)) return reject?.();
      if (job) job.signal(info.name);
      else pendingSignals.push(info.name);
      accept?.();
    });
    const run = (command: string | null, channel: ServerChannel) => {
      let exited = false;
      let closed = false;
      job = this.agent.spawn(command, { ...env, SSH_CONNECTION: `${this.c.address} 0 ${this.c.address} ${DEMO_SSH_PORT}` }, pty, {
        onData: (fd, data) => {
          if (closed) return;
          const ok = fd === 2 && !pty ? channel.stderr.write(data) : channel.write(data);
          if (!ok) job?.pause();
        },
        onExit: (code, signal) => {
          exited = true;
          if (closed) return;
          if (signal) channel.exit(signal.replace(/^SIG/, ''), false, '');
          else channel.exit(code ?? 255);
          channel.end();
        },
      });
      for (const s of pendingSignals.splice(0)) job.signal(s);
      channel.on('drain', () => job?.resume());
      channel.on('data', (data: Buffer) => job?.write(data));
      channel.on('end', () => job?.end());
      channel.on('close', () => {
        closed = true;
        // The client went away: a PTY session hangs up (SIGHUP, like closing a terminal); a plain
        // command loses its stdin and output, as with sshd.
        if (!exited) job?.hangup();
      });
      channel.on('error', () => undefined);
    };
    session.on('exec', (accept, _reject, info) => run(info.command, accept()));
    session.on('shell', (accept) => run(null, accept()));
    session.on('subsystem', (_accept, reject) => reject());
  }
}

function _rejectQuietly(reject: (() => void) | undefined): void {
  reject?.();
}
