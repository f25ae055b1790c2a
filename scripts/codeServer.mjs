// A real VS Code, offline: code-server (installed by scripts/install-vscode-harness.sh) serving a
// throwaway profile, and Debian's chromium (driven by playwright-core) as the browser client the
// extension host waits for. Shared by test/vscode/launch-code-server.mjs, test/e2e/run.mjs and scripts/start.mjs (`npm start`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const HARNESS_DIR = process.env.VSCODE_HARNESS_DIR ?? path.join(ROOT, '.cache/vscode-harness');
export const CODE_SERVER_ENTRY = path.join(HARNESS_DIR, 'tools/node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIXTURE_WORKSPACE = path.join(ROOT, 'test/vscode/fixtures/workspace');
const INSTALL_HINT = 'bash scripts/install-vscode-harness.sh';

/** Flags measured to work for headless chromium on these machines (no GPU, no network). */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** Settings for the throwaway profile: no welcome pages, tips, telemetry or update checks. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
  'window.restoreWindows': 'none',
  // The run folder sits inside this repository: keep git from offering to open the parent repo.
  'git.enabled': false,
};

/** Exits with status 2 and says what to install when something the harness needs is missing. */
export async function requirePrerequisites({ extensionDir, vsix } = {}) {
  const problems = [];
  if (Number(process.versions.node.split('.')[0]) !== 20) problems.push(`Node 20 is required by code-server 4.100.3 (this is ${process.version}).`);
  if (!fs.existsSync(CODE_SERVER_ENTRY)) problems.push(`code-server is not installed (${path.relative(ROOT, CODE_SERVER_ENTRY)} missing): run \`${INSTALL_HINT}\`.`);
  if (!fs.existsSync(CHROMIUM)) problems.push(`chromium not found at ${CHROMIUM}: run \`${INSTALL_HINT}\` (Debian package chromium) or set CHROMIUM_PATH.`);
  try {
    await import('playwright-core');
  } catch {
    problems.push('playwright-core is not installed: run `npm ci` (it is a devDependency).');
  }
  if (extensionDir) {
    const manifest = JSON.parse(fs.readFileSync(path.join(extensionDir, 'package.json'), 'utf8'));
    const main = manifest.main && path.join(extensionDir, manifest.main);
    if (main && !fs.existsSync(main) && !fs.existsSync(`${main}.js`)) problems.push(`${path.relative(ROOT, main) || main} is missing: run \`npm run build\`.`);
  }
  if (vsix && !fs.existsSync(vsix)) problems.push(`${path.relative(ROOT, vsix) || vsix} is missing: run \`npm run package\`.`);
  if (problems.length) {
    console.error('Cannot run VS Code tests; missing prerequisites:');
    for (const p of problems) console.error(`  - ${p}`);
    process.exit(2);
  }
}

/**
 * A fresh run folder with a user-data dir, an extensions dir and a copy of a workspace (the test
 * fixture by default); `copy: false` opens the given folder itself (the demo site's workspace).
 */
/**
 * A fresh run folder. `workspaceTrust` turns VS Code's workspace trust on and leaves the folder
 * untrusted (Restricted Mode, no prompt): how an operator first opens a repository they got from
 * someone else. Every other run disables trust, as a developer's own checkout would be trusted.
 */
