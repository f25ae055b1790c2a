// `npm start`: installs what is missing, builds, and opens VS Code with SOFA Ops loaded.
// Desktop `code` when it is on PATH (or --desktop); otherwise code-server on loopback (--browser
// forces it), printing the URL. Ctrl-C stops everything it started.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACE_TEMPLATE = path.join(ROOT, 'scripts/start-workspace');
const args = new Set(process.argv.slice(2));

function step(title, cmd, cmdArgs) {
  console.log(`[start] ${title}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[start] ${title} failed (exit ${r.status ?? r.signal}).`);
    process.exit(1);
  }
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

if (!fs.existsSync(path.join(ROOT, 'node_modules'))) step('npm ci (first run)', 'npm', ['ci', '--no-audit', '--no-fund']);
step('build', process.execPath, ['scripts/build.mjs']);

const useDesktop = args.has('--desktop') || (!args.has('--browser') && onPath('code'));
if (useDesktop) {
  const workspace = path.join(ROOT, '.cache/start/workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.cpSync(WORKSPACE_TEMPLATE, workspace, { recursive: true });
  console.log(`[start] opening desktop VS Code on ${workspace}`);
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${ROOT}`, workspace], { stdio: 'inherit', detached: true }).unref();
  process.exit(0);
}

const harness = await import('./codeServer.mjs');
if (!fs.existsSync(harness.CODE_SERVER_ENTRY)) step('install code-server (first run; needs root for Debian packages)', 'bash', ['scripts/install-vscode-harness.sh']);
const run = harness.prepareRun('start', { workspace: WORKSPACE_TEMPLATE });
harness.installExtension(run, ROOT);
const server = await harness.startCodeServer(run);
const url = `${server.url}/?folder=${encodeURIComponent(run.workspace)}`;
console.log(`\n  SOFA Ops is running in VS Code (code-server) at:\n\n    ${url}\n\n  Open it in a browser on this machine. Ctrl-C stops it.\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping');
  await server.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (args.has('--check')) {
  // Used by the e2e suite and CI: prove the started workbench serves, then stop.
  const res = await fetch(url);
  console.log(`[start] ${url} answered ${res.status}`);
  await stop();
}
