/**
 * The in-editor test runner: runs the mocha tests below inside a real VS Code extension host.
 * Loaded by both launchers: `@vscode/test-electron` calls `run()` (desktop VS Code), the offline
 * code-server launcher's runner extension calls `runWith()` to get the output as lines and the
 * counts back. Test files are listed here (one bundle, so they share `harness.ts` state).
 */
import * as util from 'node:util';
import Mocha from 'mocha';
import { metrics, reportMetrics } from './harness';

export interface RunOptions {
  /** Where report lines go (default: console.log, which test-electron forwards to its stdout). */
  write?: (line: string) => void;
  /** Print the closing `N passed, N failed` line (the code-server launcher prints its own). */
  summaryLine?: boolean;
  /** Only tests whose full title matches (mocha --grep). */
  grep?: string;
  /** `untrusted`: the Restricted Mode tests, for a window whose folder is not trusted. */
  set?: 'main' | 'untrusted';
}

export interface RunResult {
  passed: number;
  failed: number;
  durationMs: number;
  metrics: typeof metrics;
}

export async function runWith(options: RunOptions = {}): Promise<RunResult> {
  const write = options.write ?? ((line: string) => console.log(line));
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30_000, reporter: 'spec' });
  if (options.grep) mocha.grep(options.grep);
  // The spec reporter writes through Base.consoleLog: route it to our sink, line by line.
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void; useColors: boolean };
  const savedLog = base.consoleLog;
  base.consoleLog = (...args: unknown[]) => {
    for (const line of util.format(...args).split('\n')) write(line);
  };
  base.useColors = false;

  mocha.suite.emit('pre-require', globalThis, 'test/vscode/suite', mocha);
  if (options.set === 'untrusted') {
    require('./untrusted.test');
  } else {
    // Order matters: activation first, so it measures a cold activation.
    require('./activation.test');
    require('./productsView.test');
    require('./commands.test');
    require('./guide.test');
    require('./ssh.test');
    require('./sshErrors.test');
    require('./logs.test');
    require('./crossHostLogs.test');
    require('./notebook.test');
    require('./checks.test');
    require('./triage.test');
    require('./treeScale.test');
  }

  const started = Date.now();
  try {
    let stats: Mocha.Stats | undefined;
    const failures = await new Promise<number>((resolve) => {
      const runner = mocha.run(resolve);
      stats = runner.stats;
    });
    const counts = { passed: stats?.passes ?? 0, failed: Math.max(failures, stats?.failures ?? 0) };
    const pending = stats?.pending ?? 0;
    for (const line of await reportMetrics()) write(line);
    if (options.summaryLine !== false) {
      write(`${counts.passed} passed, ${counts.failed} failed${pending ? `, ${pending} skipped` : ''}`);
    }
    return { ...counts, durationMs: Date.now() - started, metrics };
  } finally {
    base.consoleLog = savedLog;
  }
}

/** The entry `@vscode/test-electron` expects: resolves when all pass, rejects otherwise. */
export async function run(): Promise<void> {
  const result = await runWith();
  if (result.failed > 0) throw new Error(`${result.failed} in-editor test(s) failed`);
}
