/**
 * The demo container agent: one per container, started by the demo's main process inside the
 * container's own namespaces (see agentHost.ts). It owns what must live *inside* the container:
 * the service listeners on the guide's ports (HTTP answers come from the main process, which holds
 * the site's shared state), simulated outgoing connections, the application's stand-in `java`
 * process, and the commands SSH sessions run (with a PTY through a small Python helper). The IPC
 * channel to the main process is its lifeline: when it closes, the agent exits and, as the
 * container's main process, takes everything in the container with it.
 *
 * Bundled to dist/demo-agent.js (scripts/build.mjs); it imports nothing from the rest of the code.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import type { Writable } from 'stream';
import { AGENT_CONFIG_ENV, type AgentConfig, type FromAgent, type LinkSpec, type ListenerSpec, type ToAgent } from './agentProtocol';
import { PTY_HELPER } from './ptyHelper';

const config = JSON.parse(process.env[AGENT_CONFIG_ENV] ?? '{}') as AgentConfig;
delete process.env[AGENT_CONFIG_ENV];
// The node binary, when it came as a descriptor: the container's commands must not inherit it.
for (const fd of config.closeFds ?? []) {
  try {
    fs.closeSync(fd);
  } catch {
    /* not open */
  }
}
// Named for `ps` inside the container (the title can be as long as the original command line).
process.title = `sofa-demo-agent ${config.name}`;

function send(message: FromAgent): void {
  if (process.connected) process.send!(message);
}

// ---- processes -------------------------------------------------------------------------------

interface Job {
  child: ChildProcess;
  /** The PTY helper's control pipe (fd 3); absent for plain exec. */
  control?: Writable;
}
const jobs = new Map<number, Job>();

function spawnJob(id: number, command: string | null, env: Record<string, string>, pty?: { rows: number; cols: number; term: string }): void {
  const fullEnv = { ...config.env, ...env, ...(pty ? { TERM: pty.term || 'xterm-256color' } : {}) };
  const shell = ['/bin/bash', ...(command === null ? ['-l'] : ['-c', command])];
  // Every command leads its own process group (detached = setsid), so a signal request stops
  // pipelines and children, not only the shell.
  const child = pty
    ? spawn(config.python, ['-c', PTY_HELPER, String(pty.rows || 24), String(pty.cols || 80), ...shell], {
        cwd: config.env.HOME,
        env: fullEnv,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      })
    : spawn(shell[0], shell.slice(1), { cwd: config.env.HOME, env: fullEnv, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const job: Job = { child, control: pty ? (child.stdio[3] as Writable) : undefined };
  jobs.set(id, job);
  child.stdout!.on('data', (data: Buffer) => send({ t: 'out', id, fd: 1, data }));
  child.stderr!.on('data', (data: Buffer) => send({ t: 'out', id, fd: 2, data }));
  child.stdin!.on('error', () => undefined);
  job.control?.on('error', () => undefined);
  let exited: { code: number | null; signal: string | null } | undefined;
  let streamsOpen = 2;
  const finish = () => {
    if (!exited || streamsOpen > 0) return;
    jobs.delete(id);
    send({ t: 'exit', id, ...exited });
  };
  const streamDone = () => { streamsOpen--; finish(); };
  child.stdout!.on('close', streamDone);
  child.stderr!.on('close', streamDone);
  child.on('error', (err) => {
    send({ t: 'out', id, fd: 2, data: Buffer.from(`${shell[0]}: ${err.message}\n`) });
    exited = { code: 127, signal: null };
    streamsOpen = 0;
    finish();
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    // A background job may hold stdout open after the shell exits; do not wait for it forever.
    setTimeout(() => { streamsOpen = 0; finish(); }, 300).unref();
    finish();
  });
}

function signalJob(job: Job, signal: string): void {
  const name = (signal.startsWith('SIG') ? signal : `SIG${signal}`) as NodeJS.Signals;
  if (job.control) {
    const num = signalNumber(name);
    if (num) job.control.write(`signal ${num}\n`);
    return;
  }
  try {
    process.kill(-job.child.pid!, name);
  } catch {
    /* already gone */
  }
}

function signalNumber(name: string): number | undefined {
  return (os.constants.signals as Record<string, number>)[name];
}

// ---- sockets: listeners, port forwards, simulated links ----------------------------------------

const servers = new Map<number, net.Server>();
const pendingHttp = new Map<number, http.ServerResponse>();
let nextHttpId = 1;

function listen(spec: ListenerSpec): Promise<string | undefined> {
  const server =
    spec.kind === 'http'
      ? http.createServer((req, res) => onHttp(spec.port, req, res))
      : net.createServer((socket) => (spec.kind === 'mysql' ? relay(spec.port, socket) : holdConnection(socket)));
  if (spec.kind === 'http') {
    (server as http.Server).keepAliveTimeout = 5000;
    // Answer a request whose client already half-closed (`printf 'GET ...' | ssh -W host:port`),
    // as Tomcat does; Node's default drops it.
    (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  }
  return new Promise((resolve) => {
    const tryListen = (host: string, fallback?: string) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (fallback && (err.code === 'EAFNOSUPPORT' || err.code === 'EADDRNOTAVAIL')) tryListen(fallback);
        else resolve(`${err.code ?? err.message}`);
      });
      server.listen({ port: spec.port, host, backlog: 128 }, () => {
        servers.set(spec.port, server);
        resolve(undefined);
      });
    };
    tryListen(config.bindHost, config.bindHost === '::' ? '0.0.0.0' : undefined);
  });
}

