/**
 * What the Inspection view shows for a result, as plain data in the reader's language: the label,
 * the one-line description, the hover, and the words of its links (guide section, log, runbooks).
 * Editor-free so the zh text is unit-tested; src/checks only turns it into tree items.
 */
import { pick } from '../catalog/text';
import type { Lang } from '../catalog/types';
import { translator } from '../l10n';
import { statusWord } from './reports';
import { resultText, type CheckResult } from './types';

export { statusWord };

export interface ResultView {
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
}

export function resultView(r: CheckResult, lang: Lang): ResultView {
  const t = translator(lang);
  const where = r.host ?? r.component;
  const message = resultText(r, 'message', lang) ?? '';
  const threshold = resultText(r, 'threshold', lang);
  const action = r.action ? `\n\n**${t('Action')}:** ${pick(r.action, lang)}` : '';
  return {
    label: pick(r.title, lang),
    description: `${where} · ${resultText(r, 'value', lang) ?? message}`,
    tooltip: `**${statusWord(r.status, lang)}** ${pick(r.title, lang)}\n\n\`${where}\` — ${message}${threshold ? `\n\n${t('Expected')}: ${threshold}` : ''}${action}\n\n${t('Guide §')}${r.section}`,
  };
}

/** The words of a result's links. */
export function resultLinkLabels(lang: Lang): { section(section: string): string; log(log: string, host: string): string; runbook(title: string, host?: string): string } {
  const t = translator(lang);
  return {
    section: (section) => t('Guide §{0}', section),
    log: (log, host) => t('Open log {0} on {1}', log, host),
    runbook: (title, host) => (host ? t('Runbook: {0} on {1}', title, host) : t('Runbook: {0}', title)),
  };
}
