#!/usr/bin/env node
// End-to-end: a real browser clicking a real VS Code (code-server + Debian chromium, offline).
// Steps run in order, each doing what a user does, asserting on what is on screen, and saving a
// screenshot. The first failing step stops the run (later steps build on it); the rest count as
// skipped. Exit status is non-zero on any failure; the last line is `N passed, N failed`.
//
//   node test/e2e/run.mjs [--update-screenshots] [--no-build] [--timeout SECONDS] [--vsix FILE.vsix]
//
// --vsix clicks through that packaged extension (`npm run package`), installed with code-server's
// --install-extension into the run's clean extensions dir, instead of the linked working tree. The
// demo site still runs from this tree's dist/ (built unless --no-build).
//
// Screenshots go to .cache/vscode-harness/e2e/screenshots/ (ignored); --update-screenshots also
// copies them to media/screenshots/ for the README.
//
// Adding a step: append `step('name', 'what the user does', async (t) => { ... })` below. `t` has
// the playwright `page`, the `catalog` read from runbooks/, `ui` (selectors and small actions)
// and `state` (whatever earlier steps left for later ones).
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import {
  HARNESS_DIR, ROOT, installExtension, installVsix, openWorkbench, prepareRun, requirePrerequisites, startCodeServer, tail,
} from '../../scripts/codeServer.mjs';

const { values: opts } = parseArgs({
  options: {
    'update-screenshots': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '20' },
    vsix: { type: 'string' },
  },
});
const STEP_TIMEOUT_MS = Number(opts.timeout) * 1000;
const OUT = path.join(HARNESS_DIR, 'e2e/screenshots');
const README_SHOTS = path.join(ROOT, 'media/screenshots');
const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8'));

/** What the UI shows, in one place: VS Code's DOM changes between releases, tests should not. */
const ui = {
  activityBarItem: (page, title) => page.locator('.part.activitybar').getByRole('tab', { name: title, exact: true }),
  sidebar: (page) => page.locator('.part.sidebar'),
  viewPane: (page, name) => page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header', { hasText: name }) }),
  /** A tree row whose label contains one of `texts` (the catalog is shown in zh or en). */
  row: (scope, texts) => scope.locator('.monaco-list-row[role="treeitem"]').filter({ hasText: new RegExp(texts.map(escapeRe).join('|')) }).first(),
  /** A tree row by its exact label (`registry-meta`, not a row whose label merely contains it: `registry-meta-1`). */
  treeRow: (scope, label) =>
    scope.locator('.monaco-list-row[role="treeitem"]').filter({ has: scope.page().locator('.label-name', { hasText: new RegExp(`^${escapeRe(label)}$`) }) }).first(),
  editorTab: (page, text) => page.locator('.part.editor .tabs-container .tab').filter({ hasText: text }),
  /** The document inside a webview editor (VS Code nests it two iframes deep). */
  webviewDoc: (page) => page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame'),
};

const steps = [];
function step(name, title, fn) {
  steps.push({ name, title, fn });
}

// --- steps ------------------------------------------------------------------------------------

step('open-view', 'open the SOFA Ops view from the activity bar', async ({ page, catalog }) => {
  await ui.activityBarItem(page, nls['views.container.title']).click();
  const pane = ui.viewPane(page, nls['views.products.name']);
  await pane.waitFor();
  // Every product of the catalog is listed (each by its zh or en name).
  for (const p of catalog.products) await ui.row(pane, names(p.product)).waitFor();
});

step('expand-product', 'expand the registry product and see its components', async ({ page, catalog, state }) => {
  const pane = ui.viewPane(page, nls['views.products.name']);
  const registry = catalog.products.find((p) => p.product.id === 'registry');
  assert(registry, 'runbooks/ has no registry product');
  const row = ui.row(pane, names(registry.product));
  await row.click();
  await expectAttr(row, 'aria-expanded', 'true');
  for (const c of registry.components) await ui.row(pane, names(c)).waitFor();
  state.component = registry.components[0];
});

