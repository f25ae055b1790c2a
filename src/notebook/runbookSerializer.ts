/** Opens `*.runbook.md` as a notebook and saves it back losslessly (see core/runbook/notebookModel). */
import * as vscode from 'vscode';
import { fromNotebookCells, type NotebookCellLike, type NotebookMeta, toNotebookCells } from '../core/runbook/notebookModel';
import { parseRunbook } from '../core/runbook/runbookParser';
import { serializeRunbook } from '../core/runbook/runbookSerializer';

export const RUNBOOK_NOTEBOOK_TYPE = 'sofa-ops-runbook';

// ignoreBOM keeps a leading BOM in the text, so the parser sees it and saving writes it back.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

export class RunbookSerializer implements vscode.NotebookSerializer {
  deserializeNotebook(content: Uint8Array): vscode.NotebookData {
    // Problems are shown as diagnostics by RunbookDiagnostics; a broken runbook still opens.
    const { runbook } = parseRunbook(decoder.decode(content), 'runbook.md');
    const { cells, meta } = toNotebookCells(runbook);
    const data = new vscode.NotebookData(cells.map(toCellData));
    data.metadata = { sofa: meta };
    return data;
  }

  serializeNotebook(data: vscode.NotebookData): Uint8Array {
    const meta = (data.metadata?.sofa as NotebookMeta | undefined) ?? undefined;
    return encoder.encode(serializeRunbook(fromNotebookCells(data.cells.map(fromCellData), meta).runbook));
  }
}

function toCellData(cell: NotebookCellLike): vscode.NotebookCellData {
  const data = new vscode.NotebookCellData(cell.kind === 'markdown' ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code, cell.value, cell.languageId);
  data.metadata = cell.metadata;
  return data;
}

export function fromCellData(cell: { kind: vscode.NotebookCellKind; value: string; languageId: string; metadata?: { [key: string]: unknown } }): NotebookCellLike {
  return { kind: cell.kind === vscode.NotebookCellKind.Markup ? 'markdown' : 'code', value: cell.value, languageId: cell.languageId, metadata: cell.metadata as NotebookCellLike['metadata'] };
}

/** The runbook as it is in the editor now (unsaved edits included). */
export function runbookOf(notebook: vscode.NotebookDocument) {
  const cells = notebook.getCells().map((c) => fromCellData({ kind: c.kind, value: c.document.getText(), languageId: c.document.languageId, metadata: c.metadata }));
  return fromNotebookCells(cells, { ...(notebook.metadata?.sofa as NotebookMeta), file: notebook.uri.fsPath });
}
