/**
 * Runs `sofa-ops demo` from the built CLI as a user would (`node bin/sofa-ops.js demo --dir DIR
 * --json-ready`), started by launchDemo like the editor, `npm start` and the e2e start it, as the
 * unprivileged test user when the tests run as root (the demo must not need root; `asRoot` keeps
 * root, as CI and `sudo` users run it), and talks to its containers with the real OpenSSH client,
 * host key checking strict.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { launchDemo, type DemoExit, type DemoReadyLine, type LaunchedDemo } from '../../../src/demo/demoLauncher';
import { descendants, onProcessExit, SSH, TEST_USER } from '../fixtures/sshd';

export const BIN = path.resolve(__dirname, '../../../bin/sofa-ops.js');

export type ReadyLine = DemoReadyLine;

export interface RunningDemo {
  child: ChildProcess;
  ready: ReadyLine;
  stderr(): string;
  /** The host address of a container by name. */
  address(name: string): string;
  /** Every process of the site (the demo and its descendants), read from /proc now. */
  processTree(): number[];
  stop(signal?: NodeJS.Signals): Promise<DemoExit>;
}

export function demoUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = spawnSync('getent', ['passwd', TEST_USER], { encoding: 'utf8' }).stdout.trim().split(':');
  return entry.length > 3 ? { uid: Number(entry[2]), gid: Number(entry[3]) } : undefined;
}

/** A temp dir the demo user may write (mkdtemp makes it 0700 and root's). */
export function demoDir(prefix = 'sofa-ops-demo-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const user = demoUser();
  if (user) fs.chownSync(dir, user.uid, user.gid);
  return dir;
}

/**
 * A loopback /24 of this test process's own, so demo tests never collide with a demo someone
 * else runs on the default 127.0.1 (or with another test run).
 */
export const TEST_SUBNET = `127.0.${100 + (process.pid % 150)}`;

/** How the tests run the demo CLI: as the unprivileged test user (unless asRoot), with c8's coverage kept. */
function demoInvocation(opts: { asRoot?: boolean }): { wrapper?: string[]; env: NodeJS.ProcessEnv; onSpawn: (child: ChildProcess) => void } {
  const user = opts.asRoot ? undefined : demoUser();
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: os.tmpdir(), NODE_OPTIONS: '' };
  if (!user) return { env, onSpawn: () => undefined };
  // Under c8 the demo writes coverage as the demo user: into a directory it may write, copied to
  // c8's own when the demo exits.
  const coverage = process.env.NODE_V8_COVERAGE;
  let own: string | undefined;
  if (coverage) {
    own = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-demo-cov-'));
    fs.chownSync(own, user.uid, user.gid);
    env.NODE_V8_COVERAGE = own;
  }
  const onSpawn = (child: ChildProcess) => {
    if (!coverage || !own) return;
    child.once('exit', () => {
      for (const f of fs.readdirSync(own)) fs.copyFileSync(path.join(own, f), path.join(coverage, `demo-${f}`));
      fs.rmSync(own, { recursive: true, force: true });
    });
  };
  return { wrapper: ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--'], env, onSpawn };
}

/** Spawns the demo CLI on the tests' subnet, for runs that must fail (a start goes through startDemo). */
export function runDemoCli(args: string[], bin = BIN, opts: { asRoot?: boolean } = {}): ChildProcess {
  const { wrapper = [], env, onSpawn } = demoInvocation(opts);
  const argv = [bin, 'demo', '--subnet', TEST_SUBNET, ...args];
  const [command, ...prefix] = [...wrapper, process.execPath];
  const child = spawn(command, [...prefix, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  onSpawn(child);
  return child;
}

/** Starts the demo the way the editor, `npm start` and the e2e do (launchDemo), as the tests' user. */
export async function startDemo(dir: string, extra: string[] = [], timeoutMs = 90_000, bin = BIN, opts: { asRoot?: boolean } = {}): Promise<RunningDemo> {
  let stderr = '';
  let unregister: () => void = () => undefined;
  const invocation = demoInvocation(opts);
  let launched: LaunchedDemo;
  try {
    launched = await launchDemo({
      cli: bin,
      dir,
      subnet: TEST_SUBNET,
      args: extra,
      timeoutMs,
      ...invocation,
      onStderr: (d) => (stderr += d),
      onSpawn: (child) => {
        invocation.onSpawn(child);
        unregister = onProcessExit(() => child.kill('SIGKILL'));
      },
    });
  } catch (err) {
    unregister();
    throw new Error(`demo not ready: ${(err as Error).message}\n${stderr}`);
  }
  const { child, ready } = launched;
  return {
    child,
    ready,
    stderr: () => stderr,
    address: (name) => {
      const host = ready.hosts.find((h) => h.name === name);
      if (!host) throw new Error(`no container ${name}`);
      return host.address;
    },
    processTree: () => [child.pid!, ...descendants(child.pid!)],
    stop: async (signal = 'SIGTERM') => {
      const result = await launched.stop(signal);
      unregister();
      return result;
    },
  };
}

/** Java stand-ins of the site, counted on this machine's /proc (the containers' processes are in it). */
/** What `ps` shows for each container's application: the JVM, or an RDS's mysqld, or a physical host's kubelet. */
export const APP_COMMANDS = ['/opt/taobao/java/bin/java', '/u01/mysql/bin/mysqld', '/usr/bin/kubelet'];

/** The site's application stand-ins (java, mysqld, kubelet), counted on this machine's /proc (the containers' pids are in it). */
export function appProcesses(demo: RunningDemo): number {
  let n = 0;
  for (const pid of demo.processTree()) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (APP_COMMANDS.some((a) => cmd.startsWith(a))) n++;
    } catch {
      /* gone */
    }
  }
  return n;
}

export interface SshResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The real OpenSSH client, strict host keys, the demo's own known_hosts and key. */
export function ssh(demo: RunningDemo, name: string, command: string, opts: { knownHosts?: string; input?: string; extra?: string[] } = {}): SshResult {
  const r = spawnSync(
    SSH,
    [
      '-F', '/dev/null',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', `UserKnownHostsFile=${opts.knownHosts ?? demo.ready.knownHosts}`,
      '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'BatchMode=yes',
      '-o', 'IdentitiesOnly=yes',
      '-i', demo.ready.identityFile,
      '-p', '2022',
      ...(opts.extra ?? []),
      `admin@${demo.address(name)}`,
      ...(command ? [command] : []),
    ],
    { encoding: 'utf8', input: opts.input ?? '', timeout: 30_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `sofa-ops exec` against the demo's inventory and pinned keys, isolated from this machine's ~/.ssh. */
export function sofaExec(demo: RunningDemo, args: string[]): SshResult {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-demo-home-'));
  const r = spawnSync(process.execPath, [BIN, 'exec', '--inventory', demo.ready.inventory, '--known-hosts', demo.ready.knownHosts, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HOME: home, SOFA_OPS_HOME: path.join(home, '.sofa-ops'), SSH_AUTH_SOCK: '' },
    timeout: 60_000,
  });
  fs.rmSync(home, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns true (or gives up and returns false). */
export async function eventually(check: () => boolean, timeoutMs = 10_000, everyMs = 250): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await sleep(everyMs);
  }
  return check();
}
