/**
 * The demo site: a small SOFAStack site on loopback (see src/demo/README.md). Builds the site from
 * the catalog, writes the workspace, starts one agent per container and one SSH server per
 * container address, keeps the logs growing, and applies faults. `DemoSite.start()` resolves once
 * every container answers; `stop()` leaves nothing running. Started by root, every container runs
 * as an unprivileged uid of its own (containerUsers.ts): its home is handed to that uid and written
 * only by the container's agent from then on; the rest of DIR stays root's.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { loadCatalog } from '../core/catalog/catalogLoader';
import { formatProblem } from '../core/sourceProblem';
import type { AgentConfig } from './agentProtocol';
import { ContainerAgent, probeNamespaces, type Isolation } from './agentHost';
import { blockedOnTheWay, containerHostIds, handOver, type HostIds } from './containerUsers';
import { hasFault, HIDABLE_LOG_DIRS, hiddenLogDirs, parseFaults, type FaultSet } from './faults';
import { LogPump, ROTATE_BYTES } from './logPump';
import { ProcView } from './procView';
import { SiteDatabase } from './siteDatabase';
import { buildSite, CONTAINER_HOME, DATABASES, DEMO_SSH_PORT, DEMO_USER, linksFor, type ContainerSpec, type SiteScale } from './siteModel';
import { SiteState } from './siteState';
import { DemoSshServer } from './sshServer';
import { dbHomeFiles, DemoPaths, homeFiles, loadOrCreateKey, writeClientKey, writeHome, writeShims, writeWorkspace } from './workspace';

export interface DemoOptions {
  dir: string;
  /** Comma list of fault names (`name@container` to aim one). */
  faults?: string;
  isolation?: Isolation | 'auto';
  /** First three octets of the containers' loopback addresses (default 127.0.1). */
  subnet?: string;
  /** `guide` (default): the guide's instance counts; `small`: one of most components. */
  scale?: SiteScale;
  catalogDir: string;
  /** dist/demo-agent.js; found next to the bundle by default. */
  agentScript?: string;
  log?: (message: string) => void;
}

export interface DemoReady {
  dir: string;
  inventory: string;
  knownHosts: string;
  identityFile: string;
  isolation: Isolation;
  hosts: { name: string; address: string; port: number; user: string; product: string; component: string }[];
  faults: Record<string, string[]>;
  pid: number;
  ms: number;
  /** `mariadb`: the RDS containers serve real databases; `listeners`: ports only (no mariadb-server). */
  databases: 'mariadb' | 'listeners';
}

/** Another demo holds the directory or the addresses: the user must stop it first. */
export class DemoConflictError extends Error {}

export class DemoSite {
  private readonly agents = new Map<string, ContainerAgent>();
  private readonly servers: DemoSshServer[] = [];
  private pump: LogPump | undefined;
  private procView: ProcView | undefined;
  private lockHeld = false;
  private stopped = false;
  private storeTimer: NodeJS.Timeout | undefined;
  ready: DemoReady | undefined;

  private constructor(
    readonly paths: DemoPaths,
    readonly containers: ContainerSpec[],
    readonly state: SiteState,
    readonly isolation: Isolation,
    private readonly log: (message: string) => void,
    /** Root's demo: each container's own host uid/gid, by container name. */
    private readonly runAs: Map<string, HostIds> | undefined,
    /** The site's MariaDB (undefined: not installed or cannot run here). */
    private readonly db: SiteDatabase | undefined,
  ) {}

  static async start(options: DemoOptions): Promise<DemoSite> {
    const started = Date.now();
    const log = options.log ?? (() => undefined);
    const { catalog, problems } = await loadCatalog(options.catalogDir);
    if (problems.length) log(`catalog problems (the demo uses what loaded):\n${problems.map(formatProblem).join('\n')}`);
    const containers = buildSite(catalog, options.subnet, options.scale);
    const faults = parseFaults(options.faults, containers);
    // One more unprivileged uid for root's demo: the MariaDB server's.
    const ids = containerHostIds(containers.length + 1);
    const isolation = chooseIsolation(options.isolation ?? 'auto', log, ids?.[0]);
    const paths = new DemoPaths(path.resolve(options.dir));
    const runAs = ids && new Map(containers.map((c, i) => [c.name, ids[i]]));
    const rds = containers.filter((c) => DATABASES[c.component]).map((c) => c.name);
    let db: SiteDatabase | undefined;
    if (rds.length) {
      const found = SiteDatabase.find(paths.state, ids?.[containers.length]);
      if (typeof found === 'string') log(`${found}: the RDS containers (${rds.join(', ')}) only listen on 3306; the database lines of checkService, the stores in /health/readiness and DDS's data source (§3.3.1) pass without a real login`);
      else db = found;
    }
    const site = new DemoSite(paths, containers, new SiteState(containers, faults), isolation, log, runAs, db);
    try {
      await site.boot(options.agentScript ?? defaultAgentScript(), started);
    } catch (err) {
      await site.stop();
      throw err;
    }
    return site;
  }

