/**
 * Triage in the editor: a pasted demo log line opens the triage panel naming its component,
 * action and runbook with the host from the line; "Run runbook on HOST" opens the notebook with
 * that host pre-filled; Explain Selection explains an editor selection; the products filter finds
 * port 9529 without expanding anything. No SSH: nothing here connects.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CatalogNode } from '../../../src/core/catalog/catalogTree';
import { api, waitFor } from './harness';

const LINE = '2026-11-02 03:14:16,589 ERROR [SchedulerRpc-2] c.a.a.rpc.RegisterHandler - client[pay-gateway@127.0.6.12] has no auth, client register failed';

function* walk(nodes: readonly CatalogNode[]): Generator<CatalogNode> {
  for (const n of nodes) {
    yield n;
    yield* walk(n.children);
  }
}

describe('triage', function () {
  this.timeout(60_000);
  let inventory: vscode.Uri;

  before(async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    inventory = vscode.Uri.joinPath(folder, 'sofa-ops.inventory.yaml');
    await vscode.workspace.fs.writeFile(inventory, new TextEncoder().encode('defaults: { port: 2022, user: admin }\nproducts:\n  microservice:\n    antscheduler:\n      - { name: antscheduler-1, host: 127.0.6.12 }\n'));
    await vscode.commands.executeCommand('sofaOps.refreshCatalog');
  });

  after(async () => {
    await vscode.commands.executeCommand('sofaOps.clearProductsFilter');
    await vscode.workspace.fs.delete(inventory);
    await vscode.commands.executeCommand('sofaOps.refreshCatalog');
  });

  it('builds no index at activation', async () => {
    assert.equal((await api()).triage.service.built, false);
  });

  it('explains a pasted log line in the panel: component, action, runbook, host', async () => {
    await vscode.commands.executeCommand('sofaOps.triage', LINE);
    const { panel } = (await api()).triage;
    const top = panel.shown!.answer.results[0];
    assert.equal(top.id, 'microservice-antscheduler-client-no-auth');
    assert.ok(top.exact);
    assert.equal(top.component, 'antscheduler');
    assert.equal(top.host?.name, 'antscheduler-1');
    assert.ok(top.runbooks.length > 0, 'a runbook is offered');
    // The tab model follows the panel a moment later (the workbench reports it back to the host).
    const tab = await waitFor('the triage panel tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('sofaOps.triage') && /^(Triage|故障分诊)[:：] /.test(t.label)));
    assert.match(tab.label, /^(Triage|故障分诊)[:：] /);
  });

  it('opens a runbook for the host from the panel with the host pre-filled', async () => {
    const sofaApi = await api();
    const top = sofaApi.triage.panel.shown!.answer.results[0];
    await vscode.commands.executeCommand('sofaOps.openRunbookForHost', top.runbooks[0].file, 'antscheduler-1');
    const editor = await waitFor('the runbook notebook', () => vscode.window.activeNotebookEditor);
    assert.equal(editor.notebook.uri.fsPath, top.runbooks[0].file);
    assert.equal(sofaApi.runbooks.prefillOf(editor.notebook.uri)?.host, 'antscheduler-1');
  });

  it('explains an editor selection', async () => {
    const doc = await vscode.workspace.openTextDocument({ content: `noise\n${LINE}\n`, language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(1, 0, 1, LINE.length);
    await vscode.commands.executeCommand('sofaOps.explainSelection');
    const { panel } = (await api()).triage;
    assert.equal(panel.shown?.text, LINE);
    assert.equal(panel.shown?.answer.results[0].id, 'microservice-antscheduler-client-no-auth');
  });

  it('filters the products tree over the whole catalog: 9529 finds the msgbroker port', async () => {
    const { productsTree } = await api();
    await vscode.commands.executeCommand('sofaOps.filterProducts', '9529');
    const roots = await productsTree.getChildren();
    assert.equal(roots[0].id, 'message:filter');
    assert.match(roots[0].label, /9529/);
    const port = [...walk(roots)].find((n) => n.kind === 'port' && n.label === '9529');
    assert.ok(port, 'the port node is in the filtered tree');
    assert.equal((await productsTree.getTreeItem(port.parent!)).collapsibleState, vscode.TreeItemCollapsibleState.Expanded);
    await vscode.commands.executeCommand('sofaOps.clearProductsFilter');
    assert.ok((await productsTree.getChildren()).every((n) => n.id !== 'message:filter'));
  });
});
