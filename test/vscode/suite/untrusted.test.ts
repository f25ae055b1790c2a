/**
 * Restricted Mode: a folder the operator has not trusted (a runbook repository they were sent)
 * still shows the catalog and the guide, but SOFA Ops connects to no host from it: no runbook cell,
 * shell, log or inspection. Run by `launch-code-server.mjs --untrusted`, in a window with workspace
 * trust on and this folder untrusted. A plain TCP listener stands in for every inventory host and
 * counts the connections that reach it: any would be a breach.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { api, waitFor } from './harness';

const RUNBOOK = `---
title: Would restart registry meta
product: registry
---
\`\`\`sh {name=restart target=registry-meta}
echo restarting
\`\`\`
`;

describe('untrusted workspace (Restricted Mode)', function () {
  this.timeout(60_000);
  let listener: net.Server;
  let connections = 0;
  let folder: vscode.Uri;

  before(async () => {
    listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as net.AddressInfo).port;
    folder = vscode.workspace.workspaceFolders![0].uri;
    const enc = new TextEncoder();
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'sofa-ops.inventory.yaml'), enc.encode(`defaults: { port: ${port}, user: admin }
products:
  registry:
    registry-meta:
      - { name: registry-meta-1, host: 127.0.0.1 }
`));
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'restart.runbook.md'), enc.encode(RUNBOOK));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const terminal of vscode.window.terminals) terminal.dispose();
    listener?.close();
  });

  it('is untrusted, and SOFA Ops is active there with its products and guide', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the harness opened this folder untrusted');
    const products = (await (await api()).productsTree.getChildren()) ?? [];
    assert.ok(products.length >= 10, `products listed: ${products.length}`);
    await vscode.commands.executeCommand('sofaOps.openGuideSection', '7.4.1');
    assert.equal((await api()).guidePanel?.shownSection, '7.4.1');
  });

  it('runs no runbook cell, and nothing reaches the host', async () => {
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.joinPath(folder, 'restart.runbook.md'));
    const editor = await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('notebook.selectKernel', { editor, id: 'sofa-ops-runbook-ssh', extension: 'sofa-ops.sofa-ops' });
    // VS Code itself asks for trust before any notebook runs in Restricted Mode (a modal nobody
    // answers here), so the command does not return; our controller refuses as well if it is reached.
    void vscode.commands.executeCommand('notebook.execute', notebook.uri);
    await new Promise((r) => setTimeout(r, 3000));
    const cell = notebook.getCells().find((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'shellscript')!;
    assert.notEqual(cell.executionSummary?.success, true, 'the cell did not run');
    const text = cell.outputs.flatMap((o) => o.items.map((i) => new TextDecoder().decode(i.data))).join('');
    assert.doesNotMatch(text, /restarting/);
    assert.equal(connections, 0);
  });

  it('opens no shell, log or inspection, and connects nowhere', async () => {
    await vscode.commands.executeCommand('sofaOps.openShell', 'registry-meta-1');
    await waitFor('the shell terminal', () => vscode.window.terminals.find((t) => /registry-meta-1/.test(t.name)), 10_000);
    await vscode.commands.executeCommand('sofaOps.openLog', 'registry-meta-1', '/home/admin/logs/registry/common-error.log');
    const inspection = await vscode.commands.executeCommand('sofaOps.runInspection');
    assert.equal(inspection, undefined, 'no inspection ran');
    // Give anything that would connect in the background time to reach the listener.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(connections, 0);
  });
});
