/**
 * Starting the demo site as a child process (`sofa-ops demo --json-ready`) and reading its ready
 * line: for the editor's "Start Demo Site" (the walkthrough's first step). Editor-free.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import { demoLockFile } from './demoFiles';
import type { DemoReady } from './demoSite';

/** The `--json-ready` line: the site's own ready record (erased at build: the editor does not load the site). */
export type DemoReadyLine = DemoReady & { event: 'ready' };

export interface LaunchedDemo {
  readonly ready: DemoReadyLine;
  readonly child: ChildProcess;
  /** SIGTERM, then wait for the site to stop (it leaves nothing running). */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /** The CLI entry (`dist/cli.js` of the extension, or `bin/sofa-ops.js`). */
  cli: string;
  dir: string;
  subnet?: string;
  faults?: string;
  /** The Node binary (the editor's own: its `process.execPath` with ELECTRON_RUN_AS_NODE). */
  node?: string;
  /** A guard against a demo that neither gets ready nor exits (never reached on a working machine). */
  timeoutMs?: number;
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
  const child = spawn(options.node ?? process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer);
      reject(new DemoStartError(message, /already in use/.test(message)));
    };
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      fail(`the demo site was not ready after ${Math.round((options.timeoutMs ?? 120_000) / 1000)} s${err ? `: ${lastLine(err)}` : ''}`);
    }, options.timeoutMs ?? 120_000);
    child.once('error', (e) => fail(`could not start the demo site: ${e.message}`));
    child.once('exit', (code, signal) => fail(lastLine(err).replace(/^sofa-ops demo: /, '') || `the demo site exited (${signal ?? code}) before it was ready`));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-8192)));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      let ready: DemoReadyLine;
      try {
        ready = JSON.parse(out.slice(0, nl)) as DemoReadyLine;
      } catch {
        child.kill('SIGTERM');
        fail(`the demo site printed an unreadable ready line: ${out.slice(0, Math.min(nl, 200))}`);
        return;
      }
      resolve({
        ready,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
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