  private async boot(agentScript: string, started: number): Promise<void> {
    fs.mkdirSync(this.paths.state, { recursive: true });
    this.acquireLock();
    const clientKey = writeClientKey(this.paths);
    const hostKeys = this.containers.map((c) => ({ c, key: loadOrCreateKey(this.paths.hostKey(c), `${c.name} host key`) }));

    // Claim the addresses first: a second demo (or anything else on 127.0.1.x:2022) fails here,
    // before any container starts.
    for (const { c, key } of hostKeys) {
      const agent = new ContainerAgent(c.name, this.agentConfig(c), agentScript, (port, method, url, body) => this.state.handleHttp(c, port, method, url, body), this.log, this.runAs?.get(c.name), () => this.state.db?.connect());
      this.agents.set(c.name, agent);
      const server = new DemoSshServer(c, key.private, clientKey.public, agent, (address) => this.agentAt(address));
      try {
        await server.listen();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new DemoConflictError(`${c.address}:${DEMO_SSH_PORT} (${c.name}) is already in use: another sofa-ops demo (with another --dir) or an SSH server holds it; stop it first`);
        if (code === 'EADDRNOTAVAIL') throw new Error(`cannot listen on ${c.address}: this system has no ${c.address.replace(/\.\d+$/, "")}.0/24 on loopback (Linux has it; on macOS: sudo ifconfig lo0 alias ${c.address})`);
        throw err;
      }
      this.servers.push(server);
    }

    for (const c of this.containers) {
      if (this.runAs) this.prepareHome(c, this.runAs.get(c.name)!);
      else writeHome(this.paths, c);
      writeShims(this.paths, c, this.state.faults, this.state.kubeletStoppedAt.get(c.name), this.downAddresses());
    }
    this.applyHostDown();
    writeWorkspace(this.paths, this.containers, hostKeys, this.isolation === 'plain', this.state.faults);

    if (this.isolation === 'namespaces') {
      this.procView = new ProcView(this.containers, (c) => path.join(path.dirname(this.paths.shims(c)), 'proc'), Math.random, (c) => this.state.faults.get('metrics-unavailable')?.has(c.name) ?? false);
      this.procView.start(true);
    }
    if (this.runAs) for (const c of this.containers) this.openToContainer(c);
    // The database comes up alongside the containers (its first run installs a datadir).
    const dbStarted = this.db?.start().then(
      () => {
        this.state.db = this.db;
        this.state.db!.setBroken(this.state.brokenDatabases());
      },
      (err: Error) => this.log(`MariaDB could not start (${err.message}): the RDS containers' 3306 accept and close connections`),
    );
    // Each start is a fork of this process: on a busy machine the last container's turn comes
    // late, so the wait grows with the site (15 s, plus 0.5 s a container).
    const startTimeout = 15_000 + 500 * this.containers.length;
    await Promise.all([...this.agents.values()].map((a) => a.start(startTimeout))).catch((err: Error) => {
      if (/mount: \/home/.test(err.message)) {
        // Root of a user namespace has no power over files of users it does not map.
        err.message += `\n(the container's user namespace maps only your own user: --dir must be a directory you own, not one of another user)`;
      }
      throw err;
    });
    this.applyNetwork(false);
    await dbStarted;
    for (const c of this.containers) {
      const files = [...(this.runAs ? homeFiles(c) : []), ...dbHomeFiles(c, (db) => this.state.db?.account(db))];
      for (const { name, text } of files) {
        if (this.runAs) this.agents.get(c.name)!.write(this.agentPath(c, path.posix.join(CONTAINER_HOME, name)), text, 'create');
        else fs.writeFileSync(path.join(this.paths.home(c), name), text, { mode: 0o600 });
      }
    }
    if (this.state.db) {
      const refresh = () => {
        for (const name of this.state.db?.databases ?? []) void this.state.db?.probe(name);
      };
      // Not on the start's path: each probe is a spawn of the client.
      setTimeout(refresh, 1000).unref();
      this.storeTimer = setInterval(refresh, 10_000);
      this.storeTimer.unref();
    }
    const writer = this.runAs ? (c: ContainerSpec, p: string, text: string) => this.agents.get(c.name)!.write(this.agentPath(c, p), text, 'append', ROTATE_BYTES) : undefined;
    this.pump = new LogPump(this.state, (c, p) => this.paths.hostPath(c, p), Math.random, writer);
    this.pump.start();
    this.applyLogFaults();

    this.ready = {
      dir: this.paths.dir,
      inventory: this.paths.inventory,
      knownHosts: this.paths.knownHosts,
      identityFile: this.paths.clientKey,
      isolation: this.isolation,
      hosts: this.containers.map((c) => ({ name: c.name, address: c.address, port: DEMO_SSH_PORT, user: DEMO_USER, product: c.product, component: c.component })),
      faults: Object.fromEntries([...this.state.faults].map(([k, v]) => [k, [...v]])),
      pid: process.pid,
      ms: Date.now() - started,
      databases: this.state.db ? 'mariadb' : 'listeners',
    };
  }

