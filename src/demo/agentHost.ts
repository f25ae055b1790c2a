/**
 * Starts a container agent and talks to it. With namespaces the agent runs as:
 *
 *   setpriv --pdeathsig KILL -- unshare --user --map-root-user --net --mount --pid --uts --ipc
 *     --fork --mount-proc --kill-child -- bash -c SETUP  →  node demo-agent.js
 *
 * No root is needed. bash is the container's PID 1: it sets up the hostname, loopback, the
 * /home and /usr/local/sbin bind mounts, a private /tmp and /dev/pts, then waits for the agent
 * (reaping orphans meanwhile, which Node cannot). Nothing outlives the demo: the IPC channel's EOF
 * ends the agent; if the main process dies, unshare gets SIGKILL (pdeathsig), its child PID 1
 * too (--kill-child), and the kernel kills everything left in the PID namespace.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as path from 'path';
import { Duplex } from 'stream';
import type { AgentConfig, FromAgent, LinkSpec, ListenerSpec, PtySpec, ToAgent } from './agentProtocol';
import { AGENT_CONFIG_ENV } from './agentProtocol';

export type Isolation = 'namespaces' | 'plain';

const UNSHARE_ARGS = ['--user', '--map-root-user', '--net', '--mount', '--pid', '--uts', '--ipc', '--fork', '--mount-proc', '--kill-child'];

/**
 * PID 1 of the container: bash reading this from stdin under the name `init` (`exec -a`), so
 * `ps -ef` inside shows `init`, not the set-up commands. Always by absolute path: a PATH lookup
 * of `init` that misses would start the machine's real init (systemd) in the namespaces.
 */
const PID1 = ['/bin/bash', '-c', 'exec -a init /bin/bash -s'];

const SETUP = `set -e
hostname "$SOFA_DEMO_HOSTNAME"
ip link set lo up 2>/dev/null || ifconfig lo up
mount --bind "$SOFA_DEMO_HOME_ROOT" /home
mount --bind "$SOFA_DEMO_SHIMS" /usr/local/sbin
# The container's own load, CPU and memory (procView.ts), as LXCFS shows them in real containers.
# Before the private /tmp: a demo --dir under /tmp is hidden once it is mounted.
proc=$(dirname "$SOFA_DEMO_SHIMS")/proc
for f in loadavg stat meminfo; do mount --bind "$proc/$f" "/proc/$f"; done
# The agent bundle is opened now and handed to node as its stdin: a checkout under /tmp would be
# hidden by the private /tmp too.
exec 9<"$SOFA_DEMO_SCRIPT"
mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp
set +e
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts 2>/dev/null && mount --bind /dev/pts/ptmx /dev/ptmx 2>/dev/null
node=$SOFA_DEMO_NODE name=$SOFA_DEMO_HOSTNAME
unset SOFA_DEMO_HOSTNAME SOFA_DEMO_HOME_ROOT SOFA_DEMO_SHIMS SOFA_DEMO_NODE SOFA_DEMO_SCRIPT
# The arguments only make room for the agent's process title (sofa-demo-agent NAME) in ps.
"$node" - --container "$name" <&9 9<&- &
exec 9<&-
wait $!
`;

/** Whether this machine lets an unprivileged process make the demo's namespaces; why not if not. */
export function probeNamespaces(): { ok: true } | { ok: false; reason: string } {
  const r = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', ...UNSHARE_ARGS, '--', 'sh', '-c', '(ip link set lo up 2>/dev/null || ifconfig lo up) && mount -t tmpfs tmpfs /tmp'], { encoding: 'utf8', timeout: 10_000 });
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

export type HttpHandler = (port: number, method: string, url: string, body: string) => { status: number; headers: Record<string, string>; body: string };

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
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(timeoutMs = 15_000): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, [AGENT_CONFIG_ENV]: JSON.stringify(this.config) };
    // The agent is a plain bundle: loaders and flags meant for the demo's own process (tsx under
    // tests, --inspect) must not follow it into the container.
    delete env.NODE_OPTIONS;
    const ns = this.config.isolation === 'namespaces';
    let child: ChildProcess;
    if (ns) {
      Object.assign(env, {
        SOFA_DEMO_HOSTNAME: this.name,
        SOFA_DEMO_HOME_ROOT: path.dirname(this.config.homeDir),
        SOFA_DEMO_SHIMS: this.config.shimDir,
        SOFA_DEMO_NODE: process.execPath,
        SOFA_DEMO_SCRIPT: this.agentScript,
      });
      child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', ...UNSHARE_ARGS, '--', ...PID1], { env, stdio: ['pipe', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(SETUP);
    } else {
      child = spawn(process.execPath, [this.agentScript], { env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
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
        let answer;
        try {
          answer = this.onHttp(m.port, m.method, m.url, m.body);
        } catch (err) {
          answer = { status: 500, headers: { 'content-type': 'text/plain' }, body: `internal error: ${(err as Error).message}\n` };
        }
        this.send({ t: 'http-res', id: m.id, ...answer });
        break;
      }
      case 'warn':
        this.warn(`${this.name}: ${m.message}`);
        break;
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

  setListeners(listeners: ListenerSpec[]): void {
    this.send({ t: 'listeners', listeners });
  }

  setLinks(links: LinkSpec[]): void {
    this.send({ t: 'links', links });
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