step('open-guide-section', "open a component's guide section from its inline action", async ({ page, state }) => {
  const pane = ui.viewPane(page, nls['views.products.name']);
  const component = state.component;
  const row = ui.row(pane, names(component));
  await row.hover();
  await row.getByRole('button', { name: nls['command.openGuideSection'] }).click();
  // A guide tab for that section opens, and the page in it is that section.
  await ui.editorTab(page, `§${component.section}`).waitFor();
  const doc = ui.webviewDoc(page);
  await doc.locator(`body[data-section="${component.section}"]`).waitFor();
  await doc.locator('h1, h2, h3, h4', { hasText: component.section }).first().waitFor();
});

step('log-hover', 'open a .log file, see its known error lines marked, hover one for the guide explanation', async ({ page }) => {
  // A local log of the fixture workspace: the same decorations and hovers as a remote one (the e2e
  // machine has no sshd; the in-editor suite covers remote logs against a real one).
  const pattern = findPattern('microservice-client-get-server-list-error');
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill('common-error.log');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'common-error.log' }).first().click();
  await ui.editorTab(page, 'common-error.log').waitFor();
  const text = page.locator('.part.editor .view-line span', { hasText: pattern.match }).first();
  await text.waitFor();
  await text.hover();
  const hover = page.locator('.monaco-hover .hover-contents').filter({ hasText: pattern.match }).first();
  await hover.waitFor();
  const shown = await hover.innerText();
  assert(shown.includes(pattern.explanation.en.slice(0, 30)), `hover lacks the English explanation: ${shown}`);
  assert(shown.includes(pattern.explanation.zh.slice(0, 10)), `hover lacks the Chinese explanation: ${shown}`);
  assert(shown.includes(`§${pattern.section}`), `hover lacks the guide section: ${shown}`);
});

step('inspection-green', 'run the inspection on the demo site (healthy): the message queue product is green', async ({ page, catalog, state }) => {
  const pane = ui.viewPane(page, nls['views.products.name']);
  const mq = catalog.products.find((p) => p.product.id === 'mq');
  state.mqRow = () => ui.row(pane, names(mq.product));
  await runCommand(page, nls['command.runInspection']);
  await inspected(page);
  await state.mqRow().locator('.codicon-pass-filled').waitFor({ timeout: 30_000 });
  assert(/✓\d+/.test(await state.mqRow().innerText()), 'the mq row shows its pass count');
});

step('inspection-red', 'inject msgbroker-9529-down into the running demo, inspect again: mq turns red', async ({ page, state }) => {
  assert(demo, 'the demo site did not start');
  fs.writeFileSync(path.join(demo.dir, '.demo', 'faults'), 'msgbroker-9529-down');
  await page.waitForTimeout(1500); // the demo applies a new fault set within a second
  await runCommand(page, nls['command.runInspection']);
  await state.mqRow().locator('.codicon-error').waitFor({ timeout: 30_000 });
  await inspected(page);
  assert(/✗\d+/.test(await state.mqRow().innerText()), 'the mq row counts its failures');
  // The results view: failing products open, failures first; antscheduler lost its msgbroker link.
  const results = ui.viewPane(page, nls['views.inspection.name']);
  if ((await results.locator('.pane-header').getAttribute('aria-expanded')) !== 'true') await results.locator('.pane-header').click();
  // antscheduler's ESTABLISHED link to 9529 drops a moment after the listener closes: inspect
  // again (as an operator would) until the dependent failure shows, a few times at most.
  for (let attempt = 1; ; attempt++) {
    try {
      await ui.row(results, ['microservice']).locator('.codicon-error').waitFor({ timeout: 8_000 });
      break;
    } catch (err) {
      if (attempt === 3) throw err;
      await runCommand(page, nls['command.runInspection']);
      await inspected(page);
    }
  }
  // A product that turned red on a later run keeps the expansion state it had: open it.
  const microservice = ui.row(results, ['microservice']);
  if ((await microservice.getAttribute('aria-expanded')) === 'false') await microservice.click();
  await ui.row(results, ['antscheduler']).locator('.codicon-error').waitFor();
});

