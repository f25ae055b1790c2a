/**
 * A run's cell executions and outputs in the notebook: one execution per cell the runner reaches
 * (execution order, cancel → abort the run), live "host | line" output while a cell runs, and the
 * final per-host sections, skip reasons and error boxes when it ends. The RunHooks it supplies
 * (onCellStart, onOutput, onCellEnd) are the notebook side of the runner's output.
 */
import * as vscode from 'vscode';
import { runText } from '../core/runbook/runReport';
import type { CellResult, RunHooks } from '../core/runbook/runbookRunner';
import { uiTranslator } from '../vscode/settings';

const STDOUT = 'application/vnd.code.notebook.stdout';
const STDERR = 'application/vnd.code.notebook.stderr';

export class RunOutputWriter {
  private readonly executions = new Map<number, vscode.NotebookCellExecution>();
  // While a cell runs, one live output gets every host's lines as they arrive ("host | line"),
  // appended only at its end; when the cell ends, it is replaced by ordered per-host sections in
  // one call. Appending to several per-host outputs in arrival order made VS Code merge them
  // into one box and sometimes drop or reorder a host's section.
  private readonly live = new Map<number, vscode.NotebookCellOutput>();
  private readonly partialLines = new Map<string, string>();
  // Output edits are applied strictly in order: within a cell, the final replace must come after
  // every live append (or a late append lands on the replaced output); across cells, a cell's
  // result must be settled before the next cell's edits, or the editor shows a later cell done
  // while an earlier one still spins. The runner runs one cell at a time, so one chain costs nothing.
  private edits: Thenable<unknown> = Promise.resolve();

  constructor(
    private readonly controller: vscode.NotebookController,
    /** The notebook cell of a runbook cell index. */
    private readonly cellOf: (runbookIndex: number) => vscode.NotebookCell,
    private readonly nextOrder: () => number,
    /** Aborted when the user cancels any cell of the run. */
    private readonly abort: AbortController,
  ) {}

  /** Whether the runner reached this runbook cell (it then has an execution with its own result). */
  started(runbookIndex: number): boolean {
    return this.executions.has(runbookIndex);
  }

  hooks(): Pick<RunHooks, 'onCellStart' | 'onOutput' | 'onCellEnd'> {
    return {
      onCellStart: (index, _cell, hosts) => {
        const execution = this.start(index);
        if (!hosts.length) return;
        const output = new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(`▶ ${hosts.join(', ')}\n`, STDOUT)]);
        this.live.set(index, output);
        this.queue(() => execution.appendOutput(output));
      },
      onOutput: (index, host, stream, text) => {
        const execution = this.executions.get(index);
        const output = this.live.get(index);
        if (!execution || !output) return;
        // Whole lines only, each tagged with its host, so concurrent hosts stay readable.
        const key = `${index}|${host}|${stream}`;
        const lines = ((this.partialLines.get(key) ?? '') + text).split('\n');
        this.partialLines.set(key, lines.pop() ?? '');
        if (lines.length) this.queue(() => execution.appendOutputItems(vscode.NotebookCellOutputItem.text(lines.map((l) => `${host} | ${l}\n`).join(''), stream === 'stdout' ? STDOUT : STDERR), output));
      },
      onCellEnd: (result) => {
        const execution = this.start(result.index);
        this.queue(() => finish(execution, result));
      },
    };
  }

  private queue(edit: () => Thenable<unknown>): void {
    this.edits = this.edits.then(edit, edit);
  }

  private start(index: number): vscode.NotebookCellExecution {
    let execution = this.executions.get(index);
    if (execution) return execution;
    execution = this.controller.createNotebookCellExecution(this.cellOf(index));
    execution.executionOrder = this.nextOrder();
    execution.token.onCancellationRequested(() => this.abort.abort());
    execution.start(Date.now());
    void execution.clearOutput();
    this.executions.set(index, execution);
    return execution;
  }
}

async function finish(execution: vscode.NotebookCellExecution, result: CellResult): Promise<void> {
  // The runner words its messages in English: said in the editor's display language.
  const t = uiTranslator();
  const ok = result.status === 'ok' || result.status === 'done';
  if (result.hosts.length) {
    // The final view: every host's section in target order, as one stream written at once.
    const withNewline = (text: string) => (text && !text.endsWith('\n') ? `${text}\n` : text);
    const text = result.hosts.map((h) => `▶ ${h.host}\n${withNewline(h.stdout)}${h.stderr ? withNewline(h.stderr).replace(/^/gm, 'stderr | ') : ''}`).join('');
    await execution.replaceOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(text, STDOUT)]));
  }
  // The error output shows its name before the message: the status is the name, not repeated ("failed: failed: …").
  const summary = `${result.message ? runText(t, result.message) : t(result.status)} (${(result.durationMs / 1000).toFixed(1)} s)`;
  const hostSkips = (result.skippedHosts ?? []).map((h) => vscode.l10n.t('Skipped on {0}: {1}', h.host, runText(t, h.reason))).join('\n');
  if (hostSkips) await execution.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(`${hostSkips}\n`, STDOUT)]));
  if (result.status === 'skipped' && result.skip) {
    // Skipped is not failed: say why (its condition, its gate, or the stop) without an error box.
    await execution.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(vscode.l10n.t('Skipped: {0}', runText(t, result.message ?? result.skip.reason)), STDOUT)]));
  } else if (!ok) {
    await execution.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name: t(result.status), message: summary })]));
  } else if (result.status === 'done') {
    await execution.appendOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(vscode.l10n.t('Marked done by the operator'), STDOUT)]));
  }
  execution.end(result.status === 'skipped' || result.status === 'cancelled' ? undefined : ok, Date.now());
}
