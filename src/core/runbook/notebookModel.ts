/**
 * Runbook ⇄ notebook cells, editor-free so the round trip is unit-tested in Node. The notebook
 * keeps each cell's parsed original in its metadata; saving rebuilds the Runbook from it, so an
 * unchanged cell re-emits its exact bytes. Front matter is a YAML code cell at the top.
 */
import type { CodeCell, FrontMatter, MarkdownCell, Runbook } from './runbookFormat';
import { newCodeCell, newMarkdownCell, withCellSource, withFrontMatter } from './runbookSerializer';

export interface NotebookCellLike {
  kind: 'markdown' | 'code';
  value: string;
  languageId: string;
  metadata?: { sofa?: { cell?: MarkdownCell | CodeCell; frontMatter?: FrontMatter } };
}

export interface NotebookMeta {
  file: string;
  bom: boolean;
  eol: string;
  trailer: string;
}

export function toNotebookCells(runbook: Runbook): { cells: NotebookCellLike[]; meta: NotebookMeta } {
  const cells: NotebookCellLike[] = [];
  if (runbook.frontMatter) cells.push({ kind: 'code', value: runbook.frontMatter.yaml, languageId: 'yaml', metadata: { sofa: { frontMatter: runbook.frontMatter } } });
  for (const cell of runbook.cells) {
    cells.push(cell.kind === 'markdown'
      ? { kind: 'markdown', value: cell.source, languageId: 'markdown', metadata: { sofa: { cell } } }
      : { kind: 'code', value: cell.source, languageId: 'shellscript', metadata: { sofa: { cell } } });
  }
  return { cells, meta: { file: runbook.file, bom: runbook.bom, eol: runbook.eol, trailer: runbook.trailer } };
}

/** Rebuilds the runbook; `indexOf` maps each notebook cell to its runbook cell index (or -1 for front matter). */
export function fromNotebookCells(cells: NotebookCellLike[], meta: NotebookMeta = { file: 'runbook.md', bom: false, eol: '\n', trailer: '' }): { runbook: Runbook; indexOf: number[] } {
  let runbook: Runbook = { file: meta.file, bom: meta.bom, eol: meta.eol, trailer: meta.trailer, cells: [] };
  const indexOf: number[] = [];
  for (const cell of cells) {
    const sofa = cell.metadata?.sofa;
    if (sofa?.frontMatter || (cell.kind === 'code' && cell.languageId === 'yaml' && !runbook.cells.length && !runbook.frontMatter)) {
      const original = sofa?.frontMatter;
      runbook = original && original.yaml === cell.value ? { ...runbook, frontMatter: original } : withFrontMatter(runbook, cell.value).runbook;
      indexOf.push(-1);
      continue;
    }
    const original = sofa?.cell;
    if (cell.kind === 'markdown') {
      runbook.cells.push(original?.kind === 'markdown' ? withCellSource(original, cell.value) : newMarkdownCell(cell.value));
    } else if (original?.kind === 'code') {
      runbook.cells.push(withCellSource(original, cell.value));
    } else {
      runbook.cells.push(newCodeCell(cell.value, {}, cell.languageId === 'shellscript' ? 'sh' : cell.languageId));
    }
    indexOf.push(runbook.cells.length - 1);
  }
  return { runbook, indexOf };
}
