/**
 * `*.runbook.md` text → the cell model, losslessly, plus every problem found as file:line. markdown-it
 * only says where the top-level fences are (token.map); every cell keeps the exact slice of the
 * original text, so serializeRunbook can give the same bytes back. Never throws on content.
 */
import MarkdownIt from 'markdown-it';
import type { SourceProblem } from '../sourceProblem';
import { conditionCells, parseCondition } from './cellCondition';
import { parseInfoString, optionKeys } from './cellOptions';
import { readFrontMatter } from './frontMatter';
import { findPlaceholders } from './parameters';
import { cellShell } from './shellParser';
import { placeholderProblems } from './renderCommand';
import { type CodeCell, type FrontMatter, type MarkdownCell, type Runbook, type RunbookCell, runnableLanguages } from './runbookFormat';

export interface ParsedRunbook {
  runbook: Runbook;
  problems: SourceProblem[];
}

// html: true so an HTML block swallows a fence the way GitHub does; tables as GitHub renders them.
// Made on the first parse, not at load: markdown-it is a chunk the bundle loads on first use.
let markdown: InstanceType<typeof MarkdownIt> | undefined;

/** Lines with their own line endings; `\r\n`, `\r` and `\n` end a line, as in markdown-it. */
export function splitLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
}

const stripEol = (line: string) => line.replace(/(?:\r\n|\r|\n)$/, '');
const isBlank = (line: string) => /^[ \t]*(?:\r\n|\r|\n)?$/.test(line);

export function parseRunbook(text: string, file: string): ParsedRunbook {
  const problems: SourceProblem[] = [];
  const binary = notText(text);
  if (binary) problems.push({ file, ...binary });
  const bom = text.startsWith('\uFEFF');
  const lines = splitLines(bom ? text.slice(1) : text);
  const runbook: Runbook = { file, bom, eol: dominantEol(text), cells: [], trailer: '' };

  let bodyStart = 0;
  let declared: Set<string> | undefined = new Set();
  if (lines.length && /^---[ \t]*$/.test(stripEol(lines[0]))) {
    const close = lines.findIndex((line, i) => i > 0 && /^(?:---|\.\.\.)[ \t]*$/.test(stripEol(line)));
    if (close === -1) {
      problems.push({ file, line: 1, message: 'front matter is not closed: add a --- line after the YAML (or remove the first ---)' });
    } else {
      const yaml = lines.slice(1, close).join('').replace(/\r\n?/g, '\n');
      const read = readFrontMatter(yaml, file, 2);
      problems.push(...read.problems);
      declared = read.meta ? read.declared : undefined;
      const frontMatter: FrontMatter = { yaml, meta: read.meta, original: { text: lines.slice(0, close + 1).join(''), yaml } };
      runbook.frontMatter = frontMatter;
      bodyStart = close + 1;
    }
  }

  const body = lines.slice(bodyStart);
  markdown ??= new MarkdownIt({ html: true });
  const fences = markdown.parse(body.join(''), {}).filter((t) => t.type === 'fence' && t.map);
  let pendingBlank = '';
  let cursor = 0;
  const addMarkdown = (from: number, to: number) => {
    let first = from;
    while (first < to && isBlank(body[first])) first++;
    let last = to - 1;
    while (last >= first && isBlank(body[last])) last--;
    if (first > last) {
      pendingBlank += body.slice(from, to).join('');
      return;
    }
    const slice = body.slice(first, last + 1);
    const source = slice.map(stripEol).join('\n');
    const cell: MarkdownCell = { kind: 'markdown', source, before: pendingBlank + body.slice(from, first).join(''), line: bodyStart + first + 1, original: { text: slice.join(''), source } };
    runbook.cells.push(cell);
    pendingBlank = body.slice(last + 1, to).join('');
  };

  for (const token of fences) {
    const [start, end] = token.map!;
    const line = bodyStart + start + 1;
    const opening = stripEol(body[start]);
    const indent = /^ */.exec(opening)![0];
    const info = opening.slice(indent.length + token.markup.length);
    const parsed = parseInfoString(info);
    const runnable = runnableLanguages.has(parsed.language.toLowerCase());
    const hasOurOptions = parsed.attributes.some((a) => (optionKeys as readonly string[]).includes(a.key));
    if (token.level > 0 || !runnable) {
      if (runnable && hasOurOptions) problems.push({ file, line, message: 'this cell is inside a list or block quote, so it is not a runnable cell and its options are ignored: move the fence to the top level' });
      else if (!runnable && hasOurOptions) problems.push({ file, line, message: `only sh, bash and shell fences are runnable cells; the options on this ${parsed.language || 'plain'} block are ignored` });
      continue;
    }
    addMarkdown(cursor, start);
    const slice = body.slice(start, end);
    const last = stripEol(slice[slice.length - 1]);
    const fenceChar = token.markup[0];
    const closed = slice.length > 1 && new RegExp(`^ {0,3}\\${fenceChar}{${token.markup.length},}[ \\t]*$`).test(last);
    if (!closed) problems.push({ file, line, message: `code cell is not closed: add a ${token.markup} line after its last command (it runs to the end of the file)` });
    const source = token.content.replace(/\n$/, '');
    const cell: CodeCell = {
      kind: 'code',
      language: parsed.language,
      source,
      options: parsed.options,
      before: pendingBlank,
      line,
      original: { text: slice.join(''), source, language: parsed.language, options: parsed.options, attributes: parsed.attributes, fence: token.markup, indent, closed },
    };
    pendingBlank = '';
    runbook.cells.push(cell);
    problems.push(...parsed.problems.map((message) => ({ file, line, message })));
    cursor = end;
  }
  addMarkdown(cursor, body.length);
  runbook.trailer = pendingBlank;

  checkCells(runbook.cells, file, declared, problems);
  problems.sort((a, b) => a.line - b.line);
  return { runbook, problems };
}