function holdConnection(socket: net.Socket): void {
  // A plain TCP port: accept, say nothing, drop idle clients after a while (like a real server).
  socket.setTimeout(60_000, () => socket.destroy());
  socket.on('error', () => undefined);
  socket.on('end', () => socket.end());
  socket.resume();
}

/** Connections to a `mysql` listener, relayed through the main process to the demo's MariaDB. */
const relays = new Map<number, net.Socket>();
let nextRelayId = 1;

function relay(port: number, socket: net.Socket): void {
  const id = nextRelayId++;
  relays.set(id, socket);
  socket.on('error', () => undefined);
  socket.on('data', (data: Buffer) => send({ t: 'relay-data', id, data }));
  socket.on('end', () => send({ t: 'relay-end', id }));
  socket.on('close', () => {
    if (relays.delete(id)) send({ t: 'relay-end', id });
  });
  send({ t: 'relay-open', id, port });
}

function onHttp(port: number, req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const id = nextHttpId++;
    pendingHttp.set(id, res);
    send({ t: 'http', id, port, method: req.method ?? 'GET', url: req.url ?? '/', body: Buffer.concat(chunks).toString('utf8') });
  });
}

async function setListeners(wanted: ListenerSpec[]): Promise<{ listening: number[]; failed: { port: number; error: string }[] }> {
  const ports = new Set(wanted.map((l) => l.port));
  for (const [port, server] of servers) {
    if (!ports.has(port)) {
      servers.delete(port);
      server.close();
      // Closing the listener is not enough for "port down": drop its established clients too.
      (server as net.Server & { closeAllConnections?: () => void }).closeAllConnections?.();
    }
  }
  const failed: { port: number; error: string }[] = [];
  for (const spec of wanted) {
    if (servers.has(spec.port)) continue;
    const error = await listen(spec);
    if (error) failed.push({ port: spec.port, error });
  }
  return { listening: [...servers.keys()], failed };
}

const sockets = new Map<number, net.Socket>();

function connect(id: number, port: number): void {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
  sockets.set(id, socket);
  // Node clears socket.connecting before emitting a failed connect's error: track it ourselves,
  // or a refused port (a fault took it down) would never answer the SSH channel open.
  let opened = false;
  socket.once('connect', () => {
    opened = true;
    send({ t: 'sock-open', id });
  });
  socket.on('data', (data: Buffer) => send({ t: 'sock-data', id, data }));
  socket.on('end', () => send({ t: 'sock-end', id }));
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (!opened) send({ t: 'sock-open', id, error: err.code ?? err.message });
  });
  socket.on('close', () => {
    if (sockets.get(id) === socket) sockets.delete(id);
    send({ t: 'sock-end', id });
  });
}

