/**
 * Starts a container agent and talks to it. With namespaces the agent runs as:
 *
 *   setpriv --pdeathsig KILL -- unshare --user --map-root-user --net --mount --pid --uts --ipc
 *     --fork --mount-proc --kill-child -- bash -c SETUP  →  node demo-agent.js
 *
 * No root is needed. Run by root, the chain starts as the container's own unprivileged host uid
 * and gid (containerUsers.ts) instead, so the container's root is that uid outside, never host
 * root. bash is the container's PID 1: it sets up the hostname, loopback, the /home and
 * /usr/local/sbin bind mounts, a private /tmp and /dev/pts, then waits for the agent (reaping
 * orphans meanwhile, which Node cannot). It starts in the container's directory and mounts from
 * there by relative path, and reads the agent bundle from a descriptor the main process opened:
 * the container's uid needs no way into the directories above (a root-owned 0700 --dir, a
 * checkout under /root). Nothing outlives the demo: the IPC channel's EOF ends the agent; if the
 * main process dies, unshare gets SIGKILL (pdeathsig), its child PID 1 too (--kill-child), and the
 * kernel kills everything left in the PID namespace.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Duplex } from 'stream';
import type { AgentConfig, FromAgent, LinkSpec, ListenerSpec, PtySpec, ToAgent } from './agentProtocol';
import { AGENT_CONFIG_ENV } from './agentProtocol';
import { blockedOnTheWay, type HostIds } from './containerUsers';

export type Isolation = 'namespaces' | 'plain';

const UNSHARE_ARGS = ['--user', '--map-root-user', '--net', '--mount', '--pid', '--uts', '--ipc', '--fork', '--mount-proc', '--kill-child'];

/**
 * PID 1 of the container: bash reading this from stdin under the name `init` (`exec -a`), so
 * `ps -ef` inside shows `init`, not the set-up commands. Always by absolute path: a PATH lookup
 * of `init` that misses would start the machine's real init (systemd) in the namespaces.
 */
const PID1 = ['/bin/bash', '-c', 'exec -a init /bin/bash -s'];

/** Descriptors the main process hands to PID 1: the agent bundle, and node when its path is closed. */
const SCRIPT_FD = 4;
const NODE_FD = 5;
/** Without namespaces the bundle is node's stdin, and node (when passed) comes right after the IPC fd. */
const PLAIN_NODE_FD = 4;

const SETUP = `set -e
hostname "$SOFA_DEMO_HOSTNAME"
ip link set lo up 2>/dev/null || ifconfig lo up
# Relative to the container's directory (the working directory), not canonicalised (-c): only
# the container's own directories need to be open to its uid.
mount -c --bind "$SOFA_DEMO_HOME_ROOT" /home
mount -c --bind "$SOFA_DEMO_SHIMS" /usr/local/sbin
# The container's own load, CPU and memory (procView.ts), as LXCFS shows them in real containers.
# Before the private /tmp: a demo --dir under /tmp is hidden once it is mounted.
proc=$(dirname "$SOFA_DEMO_SHIMS")/proc
for f in loadavg stat meminfo; do mount -c --bind "$proc/$f" "/proc/$f"; done
cd /
mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp
set +e
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts 2>/dev/null && mount --bind /dev/pts/ptmx /dev/ptmx 2>/dev/null
node=$SOFA_DEMO_NODE name=$SOFA_DEMO_HOSTNAME
unset SOFA_DEMO_HOSTNAME SOFA_DEMO_HOME_ROOT SOFA_DEMO_SHIMS SOFA_DEMO_NODE
# The agent bundle comes on fd ${SCRIPT_FD}, opened by the main process (a checkout under /tmp is
# hidden by the private /tmp). The arguments only make room for the agent's process title
# (sofa-demo-agent NAME) in ps.
"$node" - --container "$name" <&${SCRIPT_FD} ${SCRIPT_FD}<&- &
exec ${SCRIPT_FD}<&- ${NODE_FD}<&-
wait $!
`;

