/**
 * The cell model → `*.runbook.md` text. A cell that was not edited is written back exactly as it was
 * read; an edited one is re-rendered in its own fence style, indentation and line endings; a new one
 * is a ```sh {…} fence (or a paragraph) after one blank line. Also the helpers that edit cells.
 */
import { formatOptions, sameOptions } from './cellOptions';
import { readFrontMatter } from './frontMatter';
import type { SourceProblem } from '../sourceProblem';
import type { CellOptions, CodeCell, FrontMatter, MarkdownCell, Runbook, RunbookCell } from './runbookFormat';

export function serializeRunbook(runbook: Runbook): string {
  const { eol } = runbook;
  let out = runbook.bom ? '\uFEFF' : '';
  const start = out.length;
  // Content that follows a last line without a line break (possible only after edits) needs one.
  const append = (text: string) => {
    if (text !== '' && out.length > start && !/[\r\n]$/.test(out)) out += eol;
    out += text;
  };
  if (runbook.frontMatter) append(frontMatterText(runbook.frontMatter, eol));
  for (const cell of runbook.cells) {
    const before = cell.before ?? (out.length > start ? eol : '');
    append(before + cellText(cell, eol));
  }
  append(runbook.trailer);
  return out;
}

/** True when serializing would re-emit the cell's original bytes. */
export function isCellUnchanged(cell: RunbookCell): boolean {
  if (!cell.original) return false;
  if (cell.kind === 'markdown') return cell.source === cell.original.source;
  const o = cell.original;
  return cell.source === o.source && cell.language === o.language && sameOptions(cell.options, o.options);
}

function frontMatterText(fm: FrontMatter, eol: string): string {
  if (fm.original && fm.yaml === fm.original.yaml) return fm.original.text;
  const lines = fm.original ? fm.original.text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g)! : [];
  const lineEol = fm.original ? eolOf(fm.original.text, eol) : eol;
  const yaml = fm.yaml === '' || fm.yaml.endsWith('\n') ? fm.yaml : `${fm.yaml}\n`;
  const opening = lines[0] ?? `---${lineEol}`;
  const closing = lines.length > 1 ? lines[lines.length - 1] : `---${lineEol}`;
  return opening + yaml.replace(/\n/g, lineEol) + closing;
}

function cellText(cell: RunbookCell, eol: string): string {
  if (isCellUnchanged(cell)) return cell.original!.text;
  const cellEol = cell.original ? eolOf(cell.original.text, eol) : eol;
  if (cell.kind === 'markdown') {
    const endsWithEol = cell.original ? /[\r\n]$/.test(cell.original.text) : true;
    return cell.source.split('\n').join(cellEol) + (endsWithEol ? cellEol : '');
  }
  return codeText(cell, cellEol);
}

function codeText(cell: CodeCell, cellEol: string): string {
  const o = cell.original;
  const indent = o?.indent ?? '';
  const options = formatOptions(cell.options, o?.attributes);
  const info = `${cell.language}${options ? ` ${options}` : ''}`;
  // A backtick fence cannot carry backticks in its info string.
  let char = (o?.fence ?? '```')[0];
  if (char === '`' && info.includes('`')) char = '~';
  let length = o && o.fence[0] === char ? o.fence.length : 3;
  for (const line of cell.source.split('\n')) {
    const run = new RegExp(`^[ \\t]*(\\${char}{3,})`).exec(line);
    if (run && run[1].length >= length) length = run[1].length + 1;
  }
  const fence = char.repeat(length);
  const rawLines = o ? o.text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g)! : [];
  const sameFence = o !== undefined && fence === o.fence;
  const sameHead = sameFence && cell.language === o.language && sameOptions(cell.options, o.options);
  const opening = sameHead ? rawLines[0] : `${indent}${fence}${info}${cellEol}`;
  const body = cell.source === '' ? '' : cell.source.split('\n').map((l) => (l === '' ? '' : indent + l)).join(cellEol) + cellEol;
  const closing = sameFence && o.closed ? rawLines[rawLines.length - 1] : `${indent}${fence}${cellEol}`;
  return (/[\r\n]$/.test(opening) ? opening : opening + cellEol) + body + closing;
}

function eolOf(text: string, fallback: string): string {
  return /\r\n|\r|\n/.exec(text)?.[0] ?? fallback;
}

/** The cell with new text (line endings normalised); everything else, including its identity, kept. */
export function withCellSource<T extends RunbookCell>(cell: T, source: string): T {
  return { ...cell, source: source.replace(/\r\n?/g, '\n') };
}

export function withCellOptions(cell: CodeCell, options: CellOptions): CodeCell {
  return { ...cell, options: { ...options } };
}

export function newCodeCell(source: string, options: CellOptions = {}, language = 'sh'): CodeCell {
  return { kind: 'code', language, source: source.replace(/\r\n?/g, '\n'), options: { ...options }, line: 0 };
}

export function newMarkdownCell(source: string): MarkdownCell {
  return { kind: 'markdown', source: source.replace(/\r\n?/g, '\n'), line: 0 };
}

/** New front matter YAML (re-read and re-validated); the runbook is otherwise untouched. */
export function withFrontMatter(runbook: Runbook, yaml: string): { runbook: Runbook; problems: SourceProblem[] } {
  const normalised = yaml.replace(/\r\n?/g, '\n');
  const read = readFrontMatter(normalised, runbook.file, 2);
  const frontMatter: FrontMatter = { ...runbook.frontMatter, yaml: normalised, meta: read.meta };
  return { runbook: { ...runbook, frontMatter }, problems: read.problems };
}
