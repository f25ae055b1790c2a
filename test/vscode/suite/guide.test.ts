/** "Open guide section" shows the section beside what the user is editing. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, waitFor } from './harness';

const SECTION = '7.4.1';

function allTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs);
}

/** Tab objects are replaced when their state changes, so compare what they show and where. */
function tabKey(tab: vscode.Tab): string {
  const input = tab.input as { uri?: vscode.Uri; viewType?: string } | undefined;
  return `${tab.group.viewColumn}|${tab.label}|${input?.uri?.toString() ?? input?.viewType ?? ''}`;
}

describe('guide section', () => {
  afterEach(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it(`sofaOps.openGuideSection "${SECTION}" opens the section beside the active editor`, async () => {
    const { guidePanel } = await api();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test VS Code has no workspace folder open');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'README.md'));
    const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    const before = new Set(allTabs().map(tabKey));

    await vscode.commands.executeCommand('sofaOps.openGuideSection', SECTION);

    const tab = await waitFor(`a new editor tab for guide section ${SECTION}`, () => allTabs().find((t) => !before.has(tabKey(t))));
    assert.ok(tab.label.includes(SECTION), `new tab is titled "${tab.label}", without ${SECTION}`);
    assert.ok(
      tab.input instanceof vscode.TabInputWebview || tab.input instanceof vscode.TabInputText || tab.input instanceof vscode.TabInputCustom,
      'the new tab is neither a webview nor a document',
    );
    assert.notEqual(tab.group.viewColumn, editor.viewColumn, 'the guide opened over the editor instead of beside it');
    // The text the user was editing is still there, in its own group.
    assert.ok(
      vscode.window.visibleTextEditors.some((e) => e.document.uri.toString() === doc.uri.toString()),
      'the document being edited is no longer visible',
    );
    if (guidePanel && 'shownSection' in guidePanel) assert.equal(guidePanel.shownSection, SECTION);
  });
});
