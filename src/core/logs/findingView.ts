/**
 * What a log viewer shows for findings, as plain data: the ranges to colour (by severity), the
 * hover text (the guide's explanation and action in the reader's language, the other language
 * below, the guide section as a link, where the line appears and what the catalog corrected in the
 * guide, a zh text that is not the guide's words labelled as such, a field table for structured
 * lines), and a per-file summary
 * (lines per pattern, first and last seen). The editor only turns these into its own types.
 */
import { guideText, patternRemarks } from '../catalog/provenance';
import { severityWord, translator } from '../l10n';
import { pick } from '../catalog/text';
import type { Bilingual, Catalog, Lang, Severity } from '../catalog/types';
import { BAD_FIELD_SEVERITY, badFieldId, findingSeverity, type LogFinding, severityRank } from './logScanner';

/** Severities that get a colour (ok findings do not exist; info is drawn quietly). */
export type MarkSeverity = Exclude<Severity, 'ok'>;

export interface MarkRange {
  /** 0-based line and UTF-16 columns, end exclusive. */
  line: number;
  start: number;
  end: number;
  severity: MarkSeverity;
}

export interface LineMarks {
  /** One per finding line, with the line's worst severity (whole-line tint, overview ruler). */
  lines: { line: number; severity: MarkSeverity }[];
  /** One per match or bad field value. */
  ranges: MarkRange[];
}

function mark(severity: Severity): MarkSeverity {
  return severity === 'ok' ? 'info' : severity;
}

/** Decoration ranges for findings whose `line` is 1-based in the document shown (plus `lineOffset`). */
export function markRanges(findings: readonly LogFinding[], lineOffset = 0): LineMarks {
  const lines: LineMarks['lines'] = [];
  const ranges: MarkRange[] = [];
  for (const f of findings) {
    const line = f.line - 1 + lineOffset;
    if (line < 0) continue;
    lines.push({ line, severity: mark(findingSeverity(f)) });
    for (const m of f.matches) if (m.end > m.start) ranges.push({ line, start: m.start, end: m.end, severity: mark(m.pattern.severity) });
    for (const field of f.structured?.fields ?? []) {
      if (field.bad && field.start !== undefined && field.end !== undefined && field.end > field.start) {
        ranges.push({ line, start: field.start, end: field.end, severity: BAD_FIELD_SEVERITY as MarkSeverity });
      }
    }
  }
  return { lines, ranges };
}

/** Fixed words of the hover, localised by the caller. */
export interface HoverLabels {
  action: string;
  section: string;
  otherLanguage: string;
  field: string;
  value: string;
  meaning: string;
  bad: string;
  stack: string;
  startedAt: string;
  /** Said where the guide gives no action for a bad value. */
  noAction: string;
  /** After a count: table rows left out. */
  moreFields: string;
}

/** The hover's words in `lang` (the l10n bundle the editor uses); the other language is named in its own script. */
export function hoverLabelsFor(lang: Lang): HoverLabels {
  const t = translator(lang);
  return {
    action: t('Action'), section: t('Guide §'), otherLanguage: lang === 'zh' ? 'English' : '中文', field: t('Field'), value: t('Value'), meaning: t('Meaning'), bad: t('Bad?'),
    stack: t('lines of stack trace follow'), startedAt: t('Part of the entry that starts on line'),
    noAction: t('the guide names no action for this value; see the section for what the field records'), moreFields: t('more field(s) not shown'),
  };
}

/** What to do about a bad field value, and where the guide says so. */
export interface FieldAdvice {
  section: string;
  action?: Bilingual;
}

/**
 * Advice per bad field (`format.field`): the action and section of the check that watches it
 * (`log.pattern: microservice-fmt-drmdata-push.result`), else the section of the log that documents
 * the field, with no action.
 */
export function badFieldAdvice(catalog: Pick<Catalog, 'products'>): Map<string, FieldAdvice> {
  const advice = new Map<string, FieldAdvice>();
  for (const product of catalog.products) {
    for (const log of product.logs) {
      for (const field of log.format?.fields ?? []) if (field.bad) advice.set(badFieldId(log.format!.id, field.name), { section: log.section });
    }
  }
  for (const product of catalog.products) {
    for (const check of product.checks) {
      if (check.log && advice.has(check.log.pattern) && check.action) advice.set(check.log.pattern, { section: check.section, action: check.action });
    }
  }
  return advice;
}

/** Table rows a hover shows at most (bad values first); the rest are counted. */
export const MAX_HOVER_FIELDS = 8;
/** Characters of a value or meaning shown in a table cell. */
const MAX_CELL = 80;

export interface HoverOptions {
  lang: Lang;
  labels?: HoverLabels;
  /** Guide section titles, for the link text. */
  sectionTitle?: (section: string) => string | undefined;
  /** Command id that opens a guide section (given the section number); no link without it. */
  openSectionCommand?: string;
  /** Action and section for a bad field value (see badFieldAdvice). */
  fieldAdvice?: (badFieldId: string) => FieldAdvice | undefined;
  /**
   * The file's line number of a 1-based line of the text scanned (a remote window starts further
   * down the file); undefined when it is not known yet. Default: the same number.
   */
  fileLine?: (line: number) => number | undefined;
}

