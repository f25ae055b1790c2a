/**
 * The cross-host log commands inside the real editor, over a real sshd: Search Logs Across Hosts
 * finds a line on the hosts of a component and opens the remote log at grep -n's line (the
 * number drawn before it is that line), and Incident Timeline puts a window's known problems in
 * a Markdown document.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, waitFor } from './harness';
import { type SshSite, startSshSite } from './sshSite';

const ERROR_MESSAGE = 'get server list error, url: http://sofa-registry:9603/api/servers/query';
const logback = (level: string, message: string) => `2024-05-06 10:11:12,345 ${level.padEnd(5)} DefaultServerManager#103 ${'main'.padEnd(32)} - ${message}`;
/** File lines (1-based, as grep -n counts) of the known error. */
const ERROR_LINES = [120, 250];

describe('cross-host log commands', function () {
  this.timeout(90_000);
  let site: SshSite;
  let root: string;
  let file: string;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-cross-'));
    fs.chmodSync(root, 0o755);
    const dir = path.join(root, 'registry', 'session');
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.chmodSync(path.join(root, 'registry'), 0o755);
    file = path.join(dir, 'registry-session.log');
    const lines = Array.from({ length: 300 }, (_, i) => (ERROR_LINES.includes(i + 1) ? logback('ERROR', ERROR_MESSAGE) : logback('INFO', `register publisher success, n ${i + 1}`)));
    fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o644 });
    // Two session servers (both on this machine's sshd, so the same file under the same log root).
    site = await startSshSite({ 'registry-session': ['127.0.4.31', '127.0.4.32'] }, { logRoot: root });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await site?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('Search Logs Across Hosts opens the chosen hit in the remote log at grep -n\'s line', async () => {
    let finished = false;
    const search = vscode.commands.executeCommand('sofaOps.searchLogsAcrossHosts', { kind: 'log', scope: { log: 'sessionserver-registry-session' } }, 'get server list error');
    void Promise.resolve(search).finally(() => (finished = true));
    // The results come as a quick pick grouped by host; its first hit is registry-session-1's first line.
    await waitFor('the search to finish with a hit chosen', async () => {
      if (finished) return true;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return undefined;
    }, 60_000);
    const editor = await waitFor('the remote log editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'sofa-log'));
    assert.equal(editor.document.uri.authority, 'registry-session-1');
    assert.equal(editor.document.uri.path, file);
    assert.equal(editor.selection.active.line, ERROR_LINES[0] - 1, 'the whole file fits the window: editor line = file line');
    assert.match(editor.document.lineAt(editor.selection.active.line).text, /get server list error/);
    const { logs } = await api();
    await waitFor('the file line number drawn before the hit', () => logs.lineNumbersFor(editor).find((l) => l.line === ERROR_LINES[0] - 1)?.text.trim() === String(ERROR_LINES[0]) || undefined);
  });

  it('Incident Timeline lists the window\'s known problems of a host in a Markdown document', async () => {
    await vscode.commands.executeCommand('sofaOps.incidentTimeline', { kind: 'host', scope: { host: 'registry-session-1' } }, '2024-05-06 10:00', '2024-05-06 11:00');
    const editor = await waitFor('the timeline document', () => (vscode.window.activeTextEditor?.document.languageId === 'markdown' ? vscode.window.activeTextEditor : undefined), 60_000);
    const text = editor.document.getText();
    assert.match(text, /^# (Incident timeline|事件时间线) 2024-05-06 10:00/);
    assert.match(text, /registry-session-1/);
    assert.ok(!/registry-session-2/.test(text), 'only the host asked for');
    assert.ok(text.includes(`${file}:${ERROR_LINES[0]}`), `the first error at its file line\n${text}`);
    // An untitled document: close it unsaved, or closing all editors would ask to save it.
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});
