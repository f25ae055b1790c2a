/**
 * Where a catalog text comes from, as the reader sees it: a zh text that is not the guide's
 * verbatim words is labelled (composed / paraphrase), an item's `note` (what was corrected in the
 * guide, and why) is shown with it, and a log pattern the guide places in the applications' own
 * logs says so. Tree tooltips, log hovers and `sofa-ops logs scan` all build their text here.
 */
import { pick } from './text';
import type { Bilingual, Lang, LogPattern, Note } from './types';

/** Fixed words, in the language of the catalog text they go with (not the UI's). */
export interface ProvenanceLabels {
  note: string;
  composed: string;
  paraphrase: string;
  applicationLogs: string;
}

export const englishProvenanceLabels: ProvenanceLabels = {
  note: 'Note',
  composed: "the guide's words, joined",
  paraphrase: "paraphrase, not the guide's words",
  applicationLogs: "Appears in the logs of the applications that use this product (the guide names no file), not in the product's own logs.",
};

export const chineseProvenanceLabels: ProvenanceLabels = {
  note: '说明',
  composed: '摘自指南多处原文',
  paraphrase: '转述，非指南原文',
  applicationLogs: '出现在使用本产品的应用自己的日志中（指南未指明文件），而不是本产品的日志中。',
};

export function provenanceLabelsFor(lang: Lang): ProvenanceLabels {
  return lang === 'zh' ? chineseProvenanceLabels : englishProvenanceLabels;
}

/** The reader's language; a zh text that is not verbatim from the guide carries its label. */
export function guideText(text: Bilingual | undefined, lang: Lang, labels: ProvenanceLabels = provenanceLabelsFor(lang)): string {
  const shown = pick(text, lang);
  if (!text?.zhSource || !shown || shown !== text.zh) return shown;
  return `${shown}（${labels[text.zhSource]}）`;
}

/** "Note: …" in the reader's language, or '' without a note. */
export function noteText(note: Note | undefined, lang: Lang, labels: ProvenanceLabels = provenanceLabelsFor(lang)): string {
  const text = pick(note, lang);
  return text ? `${labels.note}: ${text}` : '';
}

/** What a finding of this pattern adds to its explanation: where the line appears, the note. */
export function patternRemarks(pattern: Pick<LogPattern, 'applicationLogs' | 'note'>, lang: Lang, labels: ProvenanceLabels = provenanceLabelsFor(lang)): string[] {
  return [pattern.applicationLogs ? labels.applicationLogs : '', noteText(pattern.note, lang, labels)].filter(Boolean);
}