  /** Host pids of the containers' outermost processes (unshare, or the agent without namespaces). */
  containerPids(): number[] {
    return [...this.agents.values()].map((a) => a.pid).filter((p): p is number => p !== undefined);
  }

  /** Turns faults on or off while the site runs (the same syntax as --faults). */
  setFaults(text: string): FaultSet {
    const faults = parseFaults(text, this.containers);
    this.state.faults = faults;
    this.procView?.postUnavailable();
    for (const c of this.containers) {
      writeShims(this.paths, c, faults, this.state.kubeletStoppedAt.get(c.name), this.downAddresses());
      if (this.runAs) this.openToContainer(c);
    }
    this.applyHostDown();
    this.applyNetwork();
    this.applyLogFaults();
    return faults;
  }

  private downAddresses = () => this.containers.filter((c) => hasFault(this.state.faults, 'host-down', c.name)).map((c) => c.address);

  /** A host that is down refuses SSH (ping gets no reply from it: the ping shim). */
  private applyHostDown(): void {
    this.containers.forEach((c, i) => void this.servers[i]?.setDown(this.downAddresses().includes(c.address)).catch((err: Error) => this.log(`${c.name}: ${err.message}`)));
  }

  /** Log directories a fault takes away (FaultInfo.hidesLogs): moved aside while on, back when off. */
  private applyLogFaults(): void {
    for (const c of this.containers) {
      const hidden = hiddenLogDirs(this.state.faults, c.name);
      for (const dir of HIDABLE_LOG_DIRS) {
        const [from, to] = hidden.includes(dir) ? [dir, `${dir}.moved-aside`] : [`${dir}.moved-aside`, dir];
        const [a, b] = [this.paths.hostPath(c, from), this.paths.hostPath(c, to)];
        if (this.runAs) this.agents.get(c.name)!.move(this.agentPath(c, from), this.agentPath(c, to));
        else if (fs.existsSync(a) && !fs.existsSync(b)) fs.renameSync(a, b);
      }
    }
  }

  /** Listeners (unless just started with them) and links, after the faults changed. */
  private applyNetwork(listeners = true): void {
    const down = this.state.downPorts();
    for (const c of this.containers) {
      const agent = this.agents.get(c.name)!;
      if (listeners) agent.setListeners(this.listenersOf(c, down));
      const stopped = this.state.serviceDown(c);
      // Without namespaces 127.0.0.1 is this machine's: no DBP back-end link.
      agent.setLinks(stopped ? [] : linksFor(c, this.containers, down).filter((l) => this.isolation !== 'plain' || l.host !== '127.0.0.1'));
      agent.setApp(!stopped);
    }
  }

  private listenersOf(c: ContainerSpec, down = this.state.downPorts()) {
    return c.listeners
      .filter((l) => !down.has(`${c.name}:${l.port}`) && !(this.isolation === 'plain' && l.port === DEMO_SSH_PORT))
      .map((l) => (l.kind === 'mysql' && !this.db ? { ...l, kind: 'tcp' as const } : l));
  }

  /**
   * Root's demo: the container's home root belongs to the container's uid. Made and handed over
   * while no container runs; a home left by a run as another user is handed over once. From then
   * on only the container's agent writes in it (a symlink planted inside cannot aim root's writes).
   */
  private prepareHome(c: ContainerSpec, ids: HostIds): void {
    const root = this.paths.homeRoot(c);
    const st = fs.lstatSync(root, { throwIfNoEntry: false });
    if (!st) {
      fs.mkdirSync(path.join(root, path.basename(this.paths.home(c))), { recursive: true });
      handOver(root, ids);
    } else if (st.uid !== ids.uid) {
      handOver(root, ids);
    }
    if (this.isolation === 'plain') {
      // Without namespaces the agent works on the host paths themselves.
      const blocked = blockedOnTheWay(this.paths.home(c), ids);
      if (blocked && blocked !== this.paths.home(c)) {
        throw new Error(`run as root, each demo container runs as its own unprivileged uid (${c.name}: ${ids.uid}), which cannot enter ${blocked}; without namespaces (--isolation plain) --dir must be a directory other users can reach (e.g. under /srv), or run the demo as a normal user`);
      }
    }
  }

