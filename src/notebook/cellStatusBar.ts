/** Under each shell cell: where it runs (target → hosts, connected or not) and its guards; click to edit options. */
import * as vscode from 'vscode';
import { selectTargets } from '../core/inventory/selectors';
import type { CodeCell } from '../core/runbook/runbookFormat';
import { Disposable } from '../core/dispose';
import type { SshService } from '../ssh/sshService';
import { CommandIds } from '../vscode/ids';

export class RunbookCellStatusBar extends Disposable implements vscode.NotebookCellStatusBarItemProvider {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChangeCellStatusBarItems = this.changed.event;

  constructor(private readonly ssh: SshService) {
    super();
    this.register(ssh.onDidChange(() => this.changed.fire()));
  }

  async provideCellStatusBarItems(cell: vscode.NotebookCell): Promise<vscode.NotebookCellStatusBarItem[]> {
    if (cell.kind !== vscode.NotebookCellKind.Code || cell.document.languageId !== 'shellscript') return [];
    const code = (cell.metadata?.sofa as { cell?: CodeCell } | undefined)?.cell;
    const options = code?.kind === 'code' ? code.options : {};
    const items: vscode.NotebookCellStatusBarItem[] = [];
    const edit = { command: CommandIds.editCellOptions, title: vscode.l10n.t('Edit Cell Options'), arguments: [cell] };
    if (options.manual) {
      items.push(item(`$(person) ${vscode.l10n.t('manual step')}`, edit));
    } else if (!options.target) {
      items.push(item(`$(warning) ${vscode.l10n.t('no target: click to set one')}`, edit));
    } else {
      let hosts: string[] = [];
      let problem: string | undefined;
      try {
        const inventory = await this.ssh.inventory();
        hosts = inventory && !options.target.includes('{{') ? selectTargets(inventory, options.target).map((h) => h.name) : [];
      } catch (err) {
        problem = (err as Error).message;
      }
      const connected = hosts.filter((h) => this.ssh.isConnected(h)).length;
      const text = problem
        ? `$(error) ${options.target}`
        : hosts.length
          ? `$(server-environment) ${options.target} → ${vscode.l10n.t('{0} host(s)', hosts.length)}${connected ? ` · $(vm-active) ${connected}` : ''}`
          : `$(server-environment) ${options.target}`;
      const status = item(text, edit);
      status.tooltip = problem ?? hosts.join(', ');
      items.push(status);
    }
    const flags = [options.confirm && `$(shield) ${vscode.l10n.t('confirm')}`, options.finally && `$(sync) ${vscode.l10n.t('finally')}`, options.expect && `$(check) ${vscode.l10n.t('expect')}`, options.timeout && `$(watch) ${options.timeout}s`, options.continueOnError && vscode.l10n.t('continue on error')].filter(Boolean) as string[];
    if (flags.length) items.push(item(flags.join('  '), edit));
    return items;
  }
}

function item(text: string, command: vscode.Command): vscode.NotebookCellStatusBarItem {
  const result = new vscode.NotebookCellStatusBarItem(text, vscode.NotebookCellStatusBarAlignment.Left);
  result.command = command;
  return result;
}
