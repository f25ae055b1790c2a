/**
 * Inspection in the editor: Run Inspection on a product runs its checks over SSH against a real
 * sshd, and the products tree turns the product, its component and its hosts red with counts; the
 * results view lists each FAIL with a link to its guide section. A component the guide lists in two
 * chapters runs and shows the checks of both.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ResultNode } from '../../../src/checks/inspectionResultsProvider';
import type { CatalogNode } from '../../../src/core/catalog/catalogTree';
import { api, waitFor } from './harness';
import { type SshSite, startSshSite } from './sshSite';

/** Narrows a results-view node to `kind`, failing the test with what it was instead. */
function ofKind<K extends ResultNode['kind']>(node: ResultNode | undefined, kind: K): Extract<ResultNode, { kind: K }> {
  assert.equal(node?.kind, kind);
  return node as Extract<ResultNode, { kind: K }>;
}

describe('inspection in the editor', function () {
  this.timeout(90_000);
  let site: SshSite;

  before(async () => {
    // A plain sshd is no registry node: its ports are closed, its health URL is not there.
    site = await startSshSite({ 'registry-meta': ['127.0.4.3'] });
  });

  after(async () => {
    await site?.stop();
  });

  it('colours the product, component and host red with roll-up counts after Run Inspection', async () => {
    const { productsTree } = await api();
    const products = await waitFor('the registry product with its host', async () => {
      const roots = await productsTree.getChildren();
      const registry = roots.find((p) => p.id === 'product:registry');
      const meta = registry?.children.find((c) => c.label === 'registry-meta');
      return meta?.children.some((g) => g.children.some((h) => h.kind === 'host')) ? { registry: registry!, meta: meta! } : undefined;
    });
    const before = await productsTree.getTreeItem(products.registry);
    assert.equal((before.iconPath as vscode.ThemeIcon).id, 'package', 'no status before any inspection');

    await vscode.commands.executeCommand('sofaOps.runInspection', { product: 'registry' });
    const { inspections } = await api();
    const results = inspections.latest!.results;
    assert.ok(results.length > 5, 'registry checks ran');
    assert.ok(results.some((r) => r.checkId === 'registry-basic-port-meta-9610' && r.status === 'fail' && r.host === 'registry-meta-1'));
    assert.ok(results.some((r) => r.checkId === 'registry-basic-memory' && (r.status === 'pass' || r.status === 'warn' || r.status === 'fail')), 'resources were read over SSH');

    const product = await productsTree.getTreeItem(products.registry);
    assert.equal((product.iconPath as vscode.ThemeIcon).id, 'error');
    assert.equal(((product.iconPath as vscode.ThemeIcon).color as vscode.ThemeColor).id, 'testing.iconFailed');
    assert.match(String(product.description), /✗\d+/);
    const component = await productsTree.getTreeItem(products.meta);
    assert.equal((component.iconPath as vscode.ThemeIcon).id, 'error');
    const hostNode = products.meta.children.flatMap((g) => g.children).find((h) => h.kind === 'host')!;
    const host = await productsTree.getTreeItem(hostNode);
    assert.equal((host.iconPath as vscode.ThemeIcon).id, 'error');
    assert.match(String(host.description), /✗\d+ .*✓\d+/);
    // A product not inspected keeps its plain icon.
    const mq = (await productsTree.getChildren()).find((p) => p.id === 'product:mq')!;
    assert.equal(((await productsTree.getTreeItem(mq)).iconPath as vscode.ThemeIcon).id, 'package');
  });

  it('lists the FAIL in the results view with its guide section link', async () => {
    await vscode.commands.executeCommand('sofaOps.inspection.focus');
    const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'sofa-ops')!;
    assert.ok(ext.packageJSON.contributes.views.sofaOps.some((v: { id: string }) => v.id === 'sofaOps.inspection'));
    const { inspectionResults } = await api();
    const roots = await inspectionResults.getChildren();
    const registry = roots.find((r) => r.kind === 'product' && r.product === 'registry')!;
    const first = ofKind((await inspectionResults.getChildren(registry))[0], 'result');
    assert.equal(first.result.status, 'fail', 'failures first');
    const links = (await inspectionResults.getChildren(first)).map((l) => ofKind(l, 'link'));
    assert.equal(links[0].command.command, 'sofaOps.openGuideSection');
    assert.deepEqual(links[0].command.arguments, [first.result.section]);
    // Its runbooks open for the failing host (parameters and targets pre-filled), issue 14.
    const runbook = links.find((l) => l.command.command === 'sofaOps.openRunbookForHost');
    assert.ok(runbook, `no runbook link for the failing host: ${links.map((l) => l.label).join(' | ')}`);
    assert.equal(runbook.command.arguments?.[1], first.result.host);
    assert.ok(runbook.label.includes(first.result.host!), runbook.label);
  });

  it('runs and colours a component the guide lists in two chapters with the checks of both', async () => {
    const { productsTree } = await api();
    const microservice = (await productsTree.getChildren()).find((p) => p.id === 'product:microservice')!;
    // §2's metaserver is §7's registry-meta: it lists §7's checks and the same host.
    const metaserver = microservice.children.find((c) => c.label === 'metaserver')!;
    const { inspections } = await api();
    const before = inspections.latest!.startedAt;
    await vscode.commands.executeCommand('sofaOps.runInspection', metaserver);
    const latest = inspections.latest!;
    assert.notEqual(latest.startedAt, before, 'a new run');
    assert.deepEqual(latest.scope, { component: 'metaserver' });
    assert.ok(latest.results.some((r) => r.checkId === 'registry-basic-port-meta-9610' && r.status === 'fail' && r.host === 'registry-meta-1'), 'the §7 port check ran on its host');
    const icon = async (n: CatalogNode) => ((await productsTree.getTreeItem(n)).iconPath as vscode.ThemeIcon).id;
    assert.equal(await icon(metaserver), 'error');
    assert.equal(await icon(metaserver.children.flatMap((g) => g.children).find((h) => h.kind === 'host')!), 'error');
    assert.equal(await icon(microservice), 'error', 'its product is as red as it is');
  });
});
