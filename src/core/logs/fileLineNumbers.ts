/**
 * The line numbers a log viewer draws: the file's own (what `grep -n` on the host prints), not the
 * editor's, which count from the top of the window shown. The editor's numbers are turned off for
 * the log language and these are drawn before each visible line instead.
 */

export interface LineNumberLabel {
  /** 0-based line of the document. */
  line: number;
  /** The file's line number, padded on the left (non-breaking spaces) to one width for the document. */
  text: string;
}

/**
 * Labels for document lines `from`..`to` (0-based, inclusive, clamped) of a document of
 * `lineCount` lines whose first line is the file's line `linesBefore + 1`. `endsWithBreak` says the
 * text ends with a line break, so its last (empty) document line is no line of the file. No labels
 * while `linesBefore` is unknown: a number shown must be the file's.
 */
export function fileLineNumbers(linesBefore: number | undefined, from: number, to: number, lineCount: number, endsWithBreak: boolean): LineNumberLabel[] {
  if (linesBefore === undefined || lineCount <= 0) return [];
  const fileLines = endsWithBreak ? lineCount - 1 : lineCount;
  const width = String(linesBefore + Math.max(1, fileLines)).length;
  const labels: LineNumberLabel[] = [];
  for (let line = Math.max(0, from); line <= Math.min(to, fileLines - 1); line++) {
    const n = String(linesBefore + line + 1);
    labels.push({ line, text: '\u00a0'.repeat(width - n.length) + n });
  }
  return labels;
}
