/**
 * Inventory hosts in the tree, a command over SSH and an interactive shell, inside the real
 * editor against a real OpenSSH sshd (started here; the extension host runs as root in CI).
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CatalogNode } from '../../../src/core/catalog/catalogTree';
import { api, waitFor } from './harness';
import { type SshSite, startSshSite } from './sshSite';

describe('SSH in the editor', function () {
  this.timeout(60_000);
  let site: SshSite;

  before(async () => {
    site = await startSshSite({ 'registry-meta': ['127.0.4.1', '127.0.4.2', '127.0.4.3'] }, { downgraded: ['127.0.4.3'] });
  });

  after(async () => {
    for (const t of vscode.window.terminals) t.dispose();
    await site?.stop();
  });

  async function hostNodes(): Promise<CatalogNode[]> {
    const { productsTree } = await api();
    const products = await productsTree.getChildren();
    const registry = products.find((p) => p.kind === 'product' && /Registry/.test(p.label))!;
    const meta = registry.children.find((c) => c.label === 'registry-meta')!;
    return meta.children.find((g) => g.kind === 'group' && g.children.some((h) => h.kind === 'host'))?.children ?? [];
  }

  it('lists the inventory hosts under their component, and shows which are connected', async () => {
    const hosts = await waitFor('hosts under registry-meta', async () => {
      const found = await hostNodes();
      return found.length ? found : undefined;
    });
    assert.deepEqual(hosts.map((h) => h.label), ['registry-meta-1', 'registry-meta-2', 'registry-meta-3']);
    const { productsTree } = await api();
    const item = await productsTree.getTreeItem(hosts[0]);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'vm-outline', 'not connected yet');
    assert.match(String(item.contextValue), /\bhost\b/, 'the Open Shell menu needs the host context value');

    const { ssh } = await api();
    const r = await ssh.exec('registry-meta-1', 'echo over-ssh');
    assert.equal(r.stdout, 'over-ssh\n');
    const connected = await productsTree.getTreeItem((await hostNodes())[0]);
    assert.equal((connected.iconPath as vscode.ThemeIcon).id, 'vm-active', 'the tree shows the live connection');
  });

  it('Open Shell gives an interactive terminal over SSH that follows resizes', async () => {
    const { openShell } = await api();
    const { terminal, pty } = openShell('registry-meta-2');
    let output = '';
    pty.onDidWrite((data) => (output += data));
    assert.equal(terminal.name, 'SSH registry-meta-2');
    await waitFor('a shell prompt or banner', () => output.length > 'Connecting to registry-meta-2…'.length + 2 || undefined);
    terminal.sendText('echo $((6*7))');
    await waitFor('the shell to answer 42', () => /\b42\b/.test(output) || undefined);
    pty.setDimensions({ rows: 33, columns: 101 });
    terminal.sendText('stty size');
    await waitFor('the PTY to report the new size', () => /33 101/.test(output) || undefined);
    terminal.sendText('exit');
    await waitFor('the terminal to close when the shell exits', () => terminal.exitStatus !== undefined || undefined);
  });

  it('refuses a host whose pinned key type the server no longer offers (downgrade), without asking to trust it', async () => {
    const knownHosts = vscode.Uri.joinPath(site.folder, 'known_hosts');
    const before = new TextDecoder().decode(await vscode.workspace.fs.readFile(knownHosts));
    const { ssh } = await api();
    // A trust prompt would be a modal nobody answers here: the call would hang and time the test out.
    const r = await ssh.exec('registry-meta-3', 'echo should-not-run');
    assert.equal(r.outcome, 'host-key-refused', r.message);
    assert.equal(r.stdout, '');
    assert.match(String(r.message), /downgrade/);
    assert.equal((String(r.message).match(/SHA256:[A-Za-z0-9+/]{43}/g) ?? []).length >= 2, true, `both fingerprints: ${r.message}`);
    assert.match(String(r.message), /known_hosts:\d+/, 'names the line to fix');
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(knownHosts)), before, 'nothing recorded');
    assert.equal(ssh.isConnected('registry-meta-3'), false);
  });
});