/** Markdown for the hover over a finding's line. */
export function findingMarkdown(finding: LogFinding, options: HoverOptions): string {
  const lang = options.lang;
  const labels = options.labels ?? hoverLabelsFor(lang);
  const t = translator(lang);
  const other: Lang = lang === 'zh' ? 'en' : 'zh';
  const parts: string[] = [];
  const sectionLink = (section: string) => {
    if (!section) return '';
    const title = options.sectionTitle?.(section);
    const text = `${labels.section}${section}${title ? ` ${title}` : ''}`;
    if (!options.openSectionCommand) return text;
    return `[${escapeMarkdown(text)}](command:${options.openSectionCommand}?${encodeURIComponent(JSON.stringify([section]))})`;
  };
  for (const m of finding.matches) {
    const p = m.pattern;
    parts.push(
      [
        `**${severityWord(p.severity, t)}** \`${inlineCode(p.match)}\` — ${sectionLink(p.section)}`,
        escapeMarkdown(guideText(p.explanation, lang)),
        `**${labels.action}:** ${escapeMarkdown(guideText(p.action, lang))}`,
        ...patternRemarks(p, lang).map((r) => `> ${escapeMarkdown(r).replace(/\n/g, '\n> ')}`),
        `*${labels.otherLanguage}:* ${escapeMarkdown(guideText(p.explanation, other))} — ${escapeMarkdown(guideText(p.action, other))}`,
      ].join('\n\n'),
    );
  }
  const structured = finding.structured;
  if (structured) {
    const bad = structured.fields.filter((f) => f.bad);
    for (const f of bad) {
      const advice = options.fieldAdvice?.(badFieldId(structured.format.id, f.name));
      const action = advice?.action ? escapeMarkdown(guideText(advice.action, lang)) : `*${escapeMarkdown(labels.noAction)}*`;
      parts.push([
        `**${severityWord(BAD_FIELD_SEVERITY, t)}** \`${inlineCode(f.name)}\` = \`${inlineCode(clip(f.value))}\`: ${escapeMarkdown(pick(f.bad, lang))}${advice?.section ? ` — ${sectionLink(advice.section)}` : ''}`,
        `**${labels.action}:** ${action}`,
        `*${labels.otherLanguage}:* ${escapeMarkdown(pick(f.bad, other))}${advice?.action ? ` — ${escapeMarkdown(guideText(advice.action, other))}` : ''}`,
      ].join('\n\n'));
    }
    // Bad values first, so a long table still shows them.
    const ordered = [...bad, ...structured.fields.filter((f) => !f.bad)];
    const shown = ordered.slice(0, MAX_HOVER_FIELDS);
    const rows = shown.map(
      (f) => `| \`${inlineCode(f.name)}\` | \`${inlineCode(clip(f.value))}\` | ${cell(clip(pick(f.meaning, lang)))} | ${f.bad ? `⚠ ${cell(pick(f.bad, lang))}` : ''} |`,
    );
    const more = ordered.length - shown.length;
    parts.push([`| ${labels.field} | ${labels.value} | ${labels.meaning} | ${labels.bad} |`, '|---|---|---|---|', ...rows, ...(more > 0 ? ['', `*+${more} ${labels.moreFields}*`] : [])].join('\n'));
  }
  if (finding.entry) {
    const line = options.fileLine ? options.fileLine(finding.entry.line) : finding.entry.line;
    if (line !== undefined) parts.push(`*${labels.startedAt} ${line}*`);
  }
  if (finding.stack?.length) parts.push(`*${finding.stack.length}${finding.stackTruncated ? '+' : ''} ${labels.stack}*`);
  return parts.join('\n\n---\n\n');
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]<>#|])/g, '\\$1');
}

function inlineCode(text: string): string {
  return text.replace(/`/g, "'");
}

function clip(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

function cell(text: string): string {
  return escapeMarkdown(text).replace(/\n/g, ' ');
}

export interface PatternSummary {
  /** Pattern id, or `format.field` for bad field values. */
  id: string;
  severity: Severity;
  section: string;
  explanation: LogFinding['matches'][number]['pattern']['explanation'];
  /** Lines holding it. */
  count: number;
  /** 1-based lines. */
  first: number;
  last: number;
}

/** Lines per pattern with first and last seen, worst severity first, then most frequent. */
export function summarizeFindings(findings: Iterable<LogFinding>): PatternSummary[] {
  const byId = new Map<string, PatternSummary>();
  const see = (id: string, severity: Severity, section: string, explanation: PatternSummary['explanation'], line: number) => {
    const s = byId.get(id);
    if (!s) byId.set(id, { id, severity, section, explanation, count: 1, first: line, last: line });
    else {
      s.count++;
      s.first = Math.min(s.first, line);
      s.last = Math.max(s.last, line);
    }
  };
  for (const f of findings) {
    const ids = new Set<string>();
    for (const m of f.matches) {
      if (ids.has(m.pattern.id)) continue;
      ids.add(m.pattern.id);
      see(m.pattern.id, m.pattern.severity, m.pattern.section, m.pattern.explanation, f.line);
    }
    for (const field of f.structured?.fields ?? []) {
      if (field.bad) see(badFieldId(f.structured!.format.id, field.name), BAD_FIELD_SEVERITY, '', field.bad, f.line);
    }
  }
  return [...byId.values()].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.count - a.count || a.id.localeCompare(b.id));
}

/** The finding lines in order, for next/previous problem: the next one after `line` (0-based), wrapping. */
export function nextFindingLine(lines: readonly number[], line: number, direction: 1 | -1): number | undefined {
  if (!lines.length) return undefined;
  if (direction === 1) return lines.find((l) => l > line) ?? lines[0];
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i] < line) return lines[i];
  return lines[lines.length - 1];
}