  /** The root-owned parts a container reads (its directory, shims, /proc views): readable whatever the umask. */
  private openToContainer(c: ContainerSpec): void {
    const dir = path.dirname(this.paths.shims(c));
    const open = (p: string) => {
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (!st || st.isSymbolicLink()) return;
      const mode = st.isDirectory() || st.mode & 0o100 ? 0o755 : 0o644;
      if ((st.mode & 0o777) !== mode) fs.chmodSync(p, mode);
    };
    open(dir);
    for (const sub of [this.paths.shims(c), path.join(dir, 'proc')]) {
      if (!fs.existsSync(sub)) continue; // no /proc views without namespaces
      open(sub);
      for (const name of fs.readdirSync(sub)) open(path.join(sub, name));
    }
  }

  /** A path inside the container as its agent sees it (the host path without namespaces). */
  private agentPath(c: ContainerSpec, containerPath: string): string {
    return this.isolation === 'namespaces' ? containerPath : this.paths.hostPath(c, containerPath);
  }

  private agentAt(address: string): ContainerAgent | undefined {
    const c = this.containers.find((x) => x.address === address || x.name === address);
    return c && this.agents.get(c.name);
  }

  private agentConfig(c: ContainerSpec): AgentConfig {
    const ns = this.isolation === 'namespaces';
    const home = ns ? CONTAINER_HOME : this.paths.home(c);
    const basePath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    return {
      name: c.name,
      isolation: this.isolation,
      bindHost: ns ? '::' : c.address,
      homeDir: this.paths.home(c),
      shimDir: this.paths.shims(c),
      env: {
        HOME: home,
        USER: DEMO_USER,
        LOGNAME: DEMO_USER,
        SHELL: '/bin/bash',
        PATH: ns ? basePath : `${this.paths.shims(c)}:${basePath}`,
        HOSTNAME: c.name,
        LANG: 'C.UTF-8',
        ...(process.env.TZ ? { TZ: process.env.TZ } : {}),
        SOFA_DEMO_ADDRESS: c.address,
      },
      listeners: this.listenersOf(c),
      appProcess: c.javaCommand,
      python: findPython(),
    };
  }

  private acquireLock(): void {
    const lock = this.paths.lock;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
        this.lockHeld = true;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const other = Number(fs.readFileSync(lock, 'utf8').trim());
      if (other && other !== process.pid && pidAlive(other)) {
        throw new DemoConflictError(`a demo site is already running from ${this.paths.dir} (pid ${other}); stop it first (Ctrl-C in its terminal, or kill ${other})`);
      }
      fs.rmSync(lock, { force: true }); // left by a demo that was killed
    }
    throw new DemoConflictError(`could not take the lock ${lock}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.pump?.dispose();
    this.procView?.dispose();
    if (this.storeTimer) clearInterval(this.storeTimer);
    for (const s of this.servers) s.close();
    await Promise.all([...this.agents.values()].map((a) => a.stop()).concat(this.db ? [this.db.stop()] : []));
    if (this.lockHeld) fs.rmSync(this.paths.lock, { force: true });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A killed demo stays a zombie until its parent reaps it: that one is gone too.
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function chooseIsolation(wanted: Isolation | 'auto', log: (message: string) => void, runAs: HostIds | undefined): Isolation {
  if (wanted === 'plain') return 'plain';
  const probe = probeNamespaces(runAs);
  if (probe.ok) return 'namespaces';
  // Root's containers run as an unprivileged uid: root's own power to make namespaces does not count.
  const who = runAs ? `, as the containers' unprivileged uid ${runAs.uid} (the demo never gives a container host root)` : '';
  if (wanted === 'namespaces') throw new Error(`this system does not let an unprivileged process create user/network/mount/PID namespaces (${probe.reason}${who}); run with --isolation plain for the fallback`);
  log(`user namespaces unavailable (${probe.reason}${who}): containers share this machine's network and files (--isolation plain); see the demo README`);
  return 'plain';
}

let python: string | undefined;
function findPython(): string {
  if (python !== undefined) return python;
  // The system python, not a per-user shim (pyenv's shims cost 100s of ms and need $HOME).
  for (const p of ['/usr/bin/python3', '/usr/local/bin/python3']) if (fs.existsSync(p)) return (python = p);
  const r = spawnSync('sh', ['-c', 'command -v python3'], { encoding: 'utf8' });
  return (python = r.stdout.trim() || 'python3');
}

export function defaultAgentScript(): string {
  const candidates = [path.join(__dirname, 'demo-agent.js'), path.join(__dirname, '..', '..', 'dist', 'demo-agent.js')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`the demo agent bundle is missing (looked for ${candidates.join(', ')}); run \`npm run build\` first`);
  return found;
}
