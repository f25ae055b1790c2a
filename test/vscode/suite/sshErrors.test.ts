/**
 * SSH failures as the user meets them in the editor: one notification that says why (no doubled
 * "failed"), with the button that fits, against a real sshd: a refused host key opens known_hosts
 * at the line that refused it; a host the inventory does not have opens the inventory.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ErrorNotice } from '../../../src/vscode/errors';
import { api, waitFor } from './harness';
import { type SshSite, startSshSite } from './sshSite';

describe('SSH errors in the editor', function () {
  this.timeout(60_000);
  let site: SshSite;
  const notices: ErrorNotice[] = [];
  let listening: vscode.Disposable | undefined;

  before(async () => {
    // 127.0.6.2 is pinned with an RSA key while the sshd offers ed25519 only: a refused (changed) host key.
    site = await startSshSite({ 'registry-meta': ['127.0.6.1', '127.0.6.2'] }, { downgraded: ['127.0.6.2'] });
    listening = (await api()).onDidShowError((n) => notices.push(n));
  });

  after(async () => {
    listening?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await site?.stop();
  });

  /** Runs a command the way a click does and returns the notification it showed. */
  async function noticeOf(command: string, ...args: unknown[]): Promise<ErrorNotice> {
    const before = notices.length;
    await vscode.commands.executeCommand(command, ...args);
    return waitFor(`an error notification from ${command}`, () => notices[before]);
  }

  it('a refused host key: says why, and Open known_hosts shows the line that refused it', async () => {
    const knownHosts = vscode.Uri.joinPath(site.folder, 'known_hosts');
    const lines = new TextDecoder().decode(await vscode.workspace.fs.readFile(knownHosts)).split('\n');
    const refusing = lines.findIndex((l) => l.startsWith('[127.0.6.2]:'));
    assert.ok(refusing > 0, 'the fixture pins the other host first');

    const notice = await noticeOf('sofaOps.openLog', 'registry-meta-2', '/var/log/messages');
    assert.match(notice.text, /^SOFA Ops: Open log: Host \[127\.0\.6\.2\]:\d+ offers a ssh-ed25519 key \(SHA256:\S+\), but known_hosts only has other key types for it/);
    assert.ok(notice.text.includes(`${knownHosts.fsPath}:${refusing + 1}`), `names the line: ${notice.text}`);
    assert.doesNotMatch(notice.text, /failed: /, 'no "failed:" prefix on a message that says what happened');
    assert.deepEqual(notice.actions, ['Open known_hosts', 'Show Log']);

    await notice.choose('Open known_hosts');
    const editor = await waitFor('known_hosts in an editor', () => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.fsPath === knownHosts.fsPath ? active : undefined;
    });
    assert.equal(editor.selection.active.line, refusing, 'the cursor is on the refusing line');
    assert.match(editor.document.lineAt(editor.selection.active.line).text, /^\[127\.0\.6\.2\]:\d+ ssh-rsa /);
  });

  it('a host the inventory does not have: Open Inventory opens it', async () => {
    const notice = await noticeOf('sofaOps.openLog', 'registry-meta-9', '/var/log/messages');
    assert.equal(notice.text, 'SOFA Ops: Open log: Host "registry-meta-9" is not in the inventory.');
    assert.deepEqual(notice.actions, ['Open Inventory', 'Show Log']);
    await notice.choose('Open Inventory');
    await waitFor('the inventory in an editor', () => vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('sofa-ops.inventory.yaml') || undefined);
    // Show Log brings up the extension's own output channel; it must not throw.
    await notice.choose('Show Log');
  });
});