/**
 * Outgoing connections to other containers (acvip 9003, session 9600, msgbroker 9529...). The
 * containers' networks are separate, so a link is a real TCP connection inside this container's
 * network from its own address to the peer's address (loopback routes all of 127/8): `netstat -an`
 * shows it ESTABLISHED, and it disappears when the peer's port goes down.
 */
const links = new Map<string, { client: net.Socket; server: net.Socket; acceptor?: net.Server }>();

function linkKey(l: LinkSpec): string {
  return `${l.host}:${l.port}`;
}

async function setLinks(wanted: LinkSpec[]): Promise<void> {
  const keys = new Set(wanted.map(linkKey));
  for (const [key, pair] of links) {
    if (keys.has(key)) continue;
    links.delete(key);
    pair.client.destroy();
    pair.server.destroy();
    pair.acceptor?.close();
  }
  const self = config.env.SOFA_DEMO_ADDRESS;
  for (const link of wanted) {
    if (links.has(linkKey(link))) continue;
    try {
      links.set(linkKey(link), await openLink(link, self));
    } catch (err) {
      send({ t: 'warn', message: `link to ${linkKey(link)}: ${(err as Error).message}` });
    }
  }
}

function openLink(link: LinkSpec, self: string): Promise<{ client: net.Socket; server: net.Socket; acceptor?: net.Server }> {
  if (config.isolation === 'plain' || servers.has(link.port)) {
    // One shared network, or a port this container serves itself (it listens on every address):
    // connect to the real listener.
    return new Promise((resolve, reject) => {
      const client = net.connect({ port: link.port, host: link.host, localAddress: self, noDelay: true });
      client.once('connect', () => {
        client.on('error', () => undefined);
        resolve({ client, server: client });
      });
      client.once('error', reject);
    });
  }
  return new Promise((resolve, reject) => {
    const acceptor = net.createServer();
    acceptor.once('error', reject);
    acceptor.listen({ port: link.port, host: link.host, exclusive: true }, () => {
      const client = net.connect({ port: link.port, host: link.host, localAddress: self, noDelay: true });
      client.on('error', () => undefined);
      acceptor.once('connection', (server) => {
        server.on('error', () => undefined);
        if (!link.database) {
          acceptor.close();
          resolve({ client, server });
          return;
        }
        // Later connections (a `mysql -h PEER` run here) go to the real database.
        acceptor.on('connection', (socket) => relay(link.port, socket));
        resolve({ client, server, acceptor });
      });
    });
  });
}

// ---- messages from the main process -------------------------------------------------------------

/** Listener and link changes, one after another. */
let network: Promise<void> = Promise.resolve();

