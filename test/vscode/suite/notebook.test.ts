/** Runbook notebooks in the real editor: lossless open/save, and cells running over SSH with per-host output. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { runAllCells, waitFor } from './harness';
import { type SshSite, startSshSite } from './sshSite';

const RUNBOOK = `---
title: Check registry meta
product: registry
---
# Check the meta nodes

Both nodes answer; the last step always runs.

\`\`\`sh {name=hello target=registry-meta expect="meta"}
echo "meta $(hostname)"
\`\`\`

\`\`\`sh {name=fails target=registry-meta[0]}
echo about to fail; exit 3
\`\`\`

\`\`\`sh {name=skipped target=registry-meta[0]}
echo never
\`\`\`

\`\`\`sh {name=cleanup target=registry-meta[1] finally}
echo cleaned
\`\`\`
`;

function outputText(cell: vscode.NotebookCell): string {
  return cell.outputs.flatMap((o) => o.items.map((i) => (i.mime === 'application/vnd.code.notebook.error' ? JSON.parse(new TextDecoder().decode(i.data)).message : new TextDecoder().decode(i.data)))).join('');
}

describe('runbook notebooks', function () {
  this.timeout(60_000);
  let site: SshSite;
  let uri: vscode.Uri;

  before(async () => {
    site = await startSshSite({ 'registry-meta': ['127.0.6.1', '127.0.6.2'] });
    uri = vscode.Uri.joinPath(site.folder, 'check.runbook.md');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(RUNBOOK));
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await site?.stop();
  });

  it('opens a *.runbook.md as a notebook and saves an edit touching only that cell', async () => {
    const notebook = await vscode.workspace.openNotebookDocument(uri);
    assert.equal(notebook.notebookType, 'sofa-ops-runbook');
    assert.deepEqual(notebook.getCells().map((c) => c.document.languageId), ['yaml', 'markdown', 'shellscript', 'shellscript', 'shellscript', 'shellscript']);
    const edit = new vscode.WorkspaceEdit();
    edit.set(uri, [vscode.NotebookEdit.replaceCells(new vscode.NotebookRange(4, 5), [new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'echo never ever', 'shellscript')])]);
    // Keep the cell's parsed original so its fence and options survive, as an in-place edit does.
    const original = notebook.cellAt(4).metadata;
    await vscode.workspace.applyEdit(edit);
    const meta = new vscode.WorkspaceEdit();
    meta.set(uri, [vscode.NotebookEdit.updateCellMetadata(4, original)]);
    await vscode.workspace.applyEdit(meta);
    await notebook.save();
    const saved = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    assert.equal(saved, RUNBOOK.replace('echo never\n', 'echo never ever\n'));
  });

  it('Run All runs each cell on its targets, stops at the failure and still runs the finally cell', async () => {
    // A file of its own: the previous test's file is still open, and rewriting it would have the editor
    // reload it from disk while this run is under way.
    const notebook = await runAllCells(vscode.Uri.joinPath(site.folder, 'run-all.runbook.md'), RUNBOOK);
    const [hello, fails, skipped, cleanup] = [2, 3, 4, 5].map((i) => notebook.cellAt(i));
    // Each cell's result reaches this extension host as its own update from the editor, so wait until
    // every cell that ran shows its outcome, as the user sees it when the run is over.
    await waitFor('every cell that ran to show its outcome', () => [hello, fails, cleanup].every((c) => c.executionSummary?.success !== undefined) || undefined, 30_000);
    assert.equal(hello.executionSummary?.success, true);
    assert.match(outputText(hello), /▶ registry-meta-1\nmeta /);
    assert.match(outputText(hello), /▶ registry-meta-2\nmeta /);
    assert.equal(fails.executionSummary?.success, false);
    assert.match(outputText(fails), /about to fail[\s\S]*exit 3/);
    assert.notEqual(skipped.executionSummary?.success, true, 'a cell after the failure does not run');
    assert.doesNotMatch(outputText(skipped), /never/);
    assert.equal(cleanup.executionSummary?.success, true);
    assert.match(outputText(cleanup), /cleaned/);
    const audit = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(site.folder, '.sofa-ops', 'audit.jsonl')));
    // The first record is the run's preflight write (kind run-start), then one per cell that ran.
    const records = audit.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; cell?: string });
    assert.equal(records[0].kind, 'run-start');
    assert.deepEqual(records.filter((r) => r.kind === 'cell').map((r) => r.cell), ['hello', 'fails', 'skipped', 'cleanup'].filter((c) => c !== 'skipped'));
  });

  it('Preview Run shows each host\'s command and why a step cannot run, and runs nothing', async () => {
    const previewUri = vscode.Uri.joinPath(site.folder, 'preview.runbook.md');
    const text = `${RUNBOOK.replace('title: Check registry meta', 'title: Preview me')}\n\`\`\`sh {name=nowhere target=registry-meta[5]}\necho lost\n\`\`\`\n`;
    await vscode.workspace.fs.writeFile(previewUri, new TextEncoder().encode(text));
    const auditUri = vscode.Uri.joinPath(site.folder, '.sofa-ops', 'audit.jsonl');
    const auditBefore = new TextDecoder().decode(await vscode.workspace.fs.readFile(auditUri));
    const notebook = await vscode.workspace.openNotebookDocument(previewUri);
    await vscode.window.showNotebookDocument(notebook);
    await vscode.commands.executeCommand('sofaOps.previewRun');
    const plan = await waitFor('the run plan beside the notebook', () => vscode.window.visibleTextEditors.map((e) => e.document).find((d) => d.getText().startsWith('# Run plan: Preview me')));
    assert.equal(plan.languageId, 'markdown');
    assert.equal(plan.isDirty, false, 'closing the plan asks nothing');
    const shown = plan.getText();
    assert.match(shown, /## hello\n {2}registry-meta-1\$ echo "meta \$\(hostname\)"\n {2}registry-meta-2\$ echo "meta \$\(hostname\)"\n/);
    assert.match(shown, /## cleanup \[finally\]\n {2}registry-meta-2\$ echo cleaned\n/);
    assert.match(shown, /## nowhere\n {2}error: target "registry-meta\[5\]" is out of range/);
    const ran = notebook.getCells().filter((c) => c.executionSummary?.executionOrder !== undefined || c.executionSummary?.success !== undefined || c.outputs.length);
    assert.deepEqual(ran.map((c) => ({ cell: c.index, summary: c.executionSummary, outputs: c.outputs.length })), [], 'no cell ran');
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(auditUri)), auditBefore, 'nothing was added to the audit trail');
  });
});
