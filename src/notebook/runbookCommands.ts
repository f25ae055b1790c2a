/** Runbook notebook commands: edit a cell's options (target, confirm, finally, expect…) and keep diagnostics current. */
import * as vscode from 'vscode';
import { formatOptions, parseInfoString } from '../core/runbook/cellOptions';
import type { CodeCell } from '../core/runbook/runbookFormat';
import { parseRunbook } from '../core/runbook/runbookParser';
import { newCodeCell } from '../core/runbook/runbookSerializer';
import { Disposable } from '../core/dispose';
import { problemDiagnostic } from '../vscode/diagnostics';
import { RUNBOOK_NOTEBOOK_TYPE } from './runbookSerializer';

export async function editCellOptions(cell: vscode.NotebookCell | undefined): Promise<void> {
  cell ??= vscode.window.activeNotebookEditor?.notebook.cellAt(vscode.window.activeNotebookEditor.selection.start);
  if (!cell || cell.kind !== vscode.NotebookCellKind.Code) return;
  const current = (cell.metadata?.sofa as { cell?: CodeCell } | undefined)?.cell;
  const code: CodeCell = current?.kind === 'code' ? current : newCodeCell(cell.document.getText());
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('Cell options'),
    prompt: vscode.l10n.t('e.g. target=registry-meta[0] confirm expect="\\"success\\":true" timeout=30 finally'),
    value: formatOptions(code.options, code.original?.attributes).replace(/^\{|\}$/g, ''),
    validateInput: (text) => {
      const parsed = parseInfoString(`sh {${text}}`);
      return parsed.problems.length ? parsed.problems.join('; ') : undefined;
    },
  });
  if (value === undefined) return;
  const { options } = parseInfoString(`sh {${value}}`);
  const edit = new vscode.WorkspaceEdit();
  edit.set(cell.notebook.uri, [vscode.NotebookEdit.updateCellMetadata(cell.index, { ...cell.metadata, sofa: { ...(cell.metadata?.sofa as object), cell: { ...code, source: cell.document.getText(), options } } })]);
  await vscode.workspace.applyEdit(edit);
}

/** Parse problems of open runbooks in the Problems panel, with file and line. */
export class RunbookDiagnostics extends Disposable {
  private readonly collection = this.register(vscode.languages.createDiagnosticCollection('sofa-ops-runbook'));

  constructor() {
    super();
    const check = (doc: vscode.NotebookDocument) => doc.notebookType === RUNBOOK_NOTEBOOK_TYPE && void this.refresh(doc.uri);
    this.register(vscode.workspace.onDidOpenNotebookDocument(check));
    this.register(vscode.workspace.onDidSaveNotebookDocument(check));
    this.register(vscode.workspace.onDidCloseNotebookDocument((doc) => this.collection.delete(doc.uri)));
    vscode.workspace.notebookDocuments.forEach(check);
  }

  async refresh(uri: vscode.Uri): Promise<vscode.Diagnostic[]> {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    const { problems } = parseRunbook(text, uri.fsPath);
    const diagnostics = problems.map((p) => problemDiagnostic(p, 'SOFA Ops runbook'));
    this.collection.set(uri, diagnostics);
    return diagnostics;
  }
}
