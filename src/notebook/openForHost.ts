/**
 * "Run runbook on HOST": opens a runbook notebook with the host pre-filled — the parameters that
 * name a host or its group offer the host, cells that select it run on it alone (core hostPrefill).
 * Used by the triage panel and by the Inspection view's FAIL links.
 */
import * as vscode from 'vscode';
import { hostPrefill, type HostPrefill } from '../core/runbook/hostPrefill';
import { runbookParameters } from '../core/runbook/runbookFormat';
import { parseRunbook } from '../core/runbook/runbookParser';
import type { SshService } from '../ssh/sshService';
import type { RunbookController } from './runbookController';

export interface OpenedForHost {
  notebook: vscode.NotebookDocument;
  prefill?: HostPrefill;
}

export async function openRunbookForHost(controller: RunbookController, ssh: SshService, file: string | vscode.Uri, hostName?: string): Promise<OpenedForHost> {
  const uri = typeof file === 'string' ? vscode.Uri.file(file) : file;
  const notebook = await vscode.workspace.openNotebookDocument(uri);
  if (!hostName) {
    controller.setPrefill(notebook.uri, undefined);
    await vscode.window.showNotebookDocument(notebook);
    return { notebook };
  }
  const host = (await ssh.inventory())?.hosts.find((h) => h.name === hostName);
  if (!host) throw new Error(vscode.l10n.t('No host "{0}" in the inventory', hostName));
  const { runbook } = parseRunbook(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), uri.fsPath);
  const prefill = hostPrefill(runbookParameters(runbook), host);
  controller.setPrefill(notebook.uri, prefill);
  await vscode.window.showNotebookDocument(notebook);
  const params = Object.entries(prefill.params).map(([k, v]) => `${k}=${v}`).join(', ');
  const allTargets = vscode.l10n.t('Run on All Targets');
  void vscode.window
    .showInformationMessage(
      params
        ? vscode.l10n.t('Runbook opened for {0}: {1}; cells that target its group run on {0} only.', host.name, params)
        : vscode.l10n.t('Runbook opened for {0}: cells that target its group run on {0} only.', host.name),
      allTargets,
    )
    .then((choice) => choice === allTargets && controller.setPrefill(notebook.uri, undefined));
  return { notebook, prefill };
}
