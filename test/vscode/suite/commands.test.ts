/** Every command the manifest promises (palette, menus) is really registered once the extension is active. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import manifest from '../../../package.json';
import { api } from './harness';

describe('commands', () => {
  it('registers sofaOps.refreshCatalog and sofaOps.openGuideSection', async () => {
    await api();
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of ['sofaOps.refreshCatalog', 'sofaOps.openGuideSection']) {
      assert.ok(registered.has(id), `command ${id} is not registered`);
    }
  });

  it('registers every command package.json contributes', async () => {
    await api();
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed in package.json but not registered by the code: ${missing.join(', ')}`);
  });
});
