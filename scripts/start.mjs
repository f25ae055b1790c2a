// `npm start`: installs what is missing, builds, starts the demo site (17 SOFAStack containers on
// 127.0.1.x, SSH 2022, strict host keys) and opens VS Code on its workspace with SOFA Ops loaded.
// Desktop `code` when it is on PATH (or --desktop); otherwise code-server on loopback (--browser
// forces it), printing the URL. Ctrl-C stops everything it started.
// --check: start everything, prove the workbench serves and a demo container answers over SSH, stop.
// It uses its own folder and loopback /24 (127.0.198), so `npm test` works while `npm start` runs.
// --subnet 127.0.N: put the demo's containers on another loopback /24 (two sites side by side).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const args = new Set(argv);
const CHECK = args.has('--check');
const DEMO_DIR = path.join(ROOT, CHECK ? '.cache/start-check/demo' : '.cache/start/demo');
const subnetAt = argv.indexOf('--subnet');
const SUBNET = subnetAt >= 0 ? argv[subnetAt + 1] : CHECK ? '127.0.198' : undefined;
if (subnetAt >= 0 && !/^127\.\d{1,3}\.\d{1,3}$/.test(SUBNET ?? '')) {
  console.error('[start] --subnet needs three octets inside 127/8, such as --subnet 127.0.2');
  process.exit(2);
}
const cleanups = [];

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

let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping');
  for (const cleanup of cleanups.reverse()) await cleanup();
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

/**
 * Starts `sofa-ops demo` with the launcher the editor and the tests use (dist/demo-launcher.js,
 * built by the step before) and resolves with its ready line (dir, inventory, known_hosts, hosts).
 */
async function startDemo() {
  console.log('[start] starting the demo site');
  fs.mkdirSync(DEMO_DIR, { recursive: true });
  const { launchDemo, stopDemoProcess } = createRequire(import.meta.url)(path.join(ROOT, 'dist/demo-launcher.js'));
  try {
    const demo = await launchDemo({
      cli: path.join(ROOT, 'bin/sofa-ops.js'),
      dir: DEMO_DIR,
      subnet: SUBNET,
      cwd: ROOT,
      // A first start on a slow machine may take long; the guard only catches a demo that hangs.
      timeoutMs: 600_000,
      onStderr: (d) => process.stderr.write(d),
      // Registered before the ready line, so Ctrl-C while the site starts stops it too.
      onSpawn: (child) => cleanups.push(() => stopDemoProcess(child)),
    });
    return demo.ready;
  } catch (err) {
    const hint = err.addressInUse
      ? `\n[start] another demo or SSH server holds ${SUBNET ?? '127.0.1'}.x:2022: stop it, or put this one on another loopback /24: npm start -- --subnet 127.0.2`
      : '';
    throw new Error(`the demo did not start: ${err.message}${hint}`);
  }
}

if (!fs.existsSync(path.join(ROOT, 'node_modules'))) step('npm ci (first run)', 'npm', ['ci', '--no-audit', '--no-fund']);
step('build', process.execPath, ['scripts/build.mjs']);

let ready;
try {
  ready = await startDemo();
} catch (err) {
  console.error(`[start] ${err.message}`);
  await stop(1);
}
console.log(`[start] demo site ready in ${ready.ms} ms: ${ready.hosts.length} containers, workspace ${ready.dir}`);

const useDesktop = args.has('--desktop') || (!args.has('--browser') && !CHECK && onPath('code'));
if (useDesktop) {
  console.log(`[start] opening desktop VS Code on ${ready.dir}`);
  spawn('code', ['--new-window', `--extensionDevelopmentPath=${ROOT}`, ready.dir], { stdio: 'inherit', detached: true }).unref();
  console.log('\n  The demo site keeps running until you press Ctrl-C here.\n');
} else {
  const harness = await import('./codeServer.mjs');
  if (!fs.existsSync(harness.CODE_SERVER_ENTRY)) step('install code-server (first run; needs root for Debian packages)', 'bash', ['scripts/install-vscode-harness.sh']);
  // Its own run folder in --check: prepareRun empties the folder, which a running `npm start` uses.
  const run = harness.prepareRun(CHECK ? 'start-check' : 'start', { workspace: ready.dir, copy: false });
  harness.installExtension(run, ROOT);
  const server = await harness.startCodeServer(run);
  cleanups.push(() => server.stop());
  const url = `${server.url}/?folder=${encodeURIComponent(ready.dir)}`;
  console.log(`\n  SOFA Ops is running in VS Code (code-server) on the demo site at:\n\n    ${url}\n\n  Open it in a browser on this machine. Ctrl-C stops VS Code and the demo site.\n`);
  if (CHECK) {
    const res = await fetch(url);
    console.log(`[start] ${url} answered ${res.status}`);
    // The same way an operator would: strict host keys from the demo workspace, over SSH.
    const probe = spawnSync(process.execPath, [path.join(ROOT, 'bin/sofa-ops.js'), 'exec', '--inventory', ready.inventory, '--known-hosts', ready.knownHosts, '--target', 'registry-meta[0]', '--', 'curl -s localhost:9615/health/check'], { encoding: 'utf8' });
    console.log(`[start] registry-meta-1 health over SSH: ${probe.stdout.trim().split('\n').slice(1, 2).join('')}`);
    await stop(res.status === 200 && probe.status === 0 ? 0 : 1);
  }
}
