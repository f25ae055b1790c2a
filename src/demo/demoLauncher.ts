/**
 * The one way to start the demo site as a child process (`sofa-ops demo --json-ready`) and read
 * its ready line: the editor's "Start Demo Site" (the walkthrough's first step), `npm start`
 * (scripts/start.mjs), the e2e run and the integration tests all call launchDemo. Editor-free; the
 * plain-JS scripts load it from dist/demo-launcher.js (scripts/build.mjs).
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import { demoLockFile } from './demoFiles';
import type { DemoReady } from './demoSite';

/** The `--json-ready` line: the site's own ready record (erased at build: the editor does not load the site). */
export type DemoReadyLine = DemoReady & { event: 'ready' };

/** How the demo process ended. */
export interface DemoExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchedDemo {
  readonly ready: DemoReadyLine;
  readonly child: ChildProcess;
  /** SIGTERM (or `signal`), then wait for the site to stop (it leaves nothing running). */
  stop(signal?: NodeJS.Signals): Promise<DemoExit>;
}

export interface LaunchOptions {
  /** The CLI entry (`dist/cli.js` of the extension, or `bin/sofa-ops.js`). */
  cli: string;
  dir: string;
  subnet?: string;
  faults?: string;
  /** More `sofa-ops demo` options, such as `--isolation plain`. */
  args?: string[];
  /** The Node binary (the editor's own: its `process.execPath` with ELECTRON_RUN_AS_NODE). */
  node?: string;
  /** A command that runs Node for us, such as `setpriv --reuid=N ... --` (the tests' unprivileged user). */
  wrapper?: string[];
  /** The demo's environment; this process's by default. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A guard against a demo that neither gets ready nor exits (never reached on a working machine). */
  timeoutMs?: number;
  /** The demo's stderr (its log), every piece from the first, as it arrives. */
  onStderr?: (text: string) => void;
  /** The child as soon as it is spawned, before it is ready: a caller stopped meanwhile can stop it too. */
  onSpawn?: (child: ChildProcess) => void;
}

/** Raised when the demo exits before it is ready: `message` is the demo's own reason. */
export class DemoStartError extends Error {
  constructor(message: string, readonly addressInUse: boolean) {
    super(message);
  }
}

export function launchDemo(options: LaunchOptions): Promise<LaunchedDemo> {
  const args = [options.cli, 'demo', '--dir', options.dir, '--json-ready'];
  if (options.subnet) args.push('--subnet', options.subnet);
  if (options.faults) args.push('--faults', options.faults);
  args.push(...(options.args ?? []));
  const node = options.node ?? process.execPath;
  const [command, ...prefix] = options.wrapper?.length ? [...options.wrapper, node] : [node];
  const child = spawn(command, [...prefix, ...args], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...(options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
  });
  options.onSpawn?.(child);
  const timeoutMs = options.timeoutMs ?? 120_000;
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer);
      reject(new DemoStartError(message, /already in use/.test(message)));
    };
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      fail(`the demo site was not ready after ${Math.round(timeoutMs / 1000)} s${err ? `: ${lastLine(err)}` : ''}`);
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      fail(lastLine(err).replace(/^sofa-ops demo: /, '') || `the demo site exited (${signal ?? code}) before it was ready`);
    child.once('error', (e) => fail(`could not start the demo site: ${e.message}`));
    child.once('exit', onExit);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-8192);
      options.onStderr?.(d);
    });
    const onStdout = (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      child.stdout!.removeListener('data', onStdout);
      let ready: DemoReadyLine;
      try {
        ready = JSON.parse(out.slice(0, nl)) as DemoReadyLine;
      } catch {
        child.kill('SIGTERM');
        fail(`the demo site printed an unreadable ready line: ${out.slice(0, Math.min(nl, 200))}`);
        return;
      }
      resolve({ ready, child, stop: (signal) => stopDemoProcess(child, signal) });
    };
    child.stdout!.setEncoding('utf8').on('data', onStdout);
  });
}

/** Signal a demo process (SIGTERM by default) and wait until it has exited; at once if it already has. */
export function stopDemoProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<DemoExit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    child.once('exit', (code, sig) => resolve({ code, signal: sig }));
    child.kill(signal);
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop() ?? '';
}

/** The pid of a demo site running from `dir` (its lock file names a live process), or undefined. */
export function runningDemoPid(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(demoLockFile(dir), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

export { demoFaultsFile } from './demoFiles';
