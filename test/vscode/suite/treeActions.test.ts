/**
 * The products tree's context menus on checks, ports and alerts, and the Runbook Runs view, in the
 * real editor: Copy Command puts what a user would paste on the clipboard; Run This Check on a Host
 * runs that one check over SSH against a real sshd; a runbook run shows up in Runbook Runs with its
 * outcome, and Open Report opens its report.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RunRecord } from '../../../src/core/audit/runHistory';
import type { CatalogNode } from '../../../src/core/catalog/catalogTree';
import { api, runAllCells, waitFor } from './harness';
import { type SshSite, startSshSite } from './sshSite';

type Node = CatalogNode;

const RUNBOOK = `---
title: Tiny history run
product: registry
---
# Say hello

\`\`\`sh {name=hello target=registry-meta expect="hello"}
echo hello
\`\`\`
`;

function walk(nodes: Node[], found: (n: Node) => boolean): Node | undefined {
  for (const n of nodes) {
    if (found(n)) return n;
    const below = walk(n.children, found);
    if (below) return below;
  }
  return undefined;
}

describe('tree actions and run history', function () {
  this.timeout(90_000);
  let site: SshSite;
  let saved: string;
  let meta: Node;

  before(async () => {
    saved = await vscode.env.clipboard.readText();
    site = await startSshSite({ 'registry-meta': ['127.0.7.1'] });
    const { productsTree } = await api();
    meta = await waitFor('registry-meta with its host', async () => {
      const registry = (await productsTree.getChildren()).find((p) => p.id === 'product:registry');
      const component = registry?.children.find((c) => c.label === 'registry-meta');
      return component && walk(component.children, (n) => n.kind === 'host') ? component : undefined;
    });
  });

  after(async () => {
    await vscode.env.clipboard.writeText(saved);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await site?.stop();
  });

  it('Copy Command on a check copies the catalog command as inspection runs it', async () => {
    const { productsTree, catalog } = await api();
    const checks = catalog()!.catalog.products.flatMap((p) => p.checks);
    const node = walk(await productsTree.getChildren(), (n) => n.kind === 'check' && checks.some((c) => c.id === n.scope.entry && c.kind === 'command' && !!c.command))!;
    assert.ok(node, 'the tree shows a command check');
    const check = checks.find((c) => c.id === node.scope.entry)!;
    await vscode.commands.executeCommand('sofaOps.copyCheckCommand', node);
    const copied = await vscode.env.clipboard.readText();
    assert.match(copied, /^timeout 10 bash -c /);
    assert.ok(copied.includes(check.command!.split("'")[0]), copied);
  });

  it('Copy Command on a port and Copy Pattern on an alert copy what a shell and a search take', async () => {
    const port = walk(meta.children, (n) => n.kind === 'port')!;
    await vscode.commands.executeCommand('sofaOps.copyPortCommand', port);
    assert.equal(await vscode.env.clipboard.readText(), `ss -ltn 'sport = :${port.label}'`);
    const { productsTree } = await api();
    const pattern = walk(await productsTree.getChildren(), (n) => n.kind === 'pattern')!;
    await vscode.commands.executeCommand('sofaOps.copyPattern', pattern);
    assert.equal(await vscode.env.clipboard.readText(), pattern.label);
    await vscode.commands.executeCommand('sofaOps.copyPatternCommand', pattern);
    assert.match(await vscode.env.clipboard.readText(), /^grep -r?n -[FEP] -- /);
  });

  it('Run This Check on a Host runs only that check there and shows its result', async () => {
    const node = walk(meta.children, (n) => n.kind === 'check' && n.scope.entry === 'registry-basic-port-meta-9610')!;
    assert.ok(node, 'the 9610 port check of registry-meta');
    await vscode.commands.executeCommand('sofaOps.runCheckOnHost', node, 'registry-meta-1');
    const { inspections } = await api();
    const latest = inspections.latest!;
    assert.equal(latest.scope.check, 'registry-basic-port-meta-9610');
    // A plain sshd is no registry node: nothing listens on 9610 there.
    const result = latest.results.find((r) => r.checkId === 'registry-basic-port-meta-9610' && r.host === 'registry-meta-1');
    assert.equal(result?.status, 'fail', JSON.stringify(result));
  });

  it('a runbook run is listed in Runbook Runs with its outcome, and Open Report opens its report', async () => {
    await runAllCells(vscode.Uri.joinPath(site.folder, 'tiny-history.runbook.md'), RUNBOOK);
    const { runHistory } = await api();
    // The view reloads when the trail changes on disk: wait for the file watcher, as a user would.
    const run = await waitFor('the run in Runbook Runs', async () => {
      const items = await runHistory.getChildren();
      return items.find((r): r is RunRecord => 'runbook' in r && r.runbook === 'tiny-history.runbook.md' && r.outcome !== 'incomplete');
    }, 30_000);
    assert.equal(run.outcome, 'passed');
    assert.deepEqual(run.hosts, ['registry-meta-1']);
    const item = await runHistory.getTreeItem(run);
    assert.equal(item.label, 'tiny-history');
    assert.match(String(item.description), /^passed · /);
    assert.equal(item.command?.command, 'sofaOps.openRunReport');
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    const report = await waitFor('the report open in an editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'sofa-ops-run'));
    assert.equal(report.document.languageId, 'markdown');
    const text = report.document.getText();
    assert.match(text, /^# tiny-history\.runbook\.md\n/);
    assert.match(text, /Result: \*\*passed\*\*/);
    assert.match(text, /\| 1 \| hello \| ✅ ok \| registry-meta-1 \|/);
  });
});