/**
 * Whether this machine lets an unprivileged process make the demo's namespaces; why not if not.
 * `runAs`: the uid/gid the containers will run as (root's demo), tried as that user.
 */
export function probeNamespaces(runAs?: HostIds): { ok: true } | { ok: false; reason: string } {
  const r = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', ...UNSHARE_ARGS, '--', 'sh', '-c', '(ip link set lo up 2>/dev/null || ifconfig lo up) && mount -t tmpfs tmpfs /tmp'], {
    encoding: 'utf8',
    timeout: 10_000,
    cwd: '/',
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  if (r.error) return { ok: false, reason: `${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'setpriv/unshare (util-linux) not found' : r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: (r.stderr || `exit ${r.status}`).trim().split('\n').slice(-2).join('; ') };
  return { ok: true };
}

export interface JobHandlers {
  onData(fd: 1 | 2, data: Buffer): void;
  onExit(code: number | null, signal: string | null): void;
}

export interface AgentJob {
  write(data: Buffer): void;
  end(): void;
  signal(name: string): void;
  resize(rows: number, cols: number): void;
  hangup(): void;
  pause(): void;
  resume(): void;
}

type HttpAnswer = { status: number; headers: Record<string, string>; body: string };
export type HttpHandler = (port: number, method: string, url: string, body: string) => HttpAnswer | Promise<HttpAnswer>;

/** The database side of a connection to a container's `mysql` listener (undefined: none, the client is dropped). */
export type RelayHandler = (port: number) => Duplex | undefined;

export class ContainerAgent {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly jobs = new Map<number, JobHandlers>();
  private readonly sockets = new Map<number, { stream: Duplex; opened: (error?: string) => void }>();
  private stderrTail = '';
  private exited: Promise<void> | undefined;
  /** The agent's pid as the host sees it (unshare's child's child), and unshare's pid. */
  agentPid: number | undefined;
  listening: number[] = [];

  constructor(
    readonly name: string,
    private readonly config: AgentConfig,
    private readonly agentScript: string,
    private readonly onHttp: HttpHandler,
    private readonly warn: (message: string) => void,
    /** Set when the demo runs as root: the container's own unprivileged host uid and gid. */
    private readonly runAs?: HostIds,
    private readonly onRelay?: RelayHandler,
  ) {}

  private readonly relays = new Map<number, Duplex>();

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(timeoutMs = 15_000): Promise<void> {
    const ns = this.config.isolation === 'namespaces';
    const ids = this.runAs ? { uid: this.runAs.uid, gid: this.runAs.gid } : {};
    // Opened here, by the main process: the container's uid may have no way to the file.
    let scriptFd: number;
    try {
      scriptFd = fs.openSync(this.agentScript, 'r');
    } catch (err) {
      return Promise.reject(new Error(`container ${this.name} could not start: cannot read the agent bundle ${this.agentScript}: ${(err as Error).message}`));
    }
    // node by path when the container's uid can run it from there, else from a descriptor (a
    // node under /root/.nvm), which the agent closes first thing so its commands do not inherit it.
    const nodeFd = this.runAs && blockedOnTheWay(process.execPath, this.runAs, 'exec') ? fs.openSync(process.execPath, 'r') : undefined;
    const nodeFdInChild = ns ? NODE_FD : PLAIN_NODE_FD;
    const node = nodeFd === undefined ? process.execPath : `/proc/self/fd/${nodeFdInChild}`;
    const config: AgentConfig = nodeFd === undefined ? this.config : { ...this.config, closeFds: [nodeFdInChild] };
    // The caller's environment (tokens, CI secrets; NODE_OPTIONS loaders, NODE_EXTRA_CA_CERTS that
    // every agent would load) stays out of a container whose root could read it from
    // /proc/1/environ: only what PID 1 and the agent need, whoever started the site. Commands get
    // config.env anyway. ELECTRON_RUN_AS_NODE: node may be the editor's own binary.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH || '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
      ...(process.env.ELECTRON_RUN_AS_NODE ? { ELECTRON_RUN_AS_NODE: process.env.ELECTRON_RUN_AS_NODE } : {}),
      // Under c8 a user's agents write their coverage where the site's own process does.
      ...(!this.runAs && process.env.NODE_V8_COVERAGE ? { NODE_V8_COVERAGE: process.env.NODE_V8_COVERAGE } : {}),
      [AGENT_CONFIG_ENV]: JSON.stringify(config),
    };
    let child: ChildProcess;
    try {
      if (ns) {
        const cwd = path.dirname(this.config.shimDir);
        Object.assign(env, {
          SOFA_DEMO_HOSTNAME: this.name,
          SOFA_DEMO_HOME_ROOT: path.relative(cwd, path.dirname(this.config.homeDir)),
          SOFA_DEMO_SHIMS: path.relative(cwd, this.config.shimDir),
          SOFA_DEMO_NODE: node,
        });
        const stdio: ('pipe' | 'ignore' | 'ipc' | number)[] = ['pipe', 'ignore', 'pipe', 'ipc', scriptFd];
        if (nodeFd !== undefined) stdio.push(nodeFd);
        child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', ...UNSHARE_ARGS, '--', ...PID1], { env, cwd, stdio, serialization: 'advanced', ...ids });
        child.stdin!.on('error', () => undefined);
        child.stdin!.end(SETUP);
      } else {
        // The bundle on stdin (`node -`), node itself from a descriptor when its path is closed.
        const stdio: ('pipe' | 'ignore' | 'ipc' | number)[] = [scriptFd, 'ignore', 'pipe', 'ipc'];
        if (nodeFd !== undefined) stdio.push(nodeFd);
        child = spawn(node, ['-', '--container', this.name], { env, cwd: '/', stdio, serialization: 'advanced', ...ids });
      }
    } finally {
      fs.closeSync(scriptFd);
      if (nodeFd !== undefined) fs.closeSync(nodeFd);
    }
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-2000);
    });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (m: FromAgent) => this.onMessage(m));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(`did not report ready within ${timeoutMs} ms`), timeoutMs);
      const fail = (why: string) => {
        clearTimeout(timer);
        reject(new Error(`container ${this.name} ${why}${this.stderrTail ? `: ${this.stderrTail.trim()}` : ''}`));
      };
      child.once('error', (err) => fail(`could not start: ${err.message}`));
      child.once('exit', (code, signal) => fail(`exited during start-up (${signal ?? `exit ${code}`})`));
      this.readyWaiter = (m) => {
        clearTimeout(timer);
        this.agentPid = m.pid;
        this.listening = m.listening;
        for (const f of m.failed) this.warn(`${this.name}: port ${f.port} not listening (${f.error})`);
        resolve();
      };
    });
  }

  private readyWaiter: ((m: Extract<FromAgent, { t: 'ready' }>) => void) | undefined;

  private send(message: ToAgent): void {
    if (this.child?.connected) this.child.send(message);
  }

  private onMessage(m: FromAgent): void {
    switch (m.t) {
      case 'ready':
        this.readyWaiter?.(m);
        this.readyWaiter = undefined;
        break;
      case 'out':
        this.jobs.get(m.id)?.onData(m.fd, Buffer.from(m.data));
        break;
      case 'exit': {
        const job = this.jobs.get(m.id);
        this.jobs.delete(m.id);
        job?.onExit(m.code, m.signal);
        break;
      }
      case 'sock-open':
        this.sockets.get(m.id)?.opened(m.error);
        break;
      case 'sock-data':
        this.sockets.get(m.id)?.stream.push(Buffer.from(m.data));
        break;
      case 'sock-end': {
        const s = this.sockets.get(m.id);
        this.sockets.delete(m.id);
        s?.stream.push(null);
        break;
      }
      case 'http': {
        const failed = (err: unknown) => ({ status: 500, headers: { 'content-type': 'text/plain' }, body: `internal error: ${(err as Error).message}\n` });
        // Most answers come at once; a console that asks its database answers later.
        void (async () => {
          let answer;
          try {
            answer = await this.onHttp(m.port, m.method, m.url, m.body);
          } catch (err) {
            answer = failed(err);
          }
          this.send({ t: 'http-res', id: m.id, ...answer });
        })();
        break;
      }
      case 'warn':
        this.warn(`${this.name}: ${m.message}`);
        break;
      case 'relay-open': {
        const upstream = this.onRelay?.(m.port);
        if (!upstream) {
          this.send({ t: 'relay-end', id: m.id });
          break;
        }
        this.relays.set(m.id, upstream);
        upstream.on('data', (data: Buffer) => this.send({ t: 'relay-data', id: m.id, data }));
        upstream.on('error', () => undefined);
        upstream.on('close', () => {
          if (this.relays.delete(m.id)) this.send({ t: 'relay-end', id: m.id });
        });
        break;
      }
      case 'relay-data':
        this.relays.get(m.id)?.write(Buffer.from(m.data));
        break;
      case 'relay-end': {
        const upstream = this.relays.get(m.id);
        this.relays.delete(m.id);
        upstream?.end();
        break;
      }
    }
  }

  /** Runs `command` (null: a login shell) in the container. */
  spawn(command: string | null, env: Record<string, string>, pty: PtySpec | undefined, handlers: JobHandlers): AgentJob {
    const id = this.nextId++;
    this.jobs.set(id, handlers);
    this.send({ t: 'spawn', id, command, env, pty });
    if (!this.child?.connected) queueMicrotask(() => handlers.onExit(null, 'KILL'));
    return {
      write: (data) => this.send({ t: 'stdin', id, data }),
      end: () => this.send({ t: 'stdin-end', id }),
      signal: (signal) => this.send({ t: 'signal', id, signal }),
      resize: (rows, cols) => this.send({ t: 'resize', id, rows, cols }),
      hangup: () => this.send({ t: 'hangup', id }),
      pause: () => this.send({ t: 'pause', id }),
      resume: () => this.send({ t: 'resume', id }),
    };
  }

  /** A TCP connection to 127.0.0.1:port inside the container. */
  connect(port: number): Promise<Duplex> {
    const id = this.nextId++;
    const stream = new Duplex({
      read: () => undefined,
      write: (chunk: Buffer, _enc, cb) => {
        this.send({ t: 'sock-data', id, data: chunk });
        cb();
      },
      final: (cb) => {
        this.send({ t: 'sock-end', id });
        cb();
      },
    });
    return new Promise((resolve, reject) => {
      this.sockets.set(id, {
        stream,
        opened: (error) => (error ? (this.sockets.delete(id), reject(new Error(error))) : resolve(stream)),
      });
      this.send({ t: 'connect', id, port });
    });
  }

  /** Writes a file as the container's user (a path as the agent sees it; see the 'write' message). */
  write(file: string, data: string, how: 'append' | 'create', rotateBytes?: number): void {
    this.send({ t: 'write', path: file, data, how, rotateBytes });
  }

  /** Renames a path of the container's own as its user, unless `to` exists (see the 'move' message). */
  move(from: string, to: string): void {
    this.send({ t: 'move', from, to });
  }

  setListeners(listeners: ListenerSpec[]): void {
    this.send({ t: 'listeners', listeners });
  }

  setLinks(links: LinkSpec[]): void {
    this.send({ t: 'links', links });
  }

  /** Starts or stops the application's process (what `ps` shows as the JVM). */
  setApp(running: boolean): void {
    this.send({ t: 'app', running });
  }

  /** Closes the lifeline and waits for the container to be gone (SIGKILL after a grace period). */
  async stop(graceMs = 2000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