step('split-brain', 'inject meta-split-brain (two meta Leaders, every health check still success:true): the one-leader rule turns registry red', async ({ page, catalog }) => {
  assert(demo, 'the demo site did not start');
  fs.writeFileSync(path.join(demo.dir, '.demo', 'faults'), 'meta-split-brain');
  await page.waitForTimeout(1500); // the demo applies a new fault set within a second
  await runCommand(page, nls['command.runInspection']);
  await inspected(page);
  const pane = ui.viewPane(page, nls['views.products.name']);
  const registry = catalog.products.find((p) => p.product.id === 'registry');
  await ui.row(pane, names(registry.product)).locator('.codicon-error').waitFor({ timeout: 30_000 });
  // In the results: the cross-host rule names what it counted, and the per-node health checks pass.
  const results = ui.viewPane(page, nls['views.inspection.name']);
  if ((await results.locator('.pane-header').getAttribute('aria-expanded')) !== 'true') await results.locator('.pane-header').click();
  // The results view names products by id, their results below them, failures first.
  const product = ui.row(results, ['registry']);
  await product.locator('.codicon-error').waitFor({ timeout: 30_000 });
  if ((await product.getAttribute('aria-expanded')) === 'false') await product.click();
  const rule = results.locator('.monaco-list-row[role="treeitem"]', { hasText: /2 of 3 hosts raftStatus=Leader/ }).first();
  await rule.waitFor({ timeout: 30_000 });
  await rule.locator('.codicon-error').waitFor();
});

step('demo-hosts', 'expand Service Registry → registry-meta: the demo containers are listed under it', async ({ page, catalog, state }) => {
  assert(demo, 'the demo site did not start');
  fs.writeFileSync(path.join(demo.dir, '.demo', 'faults'), ''); // the site healthy again
  // Give the Products view the sidebar back (the last step opened the Inspection view below it).
  const results = ui.viewPane(page, nls['views.inspection.name']);
  if ((await results.locator('.pane-header').getAttribute('aria-expanded')) === 'true') await results.locator('.pane-header').click();
  const pane = ui.viewPane(page, nls['views.products.name']);
  const registry = catalog.products.find((p) => p.product.id === 'registry');
  const product = ui.row(pane, names(registry.product));
  if ((await product.getAttribute('aria-expanded')) !== 'true') await product.click();
  await expand(ui.treeRow(pane, 'registry-meta'));
  await expand(ui.treeRow(pane, 'Hosts')); // the only component open, so its only Hosts group
  for (const n of [1, 2, 3]) {
    const host = ui.treeRow(pane, `registry-meta-${n}`);
    await host.waitFor();
    // Its address on the demo's subnet, as the inventory the demo wrote has it.
    assert((await host.innerText()).includes(`${demo.subnet}.${n}`), `registry-meta-${n} is not shown at ${demo.subnet}.${n}: ${await host.innerText()}`);
  }
  state.productsPane = pane;
});

step('demo-log', "open a demo container's log from its host in the tree: the editor shows that container's log", async ({ page, state }) => {
  const host = 'registry-meta-1';
  const logPath = '/home/admin/logs/registry/meta/registry-meta.log';
  // Right-click the host, Open Log…, pick the file among the logs the catalog knows for it.
  await ui.treeRow(state.productsPane, host).click({ button: 'right' });
  // (A playwright click on a context menu item does not trigger it in code-server; a user's
  // pointing at it and pressing Enter does.)
  await page.locator('.monaco-menu').getByRole('menuitem', { name: nls['command.openLog'] }).hover();
  await page.keyboard.press('Enter');
  await page.locator(`.quick-input-widget input[placeholder*="${host}"]`).waitFor(); // "Log to open on registry-meta-1"
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: logPath }).first().click();
  await ui.editorTab(page, path.basename(logPath)).waitFor({ timeout: 30_000 });
  // It opens at its last lines: each one on screen is a line of that container's own file.
  const file = fs.readFileSync(path.join(demo.dir, '.demo/containers', host, 'home/admin', logPath.replace('/home/admin/', '')), 'utf8');
  const fileLines = new Set(file.split('\n').filter(Boolean));
  const view = page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines');
  await view.locator('.view-line', { hasText: /c\.a\.s\.r\.s\.m\./ }).first().waitFor();
  const shown = (await view.innerText()).replace(/\u00a0/g, ' ').split('\n').filter((l) => l.trim());
  const fromFile = shown.filter((l) => fileLines.has(l));
  assert(fromFile.length >= 10 && fromFile.length >= shown.length - 2, `the editor does not show ${host}'s ${logPath}: ${shown.length} lines, ${fromFile.length} from the file; ${shown.slice(-3).join(' | ')}`);
  assert(fromFile.filter((l) => / \[[\w-]+\] c\.a\.s\.r\.s\.m\.[\w.]+ - /.test(l)).length >= 5, `few MetaServer lines on screen: ${fromFile.slice(-3).join(' | ')}`);
  // At the top of the file view, the CodeLens row names the host and the file (under the host's
  // logRoot: the demo without user namespaces keeps each container's /home in its own folder).
  // Focus the log's editor first: a busy workbench may still have focus in the tree or the quick pick.
  await view.click();
  await page.keyboard.press('Control+Home');
  await page.locator('.part.editor .codelens-decoration', { hasText: new RegExp(`${escapeRe(host)}:\\S*${escapeRe(logPath)}`) }).first().waitFor();
});