/** Duplicate names and undeclared `{{placeholders}}` (skipped when the front matter is broken: it would only repeat that). */
function checkCells(cells: RunbookCell[], file: string, declared: Set<string> | undefined, problems: SourceProblem[]): void {
  const names = new Map<string, number>();
  const known = () => (declared && declared.size ? [...declared].join(', ') : 'none; add them under parameters: in the front matter');
  for (const cell of cells) {
    if (cell.kind !== 'code') continue;
    const name = cell.options.name;
    checkControlFlow(cell, names, file, problems);
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) problems.push({ file, line: cell.line, message: `duplicate cell name "${name}" (first used at line ${first})` });
      else names.set(name, cell.line);
    }
    if (!declared) continue;
    for (const p of findPlaceholders(cell.source)) {
      if (declared.has(p.name)) continue;
      const line = cell.line + 1 + (cell.source.slice(0, p.index).match(/\n/g)?.length ?? 0);
      problems.push({ file, line, message: `{{${p.name}}} is not a declared parameter (declared: ${known()})` });
    }
    // Spots where no value can be literal (arithmetic, [[ ]], eval …): refused at run time too. Manual steps are never run.
    for (const p of cell.options.manual ? [] : placeholderProblems(cell.source, cellShell(cell.language))) {
      problems.push({ file, line: cell.line + 1 + (cell.source.slice(0, p.index).match(/\n/g)?.length ?? 0), message: p.message });
    }
    for (const key of ['target', 'expect'] as const) {
      for (const p of findPlaceholders(cell.options[key] ?? '')) {
        if (!declared.has(p.name)) problems.push({ file, line: cell.line, message: `${key}: {{${p.name}}} is not a declared parameter (declared: ${known()})` });
      }
    }
  }
}

/**
 * when= and after= name earlier cells: a name not yet seen is either a typo or a later cell, and
 * both would make the condition unanswerable at run time. `names` holds the cells before this one.
 */
function checkControlFlow(cell: CodeCell, names: Map<string, number>, file: string, problems: SourceProblem[]): void {
  const line = cell.line;
  const known = () => (names.size ? [...names.keys()].join(', ') : 'none: name the earlier cell with {name=…}');
  const later = (ref: string, what: string) => {
    if (names.has(ref)) return;
    problems.push({ file, line, message: ref === cell.options.name ? `${what}: "${ref}" is this cell itself; name an earlier cell` : `${what}: no earlier cell is named "${ref}" (earlier cells: ${known()})` });
  };
  if (cell.options.when) {
    const parsed = parseCondition(cell.options.when);
    if ('condition' in parsed) for (const ref of conditionCells(parsed.condition)) later(ref, 'when=');
  }
  if (cell.options.after) {
    for (const ref of cell.options.after.split(',')) later(ref, 'after=');
    if (cell.options.finally) problems.push({ file, line, message: 'finally runs always and after= runs only when the named cells passed: give this cell one of them' });
  }
  if (cell.options.otherwise && !cell.options.after) problems.push({ file, line, message: 'otherwise= says what a skipped after= cell means: add after=CELL, or remove otherwise=' });
  if (cell.options.manual && cell.options.when) problems.push({ file, line, message: 'when= picks hosts and a manual step has none: put the condition in the step text, or make it a command cell' });
}

function dominantEol(text: string): string {
  const crlf = text.match(/\r\n/g)?.length ?? 0;
  const lf = (text.match(/\n/g)?.length ?? 0) - crlf;
  const cr = (text.match(/\r(?!\n)/g)?.length ?? 0);
  if (crlf > lf && crlf >= cr) return '\r\n';
  if (cr > lf && cr > crlf) return '\r';
  return '\n';
}

/**
 * A runbook is text: a NUL byte (an image, an archive, an executable) or a byte sequence that is
 * not UTF-8 (read as U+FFFD) means this is not a runbook, and running it would send garbage.
 */
function notText(text: string): { line: number; message: string } | undefined {
  const nul = text.indexOf('\0');
  const bad = text.indexOf('\uFFFD');
  const at = nul >= 0 && (bad < 0 || nul < bad) ? nul : bad;
  if (at < 0) return undefined;
  const line = (text.slice(0, at).match(/\r\n|\r|\n/g)?.length ?? 0) + 1;
  return { line, message: nul === at ? 'the file holds a NUL byte: it is not a text runbook (a binary file?)' : 'the file is not valid UTF-8 text (a binary file, or another encoding such as GBK: save it as UTF-8)' };
}
