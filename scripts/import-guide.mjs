// One-off importer: turns the guide's PDF text dump into Markdown with one heading per numbered
// section, so the extension can render any section ("7.4.1") beside the editor.
// Usage: node scripts/import-guide.mjs ../shared/guide/ops-guide.zh.txt > runbooks/guide.zh.md
import { readFileSync } from 'fs';

const source = readFileSync(process.argv[2], 'utf8').split(/\r?\n/);
const out = ['<!-- Imported from the SOFA operations guide by scripts/import-guide.mjs; headings are section numbers. -->', ''];
let current = [0]; // section number parts of the last heading
const COMMAND = /^\s*(#|(curl|netstat|grep|ps |tail|cat |ls |df |top|free|sh |\.\/|sudo|mysql|select |telnet|service |systemctl|kubectl|docker)\b)/i;

function isNext(parts) {
  // A heading must continue the numbering: first child of the current section, or the next
  // sibling of it or of one of its ancestors. Table cells like "1 分钟" or "12200" never do.
  for (let depth = Math.min(parts.length, current.length + 1); depth >= 1; depth--) {
    if (parts.length !== depth) continue;
    const prefix = current.slice(0, depth - 1);
    if (parts.slice(0, depth - 1).join('.') !== prefix.join('.')) return false;
    const last = parts[depth - 1];
    const previous = current[depth - 1] ?? 0;
    return last === previous + 1;
  }
  return false;
}

let inCode = false;
function nextNonBlank(index) {
  for (let i = index + 1; i < source.length; i++) if (source[i].trim()) return source[i].trim();
  return '';
}

for (const [index, raw] of source.entries()) {
  const line = raw.replace(/\s+$/, '');
  // "3. 最近 5 分钟…" inside a table is a list item; a chapter title is followed by its N.1 section.
  let chapter = /^\s*(\d+)\.\s+(\S.*)$/.exec(line);
  if (chapter && !nextNonBlank(index).startsWith(`${chapter[1]}.1 `)) chapter = null;
  const section = /^\s*(\d+(?:\.\d+)+)\s+(\S.{0,60})$/.exec(line);
  const match = chapter && !section ? chapter : section;
  if (match) {
    const parts = match[1].split('.').map(Number);
    if (isNext(parts)) {
      if (inCode) { out.push('```', ''); inCode = false; }
      current = parts;
      out.push(`${'#'.repeat(Math.min(parts.length, 6))} ${match[1]} ${match[2].trim()}`, '');
      continue;
    }
  }
  if (COMMAND.test(line)) {
    if (!inCode) { out.push('```sh'); inCode = true; }
    out.push(line.trim().replace(/^#\s*/, ''));
    continue;
  }
  if (line.trim() === '') {
    if (!inCode) out.push('');
    continue;
  }
  if (inCode) { out.push('```', ''); inCode = false; }
  // The PDF's bullet glyphs (private-use code points) become list items; Markdown-significant
  // characters at line start are escaped so table cells are not read as headings or lists.
  const text = line.trim().replace(/^[\uf06c\uf0b7\uf0d8\u2022•]\s*/, '- ').replace(/^([#>*+=|`-])(?!\s)/, '\\$1');
  out.push(text);
}
if (inCode) out.push('```');
process.stdout.write(joinWrappedLines(out).join('\n').replace(/\n{3,}/g, '\n\n') + '\n');

// The PDF wraps every line and puts a blank line between wrapped lines, so a sentence reads as
// several paragraphs. A text line that does not end a sentence continues on the next text line,
// unless that line starts a heading, list item, numbered step, table-ish cell or code block.
function joinWrappedLines(lines) {
  const result = [];
  const isText = (l) => l !== undefined && l.trim() !== '' && !/^(#|```|- |\d+[.、)] |<!--)/.test(l);
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.startsWith('```')) fenced = !fenced;
    if (!fenced && (isText(line) || line.startsWith('- ') || /^\d+[.、)] /.test(line))) {
      while (!/[。：；！？:;.!?）)]$/.test(line)) {
        let j = i + 1;
        while (lines[j] === '') j++;
        if (!isText(lines[j]) || j - i > 2) break;
        const next = lines[j];
        const glue = /[A-Za-z0-9,]$/.test(line) && /^[A-Za-z0-9]/.test(next) ? ' ' : '';
        line += glue + next;
        i = j;
      }
    }
    result.push(line);
  }
  return result;
}