export function prepareRun(name, { workspace = FIXTURE_WORKSPACE, copy = true, workspaceTrust = false } = {}) {
  const dir = path.join(HARNESS_DIR, 'runs', name);
  fs.rmSync(dir, { recursive: true, force: true });
  const run = {
    dir,
    userDataDir: path.join(dir, 'user-data'),
    extensionsDir: path.join(dir, 'extensions'),
    workspace: copy ? path.join(dir, 'workspace') : workspace,
    log: path.join(dir, 'code-server.log'),
    workspaceTrust,
  };
  fs.mkdirSync(path.join(run.userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(run.extensionsDir, { recursive: true });
  if (copy) fs.cpSync(workspace, run.workspace, { recursive: true });
  const settings = workspaceTrust
    ? { ...USER_SETTINGS, 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.banner': 'never' }
    : USER_SETTINGS;
  fs.writeFileSync(path.join(run.userDataDir, 'User/settings.json'), JSON.stringify(settings, null, 2));
  return run;
}

/**
 * Installs an extension folder into the run's extensions dir. code-server rejects
 * --extensionDevelopmentPath, but loads any `<publisher>.<name>-<version>` folder it finds there,
 * so a symlink to the working tree is enough.
 */
export function installExtension(run, sourceDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(sourceDir, 'package.json'), 'utf8'));
  const id = `${manifest.publisher}.${manifest.name}`;
  const target = path.join(run.extensionsDir, `${id}-${manifest.version}`);
  fs.symlinkSync(path.resolve(sourceDir), target, 'dir');
  return { id, dir: target };
}

/**
 * Installs a packaged extension into the run's extensions dir the way a user does
 * (`code-server --install-extension FILE.vsix`), so what runs is exactly what ships: the
 * .vscodeignore allow-list, the bundled chunks, runbooks read from the install folder, ssh2
 * without node_modules. Copy other extensions (the test runner) into the dir first: code-server
 * lists the folders it finds there in extensions.json on the first install, and loads only what
 * that file lists.
 */
export function installVsix(run, vsixFile) {
  const before = new Set(fs.readdirSync(run.extensionsDir));
  // An explicit config keeps code-server from writing ~/.config/code-server/config.yaml.
  const config = path.join(run.dir, 'install-config.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  const result = spawnSync(
    process.execPath,
    [CODE_SERVER_ENTRY, '--config', config, '--user-data-dir', run.userDataDir, '--extensions-dir', run.extensionsDir, '--install-extension', path.resolve(vsixFile)],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const added = fs.readdirSync(run.extensionsDir).filter((f) => !before.has(f) && fs.existsSync(path.join(run.extensionsDir, f, 'package.json')));
  if (result.status !== 0 || added.length !== 1) {
    throw new Error(`code-server --install-extension ${vsixFile} failed (exit ${result.status ?? result.signal}, new folders: ${added.join(', ') || 'none'}):\n${result.stdout}${result.stderr}`);
  }
  const dir = path.join(run.extensionsDir, added[0]);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const listed = new Set(JSON.parse(fs.readFileSync(path.join(run.extensionsDir, 'extensions.json'), 'utf8')).map((e) => e.relativeLocation));
  const unlisted = [...before].filter((f) => fs.statSync(path.join(run.extensionsDir, f)).isDirectory() && !listed.has(f));
  if (unlisted.length) throw new Error(`code-server left ${unlisted.join(', ')} out of ${run.extensionsDir}/extensions.json: it would not load them`);
  return { id: `${manifest.publisher}.${manifest.name}`, dir, vsix: vsixFile };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts code-server on a free loopback port; resolves once it answers HTTP. */
export async function startCodeServer(run, { timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const config = path.join(run.dir, 'config.yaml');
  // An explicit config keeps code-server from writing ~/.config/code-server/config.yaml.
  fs.writeFileSync(config, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const out = fs.openSync(run.log, 'a');
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      CODE_SERVER_ENTRY, '--config', config, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry', '--disable-update-check', ...(run.workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override',
      '--user-data-dir', run.userDataDir, '--extensions-dir', run.extensionsDir, run.workspace,
    ],
    { detached: true, stdio: ['ignore', out, out], env: { ...process.env, VSCODE_HARNESS: '1' } },
  );
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exited) throw new Error(`code-server exited (${JSON.stringify(exited)}) before serving; see ${run.log}:\n${tail(run.log, 20)}`);
    if (Date.now() - started > timeoutMs) throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms; see ${run.log}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    startMs: Date.now() - started,
    async stop() {
      if (exited) return;
      const gone = new Promise((r) => child.once('exit', r));
      try {
        process.kill(-child.pid, 'SIGTERM'); // its whole process group: server, extension host, ...
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 3000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** Launches chromium and opens the workbench on `folder`; resolves once the workbench is drawn. */
export async function openWorkbench(server, folder, { viewport = { width: 1400, height: 900 }, timeoutMs = 60_000 } = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  // The clipboard is the browser's in code-server: tests of Copy commands read it back.
  const context = await browser.newContext({ viewport, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const consoleErrors = [];
  // 404s for optional files (vsda, manifest) are normal in code-server; keep real errors.
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const started = Date.now();
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector('.monaco-workbench .part.activitybar', { timeout: timeoutMs });
  return { browser, page, consoleErrors, workbenchMs: Date.now() - started };
}

export function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

/** The extension-host logs of a run (code-server keeps them under the user-data dir). */
export function extensionHostLogs(run) {
  const found = [];
  const walk = (dir) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost/i.test(p) && e.name.endsWith('.log')) found.push(p);
    }
  };
  walk(path.join(run.userDataDir, 'logs'));
  return found;
}