process.on('message', (message: ToAgent) => {
  switch (message.t) {
    case 'spawn':
      spawnJob(message.id, message.command, message.env, message.pty);
      break;
    case 'stdin':
      jobs.get(message.id)?.child.stdin?.write(Buffer.from(message.data));
      break;
    case 'stdin-end':
      jobs.get(message.id)?.child.stdin?.end();
      break;
    case 'signal': {
      const job = jobs.get(message.id);
      if (job) signalJob(job, message.signal);
      break;
    }
    case 'resize':
      jobs.get(message.id)?.control?.write(`resize ${message.rows} ${message.cols}\n`);
      break;
    case 'hangup': {
      const job = jobs.get(message.id);
      if (job?.control) job.control.write('hangup\n');
      else if (job) {
        // Like sshd when the client goes: the command's pipes close, and its next write gets
        // SIGPIPE (a `tail -F` ends); a quiet `sleep` runs on.
        job.child.stdin?.end();
        job.child.stdout?.destroy();
        job.child.stderr?.destroy();
      }
      break;
    }
    case 'pause':
      jobs.get(message.id)?.child.stdout?.pause();
      break;
    case 'resume':
      jobs.get(message.id)?.child.stdout?.resume();
      break;
    case 'connect':
      connect(message.id, message.port);
      break;
    case 'sock-data':
      sockets.get(message.id)?.write(Buffer.from(message.data));
      break;
    case 'sock-end':
      sockets.get(message.id)?.end();
      break;
    case 'http-res': {
      const res = pendingHttp.get(message.id);
      pendingHttp.delete(message.id);
      res?.writeHead(message.status, message.headers).end(message.body);
      break;
    }
    case 'relay-data':
      relays.get(message.id)?.write(Buffer.from(message.data));
      break;
    case 'relay-end': {
      const socket = relays.get(message.id);
      relays.delete(message.id);
      socket?.end();
      break;
    }
    // In order: a link to a port this container serves goes to its own listener, so the
    // listeners a change reopens must be up before the links are made (else EADDRINUSE).
    case 'listeners':
      network = network.then(() => setListeners(message.listeners)).then(({ failed }) => {
        for (const f of failed) send({ t: 'warn', message: `port ${f.port}: ${f.error}` });
      });
      break;
    case 'links':
      network = network.then(() => setLinks(message.links));
      break;
    case 'app':
      setApp(message.running);
      break;
    case 'write':
      writeFile(message);
      break;
    case 'move':
      moveAside(message.from, message.to);
      break;
  }
});

/** A file of the container's own, written as its user (see the 'write' message). */
function writeFile(m: Extract<ToAgent, { t: 'write' }>): void {
  try {
    fs.mkdirSync(path.dirname(m.path), { recursive: true });
    if (m.how === 'create') {
      fs.writeFileSync(m.path, m.data, { flag: 'wx' });
      return;
    }
    if (m.rotateBytes !== undefined && (fs.statSync(m.path, { throwIfNoEntry: false })?.size ?? 0) > m.rotateBytes) fs.renameSync(m.path, `${m.path}.1`);
    fs.appendFileSync(m.path, m.data);
  } catch {
    // EEXIST: the user's own start-up file stays. Otherwise someone inside removed or replaced a
    // directory: the next write tries again, as the main process does with its own files.
  }
}

function moveAside(from: string, to: string): void {
  try {
    if (fs.lstatSync(from, { throwIfNoEntry: false }) && !fs.lstatSync(to, { throwIfNoEntry: false })) fs.renameSync(from, to);
  } catch {
    // Someone inside moved it first: nothing to do.
  }
}

// ---- life and death ------------------------------------------------------------------------------

let appProcess: ChildProcess | undefined;

function shutdown(): void {
  // With namespaces the kernel ends everything in the container once its init goes; without them
  // (fallback) stop what we started ourselves.
  appProcess?.kill('SIGKILL');
  for (const job of jobs.values()) {
    try { process.kill(-job.child.pid!, 'SIGKILL'); } catch { /* gone */ }
  }
  process.exit(0);
}
process.on('disconnect', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

function setApp(running: boolean): void {
  if (!running) {
    appProcess?.kill('SIGKILL');
    appProcess = undefined;
    return;
  }
  if (appProcess) return;
  const child = spawn('cat', [], { argv0: config.appProcess, stdio: ['pipe', 'ignore', 'ignore'], cwd: config.env.HOME });
  child.on('error', (err) => send({ t: 'warn', message: `app process: ${err.message}` }));
  appProcess = child;
}

async function start(): Promise<void> {
  // Root's demo makes the home's root only: the container's user makes its own home directory.
  try {
    fs.mkdirSync(config.env.HOME, { recursive: true });
  } catch {
    /* the commands will say so */
  }
  // The application's stand-in: `cat` reading a pipe that never speaks, under the JVM's command
  // line, so `ps -ef | grep java` shows the app (and it dies with the agent).
  setApp(true);
  const { listening, failed } = await setListeners(config.listeners);
  send({ t: 'ready', pid: process.pid, listening, failed });
}

void start();
