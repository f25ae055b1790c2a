#!/usr/bin/env node
// Runs the in-editor suite (test/vscode/suite) inside a real VS Code, offline: code-server plus
// Debian chromium. A small runner extension (test/vscode/runner) goes into a throwaway extensions
// dir next to the extension under test; once the workbench is up it runs the suite in the
// extension host and streams mocha's lines back over loopback HTTP. Exit status is non-zero on any
// failure; the last line is `N passed, N failed`.
//
//   node test/vscode/launch-code-server.mjs [--grep PATTERN] [--timeout SECONDS]
//        [--extension DIR | --vsix FILE.vsix] [--suite FILE.js] [--no-build] [--keep-run]
//
// --vsix installs that packaged extension (`npm run package`) with code-server's
// --install-extension into the run's clean extensions dir and tests it, as a user would have it;
// nothing is built for it. Without it the working tree is linked in (the developer loop).
// --extension/--suite run another extension and prebuilt suite (used to test the harness itself).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { buildSuite } from './build.mjs';
import {
  ROOT, extensionHostLogs, installExtension, installVsix, openWorkbench, prepareRun, requirePrerequisites, startCodeServer, tail,
} from '../../scripts/codeServer.mjs';

const { values: opts } = parseArgs({
  options: {
    grep: { type: 'string' },
    timeout: { type: 'string', default: process.env.VSCODE_TEST_TIMEOUT ?? '300' },
    extension: { type: 'string', default: ROOT },
    vsix: { type: 'string' },
    suite: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    // The Restricted Mode suite (untrusted.test.ts) in a window whose folder is not trusted.
    untrusted: { type: 'boolean', default: false },
  },
});
const say = (msg) => console.log(`[vscode] ${msg}`);
const t0 = Date.now();
const extensionDir = path.resolve(opts.extension);
const vsix = opts.vsix && path.resolve(opts.vsix);

await requirePrerequisites(vsix ? { vsix } : { extensionDir: opts['no-build'] || extensionDir !== ROOT ? extensionDir : undefined });

// Build what runs: the extension (never test a stale dist/) and the suite bundle.
if (!vsix && extensionDir === ROOT && !opts['no-build']) {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) {
    console.error('[vscode] npm run build failed');
    process.exit(1);
  }
}
let suiteFile = opts.suite && path.resolve(opts.suite);
if (!suiteFile) suiteFile = (await buildSuite()).file;

const run = prepareRun(opts.untrusted ? 'vscode-untrusted' : 'vscode', { workspaceTrust: opts.untrusted });
const runnerDir = path.join(run.extensionsDir, 'sofa-ops-harness.test-runner-0.0.1');
fs.cpSync(path.join(ROOT, 'test/vscode/runner'), runnerDir, { recursive: true });
// The runner goes in first: installVsix needs it there to keep it listed.
const ext = vsix ? installVsix(run, vsix) : installExtension(run, extensionDir);

// Loopback server the runner extension reports to.
let heard = false;
let resolveDone;
const done = new Promise((r) => (resolveDone = r));
const reports = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.end('ok');
    const msg = body ? JSON.parse(body) : {};
    heard = true;
    if (req.url === '/log') console.log(msg.line);
    else if (req.url === '/started') say(`test runner started in the extension host (pid ${msg.pid})`);
    else if (req.url === '/done') resolveDone(msg);
  });
});
await new Promise((r) => reports.listen(0, '127.0.0.1', r));
fs.writeFileSync(path.join(runnerDir, 'runner.json'), JSON.stringify({ port: reports.address().port, suite: suiteFile, grep: opts.grep ?? '', set: opts.untrusted ? 'untrusted' : 'main' }));

let server;
let browser;
let result;
const timeoutMs = Number(opts.timeout) * 1000;
try {
  server = await startCodeServer(run);
  say(`code-server up on ${server.url} in ${server.startMs} ms; testing ${ext.id} ${vsix ? `installed from ${path.relative(ROOT, vsix)}` : `from ${path.relative(ROOT, extensionDir) || '.'}`}`);
  const wb = await openWorkbench(server, run.workspace);
  browser = wb.browser;
  say(`workbench drawn in chromium in ${wb.workbenchMs} ms`);
  let timer;
  result = await Promise.race([
    done,
    new Promise((resolve) => {
      timer = setTimeout(() => resolve({ passed: 0, failed: 1, error: `no result within ${opts.timeout} s (${heard ? 'the suite started but did not finish' : 'the test runner extension never reported: did the extension host start?'})` }), timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (result.error || result.failed) {
    for (const e of wb.consoleErrors.slice(-10)) console.log(`[vscode] browser console error: ${e.slice(0, 300)}`);
  }
} catch (err) {
  result = { passed: 0, failed: 1, error: String(err?.stack ?? err) };
} finally {
  await browser?.close().catch(() => {});
  await server?.stop();
  reports.close();
}

if (result.error) {
  say(`HARNESS ERROR: ${result.error}`);
  say(`code-server log ${run.log}:\n${tail(run.log, 15)}`);
  const logs = extensionHostLogs(run);
  const hostLog = logs.find((l) => l.endsWith('remoteexthost.log'));
  if (hostLog) say(`extension host log ${hostLog}:\n${tail(hostLog, 25)}`);
  if (logs.length) say(`other extension host logs: ${path.dirname(hostLog ?? logs[0])}`);
}
say(`in-editor suite: ${result.durationMs ?? '?'} ms for the tests, ${Date.now() - t0} ms in all (build, code-server, chromium, tests)`);
const m = result.metrics ?? {};
if (m.activateAwaitMs !== undefined) {
  // Printed, never asserted (timings depend on the machine); issue #16's budget is 50 ms.
  say(`activation time of ${ext.id}${vsix ? ' (installed .vsix)' : ''}: ${m.activateAwaitMs} ms awaited cold by the test (budget 50 ms)${m.host ? `; host: load code ${m.host.loadCodeMs} ms + activate ${m.host.callActivateMs} ms + finish ${m.host.finishActivateMs} ms` : ''}${m.selfReportedMs !== undefined ? `; activate() body ${m.selfReportedMs} ms` : ''}`);
}
say(`run folder (logs, profile): ${path.relative(ROOT, run.dir)}`);
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed > 0 || result.error ? 1 : 0);
