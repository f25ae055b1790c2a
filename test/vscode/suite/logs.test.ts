/**
 * The log viewer inside the real editor: a remote log opened over a real sshd through the command,
 * its known lines decorated and explained on hover, earlier pages, follow, the whole-file scan into
 * the Problems panel, and a local .log file decorated the same way.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, waitFor } from './harness';
import { type SshSite, startSshSite } from './sshSite';

const HOST = 'registry-session-1';
const ERROR_MESSAGE = 'get server list error, url: http://sofa-registry:9603/api/servers/query';
/** The CodeLens's size text (logViewer's formatBytes), for a file of `n` bytes above 1 MiB. */
const megabytes = (n: number) => `${(n / (1 << 20)).toFixed(1)} MB`;
const logback = (level: string, message: string) => `2024-05-06 10:11:12,345 ${level.padEnd(5)} DefaultServerManager#103 ${'main'.padEnd(32)} - ${message}`;

describe('log viewer', function () {
  this.timeout(60_000);
  let site: SshSite;
  let file: string;
  let uri: vscode.Uri;

  before(async () => {
    site = await startSshSite({ 'registry-session': ['127.0.4.21'] });
    // 12,000 lines: more than the first window (5,000), so "load earlier" has something to load.
    const lines: string[] = [];
    for (let i = 1; i <= 12_000; i++) lines.push(i === 100 || i === 11_990 ? logback('ERROR', ERROR_MESSAGE) : logback('INFO', `register publisher success, n ${i}`));
    const dir = path.join(site.folder.fsPath, 'remote-logs');
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    file = path.join(dir, 'common-error.log');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    uri = vscode.Uri.from({ scheme: 'sofa-log', authority: HOST, path: file });
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await site?.stop();
  });

  const logsApi = async () => (await api()).logs;

  it('opens the tail of a remote log through sofaOps.openLog, decorates the known line and explains it on hover', async () => {
    await vscode.commands.executeCommand('sofaOps.openLog', HOST, file);
    const editor = await waitFor('the remote log editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()));
    const doc = editor.document;
    assert.equal(doc.languageId, 'sofa-log');
    assert.equal(doc.lineCount, 5001, 'the last 5000 lines (and the empty line after the last break)');
    assert.match(doc.lineAt(4999).text, /n 12000$/);
    const logs = await logsApi();
    // Line 11,990 of the file is line 4,990 of the window (0-based 4989).
    const errorLine = 11_990 - 7_000 - 1;
    const marks = await waitFor('decorations of the error line', () => {
      const found = logs.decorationsFor(uri).filter((d) => d.line === errorLine);
      return found.length ? found : undefined;
    });
    assert.ok(marks.some((d) => d.wholeLine && d.severity === 'error'));
    const match = marks.find((d) => !d.wholeLine)!;
    assert.equal(doc.lineAt(errorLine).text.slice(match.start, match.end), 'get server list error');
    assert.ok(!logs.decorationsFor(uri).some((d) => d.line === errorLine - 1), 'ordinary INFO lines are not marked');

    // The numbers shown are the file's (grep -n's), not the editor's: its own are off for logs.
    assert.equal(editor.options.lineNumbers, vscode.TextEditorLineNumbersStyle.Off);
    await waitFor('file line 11990 drawn before the error line', () => logs.lineNumbersFor(editor).find((l) => l.line === errorLine)?.text.trim() === '11990' || undefined);
    assert.ok(logs.lineNumbersFor(editor).every((l) => Number(l.text.trim()) === 7_000 + l.line + 1));
    // The tab names the host.
    const tab = await waitFor('the log tab', () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => (t.input as { uri?: vscode.Uri }).uri?.toString() === uri.toString()));
    assert.equal(tab.label, `common-error.log — ${HOST}`);

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(errorLine, 40));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /ERROR/);
    assert.match(text, /command:sofaOps\.openGuideSection\?/, 'a link that opens the guide section');
    assert.match(text, /[\u4e00-\u9fff]/, 'the Chinese text is there too');
    assert.match(text, /[A-Za-z]{4,} [A-Za-z]{4,}/, 'and the English');

    // In file lines once the lines before the window are counted.
    const diagnostics = await waitFor('the per-file summary in the Problems panel', () => {
      const list = vscode.languages.getDiagnostics(uri);
      return list.some((d) => /line 11990/.test(d.message)) ? list : undefined;
    });
    assert.equal(diagnostics[0].code, 'microservice-client-get-server-list-error');
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(diagnostics[0].source ?? '', new RegExp(HOST), 'the Problems entry names the host');
    assert.ok(!/microservice-/.test(text), 'no internal ids in the hover');
  });

  it('loads the earlier page from the CodeLens and moves the marks with the text', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const earlier = lenses.find((l) => l.command?.command === 'sofaOps.loadEarlierLog');
    assert.ok(earlier, `a Load earlier lens (got ${lenses.map((l) => l.command?.title).join(' | ')})`);
    await vscode.commands.executeCommand(earlier.command!.command, ...(earlier.command!.arguments ?? []));
    const logs = await logsApi();
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())!;
    await waitFor('10,000 lines after loading the earlier page', () => doc.lineCount === 10_001 || undefined);
    assert.match(doc.lineAt(0).text, /n 2001$/);
    await waitFor('the error line marked at its new place', () => logs.decorationsFor(uri).some((d) => d.line === 11_990 - 2_000 - 1) || undefined);
    // The same text keeps its file line number: 2,000 lines are before the window now.
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === doc)!;
    await waitFor('the file line numbers of the grown window', () => {
      const labels = logs.lineNumbersFor(editor);
      return (labels.length > 0 && labels.every((l) => Number(l.text.trim()) === 2_000 + l.line + 1)) || undefined;
    });

    // Go to File Line (Ctrl+G in a remote log) takes grep -n's numbers, loading earlier lines if needed.
    await vscode.commands.executeCommand('sofaOps.goToLogFileLine', 11_990);
    assert.equal(editor.selection.active.line, 11_990 - 2_000 - 1);
    assert.match(doc.lineAt(editor.selection.active.line).text, /get server list error/);
    await vscode.commands.executeCommand('sofaOps.goToLogFileLine', 1_500);
    await waitFor('the first lines of the file loaded', () => doc.lineCount === 12_001 || undefined);
    // The editor reports the cursor the text change moved before the one the command set.
    await waitFor(`the cursor on file line 1500 (at ${editor.selection.active.line})`, () => editor.selection.active.line === 1_499 || undefined);
    assert.match(doc.lineAt(1_499).text, /n 1500$/);
  });

  it('follows the log: an appended error line appears and is decorated; stop ends the remote tail', async () => {
    const logs = await logsApi();
    await vscode.commands.executeCommand('sofaOps.followLog', uri);
    await waitFor('the follow to start', () => logs.document(uri)?.followState === 'following' || undefined);
    fs.appendFileSync(file, `${logback('INFO', 'appended ordinary line')}\n${logback('ERROR', ERROR_MESSAGE)}\n`);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())!;
    await waitFor('the appended lines in the document', () => doc.getText().includes('appended ordinary line') || undefined);
    const last = doc.lineCount - 2;
    assert.match(doc.lineAt(last).text, /get server list error/);
    await waitFor('the appended error line decorated', () => logs.decorationsFor(uri).some((d) => d.line === last && d.severity === 'error') || undefined);
    // The CodeLens's size follows the file while it grows.
    const sizeLens = async () => (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)).map((l) => l.command?.title ?? '').find((t) => t.includes(`${HOST}:`)) ?? '';
    const before = await sizeLens();
    fs.appendFileSync(file, Array.from({ length: 4_000 }, (_, i) => `${logback('INFO', `register publisher success, grown ${i}`)}\n`).join(''));
    const grown = megabytes(fs.statSync(file).size);
    assert.ok(!before.includes(grown), `${before} should not show ${grown} yet`);
    await waitFor(`the CodeLens showing ${grown}`, async () => (await sizeLens()).includes(grown) || undefined, 20_000);
    await vscode.commands.executeCommand('sofaOps.stopFollowingLog', uri);
    assert.equal(logs.document(uri)?.following, false);
  });

  it('scans the whole remote file on the host into the Problems panel', async () => {
    const logs = await logsApi();
    const result = await logs.scanWholeFile(uri);
    assert.equal(result.mode, 'grep');
    assert.equal(result.totals.findings, 3);
    const scan = vscode.languages.getDiagnostics(uri).find((d) => /12002/.test(d.message));
    assert.ok(scan, `a whole-file summary naming the last line (got ${vscode.languages.getDiagnostics(uri).map((d) => d.message).join(' | ')})`);
  });

  it('reopened after its tab was closed, shows the file as it is now: new lines, size and line numbers', async () => {
    const logs = await logsApi();
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())!;
    await vscode.window.showTextDocument(open);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitFor('the tab closed', () => !vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => (t.input as { uri?: vscode.Uri }).uri?.toString() === uri.toString())) || undefined);
    fs.appendFileSync(file, `${logback('INFO', 'written while the tab was closed')}\n`);
    await vscode.commands.executeCommand('sofaOps.openLog', HOST, file);
    const editor = await waitFor('the reopened log', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()));
    await waitFor(`the line written while the tab was closed (last: ${editor.document.lineAt(editor.document.lineCount - 2).text})`, () => /written while the tab was closed$/.test(editor.document.lineAt(editor.document.lineCount - 2).text) || undefined);
    const lines = fs.readFileSync(file, 'utf8').split('\n').length - 1;
    await waitFor(`file line ${lines} drawn before the last line`, () => logs.lineNumbersFor(editor).find((l) => l.line === editor.document.lineCount - 2)?.text.trim() === String(lines) || undefined);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.ok(lenses.some((l) => l.command?.title.includes(megabytes(fs.statSync(file).size))), lenses.map((l) => l.command?.title).join(' | '));
  });

  it('decorates a local .log file too, and Next Problem moves to its known line', async () => {
    const local = vscode.Uri.joinPath(site.folder, 'local-common-error.log');
    await vscode.workspace.fs.writeFile(local, new TextEncoder().encode([logback('INFO', 'fine'), logback('INFO', 'fine'), logback('ERROR', ERROR_MESSAGE), ''].join('\n')));
    const editor = await vscode.window.showTextDocument(local);
    const logs = await logsApi();
    await waitFor('the local error line decorated', () => logs.decorationsFor(local).some((d) => d.line === 2 && d.severity === 'error') || undefined);
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await vscode.commands.executeCommand('sofaOps.nextLogProblem');
    assert.equal(editor.selection.active.line, 2);
  });
});