step('demo-runbook', 'open the registry business checks runbook, Run All against the demo: every host answers, every step passes', async ({ page }) => {
  const name = path.basename(E2E_RUNBOOK); // copied into the workspace before VS Code started
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().click();
  const notebook = page.locator('.notebookOverlay >> visible=true'); // the notebook editor floats over the editor part
  await notebook.locator('.code-cell-row').first().waitFor();
  const box = await notebook.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2); // off the tab whose hover Quick Open left under it
  await notebook.locator('.notebook-toolbar-container').getByRole('button', { name: 'Run All', exact: true }).click();
  // VS Code asks for the controller unless it picked the only one itself.
  const controller = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'SOFA Ops (SSH)' }).first();
  const dialog = page.locator('.monaco-dialog-box');
  await Promise.race([controller.waitFor({ timeout: 60_000 }), dialog.waitFor({ timeout: 60_000 })]);
  if (await controller.isVisible()) await controller.click();
  // The runbook's last step is manual (§7.7.2: verify the applications' RPC calls): the operator
  // ticks it in a modal once the four health checks before it passed.
  await dialog.filter({ hasText: 'business-rpc' }).waitFor({ timeout: 60_000 });
  await dialog.getByRole('button', { name: 'Mark as Done' }).click();
  await dialog.waitFor({ state: 'hidden' });
  // Scroll down the notebook as a reader does: each host's section appears under its step, every
  // step shows a pass, and the manual step is marked done.
  const outputs = page.frameLocator('.notebookOverlay iframe.webview.ready').frameLocator('iframe#active-frame');
  const passedSteps = new Set();
  /** Scrolls until one of `locator`'s elements is on screen in the notebook (up when it is above). */
  const seen = async (locator, dy = 300) => {
    for (let i = 0; i < 40; i++) {
      for (const row of await notebook.locator('.code-cell-row').filter({ has: page.locator('.codicon-notebook-state-success') }).all()) passedSteps.add(await row.getAttribute('data-index'));
      assert(!(await notebook.locator('.code-cell-row .codicon-notebook-state-error').count()), 'a runbook step failed');
      await locator.first().waitFor({ state: 'attached', timeout: 500 }).catch(() => {});
      let direction = dy;
      for (const candidate of await locator.all()) {
        // The webview keeps offscreen cells' output, and VS Code shows consecutive stream outputs
        // (a step's host sections) in the first one's container, leaving the others' empty.
        const at = (await candidate.evaluate((el) => !!el.closest('.output_container')?.getBoundingClientRect().height || !el.closest('.output_container'))) ? await candidate.boundingBox() : null;
        if (!at?.height) continue;
        if (at.y >= box.y && at.y + at.height <= box.y + box.height) return;
        direction = at.y < box.y ? -Math.abs(dy) : Math.abs(dy);
      }
      await page.mouse.wheel(0, direction);
    }
    // What the notebook does show, step by step (each output the user can see, bodies shortened).
    const shown = await outputs.locator('body').evaluate((body) => [...body.ownerDocument.querySelectorAll('.output_container')].filter((o) => o.getBoundingClientRect().height).map((o) => o.textContent.replace(/\{"success[^}]*\}/g, '{…}')));
    throw new Error(`scrolled through the runbook without seeing ${locator}; the outputs shown:\n${shown.join('\n')}`);
  };
  const section = (host) => outputs.getByText(`▶ ${host}`);
  for (const host of ['registry-meta-1', 'registry-meta-2', 'registry-meta-3']) await seen(section(host));
  await seen(outputs.getByText(/"success":true,.*raftStatus:Leader/)); // one of them leads
  for (const host of ['registry-data-1', 'registry-data-2', 'registry-data-3', 'registry-session-1', 'registry-session-2']) await seen(section(host));
  await seen(outputs.getByText('{"pushSwitch":"open"}'));
  await seen(outputs.getByText('Marked done by the operator'));
  await seen(notebook.locator('.code-cell-row', { hasText: 'RPC' }).filter({ has: page.locator('.codicon-notebook-state-success') }));
  assert(passedSteps.size === 5, `${passedSteps.size} of the runbook's 5 steps show a pass`);
  // Back up for the picture: the meta nodes' answers under their step.
  await seen(outputs.getByText('验证 meta 是否启动成功'), -300);
});

step('triage', 'paste an alert line into Triage…: the panel names component, action and runbook, and "Run runbook on antscheduler-1" opens it for that host', async ({ page }) => {
  const line = '2026-11-02 03:14:16,589 ERROR [SchedulerRpc-2] c.a.a.rpc.RegisterHandler - client[pay-gateway@antscheduler-1] has no auth, client register failed';
  await runCommand(page, nls['command.triage']);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(line);
  // The exact catalog match ranks first; Enter opens it in the panel.
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: /exact|精确/ }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
  // code-server renders a webview in an iframe holding the content's own frame; the newest of ours.
  const view = page.locator('iframe.webview.ready[src*="extensionId=sofa-ops"]').last().contentFrame().locator('#active-frame').contentFrame();
  const top = view.locator('div.result[data-id="microservice-antscheduler-client-no-auth"]').first();
  await top.waitFor({ timeout: 30_000 });
  const shown = await top.innerText();
  assert(/antscheduler/.test(shown), `the panel does not name the component: ${shown}`);
  assert(/antscheduler-1/.test(shown), `the panel does not name the host from the line: ${shown}`);
  assert(/§2\.3\.2/.test(shown), `the panel lacks the guide section: ${shown}`);
  const run = top.locator('a.button.run').first();
  assert(/antscheduler-1/.test(await run.innerText()), 'the run button names the host');
  await run.click();
  await page.locator('.notebookOverlay >> visible=true').locator('.code-cell-row').first().waitFor({ timeout: 30_000 });
  await page.locator('.notifications-toasts, .notification-toast-container', { hasText: /antscheduler-1/ }).first().waitFor({ timeout: 30_000 });
});

// --- runner -----------------------------------------------------------------------------------

/** Waits until the status bar shows an inspection summary (`126/132 · 6 ✗`), not "Inspecting…". */
async function inspected(page) {
  await page.locator('.part.statusbar .statusbar-item').filter({ hasText: /\d+\/\d+/ }).first().waitFor({ timeout: 30_000 });
  await page.locator('.part.statusbar .statusbar-item').filter({ hasText: /Inspecting/ }).waitFor({ state: 'hidden', timeout: 30_000 });
}

/** F1, type a command title, run it. */
async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().click();
}

