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
// copies them to media/screenshots/ for the README, named by step (`demo-log.png`).
//
// Adding a step: append `step('name', 'what the user does', async (t) => { ... })` below. `t` has
// the playwright `page`, the `catalog` read from runbooks/, `ui` (selectors and small actions)
// and `state` (whatever earlier steps left for later ones).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
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
// The steps whose pictures the Get Started walkthrough shows (package.json contributes.walkthroughs).
const WALKTHROUGH_SHOTS = ['demo-hosts', 'expand-product', 'log-hover', 'demo-runbook', 'inspection-green', 'inspection-red'];
const WALKTHROUGH_MEDIA = path.join(ROOT, 'media/walkthrough');
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
  /** Folds a tree's open top-level rows, so the rows below them are on screen (a list only draws what fits). */
  foldTopLevel: async (scope) => {
    for (let i = 0; i < 20; i++) {
      const open = scope.locator('.monaco-list-row[role="treeitem"][aria-level="1"][aria-expanded="true"]').first();
      if (!(await open.count())) return;
      await open.click();
      await scope.page().waitForTimeout(100);
    }
  },
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
  // again (as an operator would) until the dependent failure shows (a loaded machine takes longer).
  for (let attempt = 1; ; attempt++) {
    try {
      await ui.row(results, ['microservice']).locator('.codicon-error').waitFor({ timeout: 8_000 });
      break;
    } catch (err) {
      if (attempt === 8) throw err;
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

step('osp-single-address', 'inject osp-single-address (§9.5.2: OSP returns one address for mq): the "at least two addresses per service" rule turns the cloud platform red', async ({ page, catalog }) => {
  assert(demo, 'the demo site did not start');
  fs.writeFileSync(path.join(demo.dir, '.demo', 'faults'), 'osp-single-address');
  await page.waitForTimeout(1500); // the demo applies a new fault set within a second
  await runCommand(page, nls['command.runInspection']);
  await inspected(page);
  const pane = ui.viewPane(page, nls['views.products.name']);
  const platform = catalog.products.find((p) => p.product.id === 'cloud-platform');
  // Products opened by the earlier steps fold up, so the cloud platform's row is on screen (in both views).
  await ui.foldTopLevel(pane);
  await ui.row(pane, names(platform.product)).locator('.codicon-error').waitFor({ timeout: 30_000 });
  const results = ui.viewPane(page, nls['views.inspection.name']);
  if ((await results.locator('.pane-header').getAttribute('aria-expanded')) !== 'true') await results.locator('.pane-header').click();
  await ui.foldTopLevel(results);
  const product = ui.row(results, ['cloud-platform']);
  await product.locator('.codicon-error').waitFor({ timeout: 30_000 });
  if ((await product.getAttribute('aria-expanded')) === 'false') await product.click();
  // The rule's row says which service has a single address.
  const rule = results.locator('.monaco-list-row[role="treeitem"]', { hasText: /sofa-osp/ }).filter({ has: page.locator('.codicon-error') }).first();
  await rule.waitFor({ timeout: 30_000 });
  await rule.hover();
  const tip = page.locator('.monaco-hover, .custom-hover, .workbench-hover').filter({ hasText: /mq/ }).first();
  await tip.waitFor({ timeout: 10_000 }).catch(() => {});
  const said = `${await rule.innerText()} ${(await tip.isVisible().catch(() => false)) ? await tip.innerText() : ''}`;
  assert(/\bmq\b/.test(said), `the rule's result does not name the single-address service (mq): ${said}`);
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
  // (The viewer reveals the end as lines arrive, so a busy machine may need a second try.)
  const lens = page.locator('.part.editor .codelens-decoration', { hasText: new RegExp(`${escapeRe(host)}:\\S*${escapeRe(logPath)}`) }).first();
  for (let attempt = 1; ; attempt++) {
    await view.click();
    await page.keyboard.press('Control+Home');
    try {
      await lens.waitFor({ timeout: attempt < 4 ? 3_000 : STEP_TIMEOUT_MS });
      break;
    } catch (err) {
      if (attempt === 4) throw err;
    }
  }
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

step('cross-host-search', 'search registry-connect.log on both session servers: the hits are listed by host with the line numbers grep -n gives, and one opens the remote log at its line', async ({ page }) => {
  assert(demo, 'the demo site did not start');
  const hosts = ['registry-session-1', 'registry-session-2'];
  const logPath = '/home/admin/logs/registry/session/registry-connect.log';
  const fileOf = (host) => path.join(demo.dir, '.demo/containers', host, 'home/admin', logPath.replace('/home/admin/', ''));
  const linesOf = (host) => fs.readFileSync(fileOf(host), 'utf8').split('\n');
  // A text each host has logged a few times (the demo's connection events are random): the
  // picture and the check stay on one screen.
  const counts = (text) => hosts.map((h) => linesOf(h).filter((l) => l.includes(text)).length);
  const candidates = [...new Set(linesOf(hosts[0]).map((l) => / (app=[\w-]+ event=\w+)$/.exec(l)?.[1]).filter(Boolean))];
  const text = candidates.map((c) => [c, Math.max(...counts(c)), Math.min(...counts(c))]).filter(([, , min]) => min >= 1).sort((a, b) => a[1] - b[1])[0]?.[0];
  assert(text, `no connection event logged on both session servers yet: ${candidates.join(', ')}`);
  await runCommand(page, 'View: Close All Editors'); // room for the log the search opens
  const save = page.locator('.monaco-dialog-box').getByRole('button', { name: /Don't Save|不保存/ });
  if (await save.isVisible({ timeout: 2_000 }).catch(() => false)) await save.click();
  await runCommand(page, nls['command.searchLogsAcrossHosts']);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill('registry-connect.log');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: logPath }).first().click();
  // The input box for the text, then the results by host.
  await page.locator('.quick-input-widget .quick-input-message', { hasText: /registry-connect\.log/ }).or(page.locator('.quick-input-widget', { hasText: /registry-connect\.log/ })).first().waitFor();
  await input.fill(text);
  await page.keyboard.press('Enter');
  const list = page.locator('.quick-input-widget .quick-input-list');
  await list.locator('.monaco-list-row', { hasText: text }).first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(300); // the list renders its rows in one go; let it settle for the count
  await page.screenshot({ path: path.join(OUT, 'cross-host-search-results.png') });
  // Rows in list order (the list reuses its row elements, so DOM order is not screen order). A
  // host's heading is either a row of its own or drawn on its first hit's row.
  const rows = (await list.locator('.monaco-list-row').evaluateAll((els) => els.map((el) => {
    const asItem = !!el.querySelector('.quick-input-list-separator-as-item');
    return {
      index: Number(el.getAttribute('data-index')),
      separator: asItem ? el.querySelector('.label-name')?.textContent ?? '' : el.querySelector('.quick-input-list-separator')?.textContent ?? '',
      label: asItem ? '' : el.querySelector('.label-name')?.textContent ?? '',
      description: asItem ? '' : el.querySelector('.label-description')?.textContent ?? '',
    };
  }))).sort((a, b) => a.index - b.index);
  // Each host's hits come under its own separator; every hit's number is its line in that container's file.
  let host;
  const seen = new Map();
  for (const r of rows) {
    const sep = hosts.find((h) => r.separator.includes(h));
    if (sep) host = sep;
    if (!/^\d+$/.test(r.label.trim())) continue;
    assert(host, `a hit before any host heading: ${JSON.stringify(r)}`);
    const n = Number(r.label.trim());
    const fileLine = linesOf(host)[n - 1] ?? '';
    assert(fileLine.replace(/\u00a0/g, ' ') === r.description.replace(/\u00a0/g, ' '), `${host} line ${n}: the list shows "${r.description}", the file has "${fileLine}"`);
    seen.set(host, [...(seen.get(host) ?? []), n]);
  }
  for (const h of hosts) {
    const expected = linesOf(h).flatMap((l, i) => (l.includes(text) ? [i + 1] : []));
    const shown = seen.get(h) ?? [];
    assert(shown.length >= 1, `no hits listed for ${h}; rows: ${JSON.stringify(rows)}`);
    // grep -n on the file now (it keeps growing: every listed line must be among them, in order).
    assert(shown.every((n) => expected.includes(n)) && shown.join() === [...shown].sort((a, b) => a - b).join(), `${h}: listed ${shown}, grep -n gives ${expected}`);
  }
  // Choosing a hit opens the remote log with that line in view.
  const second = [...seen.get(hosts[1])][0];
  await list.locator('.monaco-list-row', { hasText: linesOf(hosts[1])[second - 1].slice(0, 23) }).first().click();
  await ui.editorTab(page, 'registry-connect.log').first().waitFor({ timeout: 30_000 });
  // That host's line is on screen (its millisecond timestamp is in no other host's file).
  const view = page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines');
  const hit = linesOf(hosts[1])[second - 1];
  await view.locator('.view-line').filter({ hasText: new RegExp(escapeRe(hit.slice(0, 23)).replace(/ /g, '\\s')) }).filter({ hasText: text.split(' ')[0] }).first().waitFor({ timeout: 30_000 });
  // The hits stay in the Log Search view, by host, after the list is gone.
  const results = ui.viewPane(page, nls['views.logSearch.name']);
  await results.waitFor({ timeout: 30_000 });
  if ((await results.locator('.pane-header').getAttribute('aria-expanded')) !== 'true') await results.locator('.pane-header').click();
  for (const h of hosts) {
    const row = ui.treeRow(results, h);
    await row.waitFor();
    assert(new RegExp(`${seen.get(h).length}`).test(await row.innerText()), `${h}'s heading does not count its ${seen.get(h).length} hit(s): ${await row.innerText()}`);
  }
  await results.locator('.monaco-list-row[role="treeitem"]', { has: page.locator('.label-name', { hasText: new RegExp(`^${seen.get(hosts[0])[0]}$`) }) }).first().waitFor();
});

step('timeline', 'inject drmdata-push-failure and dbp-slow-sql, then Incident Timeline… over all hosts: both faults appear on their hosts, in time order, bursts counted', async ({ page }) => {
  assert(demo, 'the demo site did not start');
  const pad = (n) => String(n).padStart(2, '0');
  const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const since = local(new Date(Date.now() - 1000));
  fs.writeFileSync(path.join(demo.dir, '.demo', 'faults'), 'drmdata-push-failure,dbp-slow-sql');
  // The faults write a line every few seconds: let them make bursts on both hosts.
  const logs = ['drmdata-1/home/admin/logs/drm/drmdata-push.log', 'dbp-proxy-1/home/admin/logs/zdalproxy/zdal/zdal-monitor.log'].map((f) => path.join(demo.dir, '.demo/containers', f));
  for (let i = 0; i < 60; i++) {
    const ready = logs.every((f) => fs.existsSync(f) && fs.readFileSync(f, 'utf8').split('\n').filter((l) => l >= since && /;1$|Slow sql/i.test(l)).length >= 2);
    if (ready) break;
    await page.waitForTimeout(500);
  }
  await runCommand(page, nls['command.incidentTimeline']);
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  // Hosts: all of them (a multi-select list; the first entry is "All hosts").
  const all = page.locator('.quick-input-widget .monaco-list-row').first();
  await all.waitFor();
  await all.locator('.label-name').click(); // a click on a row of a multi-select list ticks it
  await page.locator('.quick-input-widget', { hasText: /1 Selected|已选 1/ }).first().waitFor();
  await page.keyboard.press('Enter');
  // Start of the window: when the faults went in; end: the default (a minute from now).
  await page.locator('.quick-input-widget .quick-input-message, .quick-input-widget', { hasText: /Start of the window|窗口开始/ }).first().waitFor();
  await input.fill(since);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget', { hasText: /End of the window|窗口结束/ }).first().waitFor();
  await page.keyboard.press('Enter');
  const view = page.locator('.part.editor .editor-group-container.active .monaco-editor .view-lines');
  await view.locator('.view-line', { hasText: /Incident\stimeline|事件时间线/ }).first().waitFor({ timeout: 90_000 });
  // Markdown wraps the long rows: join the screen lines, then cut at each row's start.
  const shown = (await view.innerText()).replace(/\u00a0/g, ' ').split('\n');
  const rows = shown.join(' ').split(/(?=\| \d{4}-\d\d-\d\d \d\d:)/).filter((l) => /^\| \d{4}-/.test(l)).map((l) => l.split(' | ').map((c) => c.replace(/^\| /, '')));
  assert(rows.some((r) => r[1] === 'drmdata-1' && /drmdata-push\.log:\d+/.test(r[2])), `no drmdata-1 push failure row:\n${shown.join('\n')}`);
  assert(rows.some((r) => r[1] === 'dbp-proxy-1'), `no dbp-proxy-1 row:\n${shown.join('\n')}`);
  assert(rows.some((r) => /^\d+ \(/.test(r[4])), `no burst collapsed with a count:\n${shown.join('\n')}`);
  const times = rows.map((r) => r[0]);
  assert(times.join() === [...times].sort().join(), `rows out of time order: ${times.join(', ')}`);
  assert(times.every((t) => t >= since), `a row before the window: ${times[0]} < ${since}`);
  // Each row points at the file and line that holds it on that container.
  for (const r of rows.filter((x) => x[1] === 'drmdata-1')) {
    const [, file, line] = /`([^`]+):(\d+)`/.exec(r[2]);
    const text = fs.readFileSync(path.join(demo.dir, '.demo/containers/drmdata-1/home/admin', file.replace('/home/admin/', '')), 'utf8').split('\n')[Number(line) - 1];
    assert(text.startsWith(r[0].slice(0, 19)), `drmdata-1 ${file}:${line} is "${text}", the row says ${r[0]}`);
  }
  fs.writeFileSync(path.join(demo.dir, '.demo', 'faults'), '');
});

step('walkthrough', 'open the Get Started walkthrough: its six steps are listed; Start Demo Site finds the running site; Inject a Fault… changes the site\'s faults', async ({ page }) => {
  assert(demo, 'the demo site did not start');
  await runCommand(page, 'Open Walkthrough...');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: nls['walkthrough.title'] }).first().click();
  const gs = page.locator('.gettingStartedContainer');
  const stepTitle = (key) => gs.locator('.getting-started-step', { hasText: nls[`walkthrough.${key}.title`] }).first();
  for (const key of ['startDemo', 'openTree', 'openLog', 'runRunbook', 'runInspection', 'injectFault']) await stepTitle(key).waitFor({ timeout: 30_000 });
  // Start Demo Site: this window's workspace already uses the demo the run started.
  await stepTitle('startDemo').click();
  await gs.getByRole('button', { name: 'Start Demo Site' }).click();
  await page.locator('.notifications-toasts', { hasText: /already running from/ }).first().waitFor({ timeout: 30_000 });
  // Inject a Fault…: pick one; the running site's fault file says it.
  await stepTitle('injectFault').click();
  await gs.getByRole('button', { name: 'Inject a Fault…' }).click();
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'msgbroker-9529-down' }).first().click();
  const faults = path.join(demo.dir, '.demo', 'faults');
  for (let i = 0; i < 40 && !fs.readFileSync(faults, 'utf8').includes('msgbroker-9529-down'); i++) await page.waitForTimeout(250);
  assert(fs.readFileSync(faults, 'utf8').trim() === 'msgbroker-9529-down', `the faults file says "${fs.readFileSync(faults, 'utf8').trim()}"`);
  await page.locator('.notifications-toasts', { hasText: /Injected msgbroker-9529-down/ }).first().waitFor({ timeout: 30_000 });
  fs.writeFileSync(faults, '');
  // The step's picture (shipped in the .vsix) is shown, not its alt text.
  const picture = gs.locator('.getting-started-media img').first();
  await picture.waitFor();
  for (let i = 0; i < 40 && !(await picture.evaluate((img) => img.complete && img.naturalWidth > 0)); i++) await page.waitForTimeout(250);
  assert(await picture.evaluate((img) => img.naturalWidth > 0), `the walkthrough picture did not load: ${await picture.getAttribute('src')}`);
});

step('confirm-cancel', 'run a runbook step that needs confirmation: the dialog shows the command and the host, and Enter cancels it', async ({ page }) => {
  assert(demo, 'the demo site did not start');
  const marker = path.join(demo.dir, '.demo/containers/registry-meta-1/home/admin/e2e-restarted');
  fs.rmSync(marker, { force: true });
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(CONFIRM_RUNBOOK);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: CONFIRM_RUNBOOK }).first().click();
  const notebook = page.locator('.notebookOverlay >> visible=true');
  await notebook.locator('.code-cell-row').first().waitFor();
  await notebook.locator('.notebook-toolbar-container').getByRole('button', { name: 'Run All', exact: true }).click();
  const controller = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'SOFA Ops (SSH)' }).first();
  const dialog = page.locator('.monaco-dialog-box');
  await Promise.race([controller.waitFor({ timeout: 60_000 }), dialog.waitFor({ timeout: 60_000 })]);
  if (await controller.isVisible()) await controller.click();
  await dialog.filter({ hasText: 'Restart the meta server on registry-meta-1?' }).waitFor({ timeout: 60_000 });
  const shown = await dialog.innerText();
  assert(/registry-meta-1/.test(shown) && /\$ touch \/home\/admin\/e2e-restarted && echo restarted/.test(shown), `the dialog does not show the host and the command: ${shown}`);
  await page.screenshot({ path: path.join(OUT, 'confirm-dialog.png') });
  await page.keyboard.press('Enter'); // the default button
  await dialog.waitFor({ state: 'hidden' });
  await notebook.locator('.code-cell-row .codicon-notebook-state-success, .code-cell-row .codicon-notebook-state-error').first().waitFor({ timeout: 30_000 });
  assert(!fs.existsSync(marker), 'Enter ran the step: the default button is not Cancel');
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
  // The launcher the editor, `npm start` and the integration tests use (built into dist/ by this run's build).
  const { launchDemo } = createRequire(import.meta.url)(path.join(ROOT, 'dist/demo-launcher.js'));
  const demo = await launchDemo({ cli: path.join(ROOT, 'bin/sofa-ops.js'), dir, subnet, timeoutMs: 30_000 });
  const { ready } = demo;
  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'sofaOps.inventoryFile': ready.inventory, 'sofaOps.ssh.knownHostsFiles': [ready.knownHosts] }, null, 2));
  return {
    dir,
    subnet,
    async stop() {
      await demo.stop();
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
// A destructive step for the confirm dialog (written by hand: no shipped runbook should be run
// half-way in a test).
const CONFIRM_RUNBOOK = 'e2e-confirm.runbook.md';
fs.writeFileSync(path.join(run.workspace, CONFIRM_RUNBOOK), [
  '---', 'title: e2e confirm', 'product: registry', '---', '', '# Restart', '',
  '```sh {name=restart target=registry-meta-1 confirm="Restart the meta server on registry-meta-1?"}',
  'touch /home/admin/e2e-restarted && echo restarted', '```', '',
].join('\n'));
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
      // The walkthrough's pictures ship in the .vsix: JPEG keeps them small.
      if (WALKTHROUGH_SHOTS.includes(s.name)) await page.screenshot({ path: path.join(OUT, `walkthrough-${s.name}.jpg`), type: 'jpeg', quality: 60 });
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
  // Named by step, without the run's numbering, so adding a step does not rename the README's pictures.
  for (const f of fs.readdirSync(OUT).filter((x) => x.endsWith('.png'))) fs.copyFileSync(path.join(OUT, f), path.join(README_SHOTS, f.replace(/^\d+-/, '')));
  fs.mkdirSync(WALKTHROUGH_MEDIA, { recursive: true });
  for (const f of fs.readdirSync(OUT).filter((x) => x.startsWith('walkthrough-'))) fs.copyFileSync(path.join(OUT, f), path.join(WALKTHROUGH_MEDIA, f.replace(/^walkthrough-/, '')));
  console.log(`[e2e] copied screenshots to ${path.relative(ROOT, README_SHOTS)}/`);
}
console.log(`\n[e2e] screenshots: ${path.relative(ROOT, OUT)}/ ; run folder: ${path.relative(ROOT, run.dir)} ; ${Date.now() - t0} ms in all`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
