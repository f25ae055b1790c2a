/**
 * Messages between the demo's main process and a container agent (src/demo/agent.ts), sent over
 * Node's IPC channel with `serialization: 'advanced'` so output chunks travel as bytes. The channel
 * is also the agent's lifeline: when it closes, the agent and its whole container go away.
 */

/** How the agent sets up its container; passed as JSON in SOFA_DEMO_AGENT. */
export interface AgentConfig {
  name: string;
  /** `namespaces`: own net/mount/pid/uts namespaces; `plain`: shared host (fallback). */
  isolation: 'namespaces' | 'plain';
  /** Where services listen: '::' inside a private netns, the container's 127.0.1.x otherwise. */
  bindHost: string;
  /** The container's home as the host sees it (mounted on /home/admin with namespaces). */
  homeDir: string;
  /** Directory of command shims (df, date), first on PATH. */
  shimDir: string;
  /** Environment for commands: HOME, USER, PATH, HOSTNAME, TZ... */
  env: Record<string, string>;
  /** Listeners to open at start (more can be added and removed later). */
  listeners: ListenerSpec[];
  /** The application's stand-in process, shown by `ps -ef | grep java`. */
  appProcess: string;
  python: string;
  /** Descriptors inherited only to start node (see agentHost.ts): closed before anything runs. */
  closeFds?: number[];
}

export interface ListenerSpec {
  port: number;
  /**
   * `http`: requests are forwarded to the main process; `tcp`: accept and hold; `mysql`: each
   * connection is relayed through the main process to the demo's MariaDB (a real database).
   */
  kind: 'http' | 'tcp' | 'mysql';
}

/** A simulated long-lived outgoing connection (shows as ESTABLISHED in the container's netstat). */
export interface LinkSpec {
  host: string;
  port: number;
  /**
   * The peer is a database: the link's listener inside this container stays open and relays the
   * connections after the link's own to the demo's MariaDB, so `mysql -h PEER` from here reaches
   * the real database as from a real host.
   */
  database?: boolean;
}

export interface PtySpec {
  rows: number;
  cols: number;
  term: string;
}

export type ToAgent =
  | { t: 'spawn'; id: number; command: string | null; pty?: PtySpec; env: Record<string, string> }
  | { t: 'stdin'; id: number; data: Uint8Array }
  | { t: 'stdin-end'; id: number }
  | { t: 'signal'; id: number; signal: string }
  | { t: 'resize'; id: number; rows: number; cols: number }
  | { t: 'hangup'; id: number }
  | { t: 'pause'; id: number }
  | { t: 'resume'; id: number }
  | { t: 'connect'; id: number; port: number }
  | { t: 'sock-data'; id: number; data: Uint8Array }
  | { t: 'sock-end'; id: number }
  | { t: 'http-res'; id: number; status: number; headers: Record<string, string>; body: string }
  /** Bytes from the database for a relayed connection (see the `mysql` listener), and its end. */
  | { t: 'relay-data'; id: number; data: Uint8Array }
  | { t: 'relay-end'; id: number }
  | { t: 'listeners'; listeners: ListenerSpec[] }
  | { t: 'links'; links: LinkSpec[] }
  /** Starts or stops the application's stand-in process (the service-down fault). */
  | { t: 'app'; running: boolean }
  /**
   * Writes a file as the container's user (root's demo: see logPump.ts): `append` (made with its
   * directories if missing, moved to `.1` first when past `rotateBytes`) or `create` (only if
   * nothing is there yet: the home's start-up files).
   */
  | { t: 'write'; path: string; data: string; how: 'append' | 'create'; rotateBytes?: number }
  /** Renames a file or directory of the container's own, unless `to` exists (a fault moving logs aside and back). */
  | { t: 'move'; from: string; to: string };

export type FromAgent =
  | { t: 'ready'; pid: number; listening: number[]; failed: { port: number; error: string }[] }
  | { t: 'out'; id: number; fd: 1 | 2; data: Uint8Array }
  | { t: 'exit'; id: number; code: number | null; signal: string | null }
  | { t: 'sock-open'; id: number; error?: string }
  | { t: 'sock-data'; id: number; data: Uint8Array }
  | { t: 'sock-end'; id: number }
  | { t: 'http'; id: number; port: number; method: string; url: string; body: string }
  /** A client connected to a `mysql` listener: the main process opens the database side. */
  | { t: 'relay-open'; id: number; port: number }
  | { t: 'relay-data'; id: number; data: Uint8Array }
  | { t: 'relay-end'; id: number }
  | { t: 'warn'; message: string };

export const AGENT_CONFIG_ENV = 'SOFA_DEMO_AGENT';