/**
 * The demo site (sofa-ops demo) in a folder of the run, outside the workspace; the workspace's
 * settings point SOFA Ops at its inventory and pinned host keys. Resolves with its dir once ready.
 */
async function startDemoSite(runDir, workspace) {
  const dir = path.join(runDir, 'demo');
  fs.mkdirSync(dir, { recursive: true });
  // Its own loopback /24, so a demo the developer is running on 127.0.1.x does not get in the way.
  const subnet = `127.0.${200 + (process.pid % 50)}`;
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/sofa-ops.js'), 'demo', '--dir', dir, '--subnet', subnet, '--json-ready'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not ready in 30 s: ${err}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`demo exited (${code}): ${err}`)));
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const ready = JSON.parse(out.split('\n')[0]);
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'sofaOps.inventoryFile': ready.inventory, 'sofaOps.ssh.knownHostsFiles': [ready.knownHosts] }, null, 2));
  return {
    dir,
    subnet,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

// A log pattern of the catalog by id (from runbooks/<product>/catalog.yaml).
function findPattern(id) {
  const dir = path.join(ROOT, 'runbooks');
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(dir, d.name)).filter((x) => /(^|\.)catalog\.yaml$/.test(x))) {
      const found = parseYaml(fs.readFileSync(path.join(dir, d.name, f), 'utf8'))?.patterns?.find((p) => p.id === id);
      if (found) return found;
    }
  }
  throw new Error(`no log pattern ${id} in runbooks/`);
}
function names(x) {
  return [x.name.zh, x.name.en];
}
function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
function assert(cond, message) {
  if (!cond) throw new Error(message);
}
/** Clicks a collapsed tree row open (a no-op when it is open) and waits until it is. */
async function expand(row) {
  await row.waitFor();
  if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
  await expectAttr(row, 'aria-expanded', 'true');
}
async function expectAttr(locator, attr, value) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let got;
  while (Date.now() < deadline) {
    got = await locator.getAttribute(attr);
    if (got === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`expected ${attr}="${value}", got "${got}"`);
}

function readCatalog() {
  const dir = path.join(ROOT, 'runbooks');
  const products = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(dir, d.name))) {
      if (!/(^|\.)catalog\.yaml$/.test(f)) continue;
      const doc = parseYaml(fs.readFileSync(path.join(dir, d.name, f), 'utf8'));
      if (doc?.product) products.push({ product: doc.product, components: doc.components ?? [] });
    }
  }
  return { products };
}

const t0 = Date.now();
const vsix = opts.vsix && path.resolve(opts.vsix);
await requirePrerequisites({ extensionDir: opts['no-build'] ? ROOT : undefined, vsix });
if (!opts['no-build']) {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });

const run = prepareRun('e2e');
const ext = vsix ? installVsix(run, vsix) : installExtension(run, ROOT);
console.log(`[e2e] testing ${ext.id} ${vsix ? `installed from ${path.relative(ROOT, vsix)}` : 'linked from the working tree'}`);
const catalog = readCatalog();
// The runbook demo-runbook runs, in the workspace from the start: a file written while VS Code
// runs is not always in Quick Open's results yet.
const E2E_RUNBOOK = 'runbooks/registry/business-checks.runbook.md';
fs.copyFileSync(path.join(ROOT, E2E_RUNBOOK), path.join(run.workspace, path.basename(E2E_RUNBOOK)));
let server;
let browser;
let demo;
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  demo = await startDemoSite(run.dir, run.workspace).catch((err) => {
    console.log(`[e2e] demo site: ${err.message}`);
    return undefined;
  });
  server = await startCodeServer(run);
  const wb = await openWorkbench(server, run.workspace);
  browser = wb.browser;
  const { page } = wb;
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  console.log(`[e2e] code-server ${server.startMs} ms, workbench ${wb.workbenchMs} ms\n\n  e2e: SOFA Ops in code-server`);
  const state = {};
  for (const [i, s] of steps.entries()) {
    if (failed) {
      skipped++;
      console.log(`    - ${s.title} (skipped)`);
      continue;
    }
    const shot = path.join(OUT, `${String(i + 1).padStart(2, '0')}-${s.name}.png`);
    const started = Date.now();
    try {
      await s.fn({ page, catalog, ui, state });
      await page.screenshot({ path: shot });
      passed++;
      console.log(`    ✔ ${s.title} (${Date.now() - started}ms)`);
    } catch (err) {
      failed++;
      await page.screenshot({ path: shot.replace(/\.png$/, '.FAILED.png') }).catch(() => {});
      // eslint-disable-next-line no-control-regex -- playwright colours its call log
      const message = String(err?.message ?? err).replace(/\x1b\[[0-9;]*m/g, '');
      console.log(`    ${failed}) ${s.title}\n      ${message.split('\n').join('\n      ')}`);
      for (const e of wb.consoleErrors.slice(-5)) console.log(`      browser console error: ${e.slice(0, 300)}`);
    }
  }
} catch (err) {
  failed++;
  console.log(`[e2e] HARNESS ERROR: ${err?.stack ?? err}\n[e2e] code-server log ${run.log}:\n${tail(run.log, 15)}`);
} finally {
  await browser?.close().catch(() => {});
  await server?.stop();
  await demo?.stop();
}

if (opts['update-screenshots'] && !failed) {
  fs.mkdirSync(README_SHOTS, { recursive: true });
  for (const f of fs.readdirSync(OUT)) fs.copyFileSync(path.join(OUT, f), path.join(README_SHOTS, f));
  console.log(`[e2e] copied screenshots to ${path.relative(ROOT, README_SHOTS)}/`);
}
console.log(`\n[e2e] screenshots: ${path.relative(ROOT, OUT)}/ ; run folder: ${path.relative(ROOT, run.dir)} ; ${Date.now() - t0} ms in all`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
