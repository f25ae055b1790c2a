/**
 * Inspection reports: Markdown and HTML for people (the HTML one self-contained: inline SVG
 * charts, inline CSS, no script, no external asset), JUnit XML for CI dashboards, JSON for tools.
 */
import { guideText } from '../catalog/provenance';
import { pick } from '../catalog/text';
import type { Bilingual, Lang } from '../catalog/types';
import { translator, type Translate } from '../l10n';
import { countStatuses, notRun, resultText, rollUp, STATUS_ORDER, type CheckResult, type CheckStatus, type Inspection, type StatusCounts } from './types';

export type ReportFormat = 'md' | 'html' | 'junit' | 'json';

export const STATUS_LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', error: 'ERROR', manual: 'MANUAL', na: 'N/A' };
/** PASS, FAIL… in the reader's language. */
export function statusWord(status: CheckStatus, lang: Lang): string {
  return translator(lang)(STATUS_LABEL[status]);
}

const STATUS_COLOR: Record<CheckStatus, string> = { pass: '#2e7d32', warn: '#f9a825', fail: '#c62828', error: '#6a1b9a', manual: '#90a4ae', na: '#cfd8dc' };
const SHOWN: CheckStatus[] = ['fail', 'error', 'warn', 'pass', 'manual', 'na'];

export interface ReportOptions {
  lang?: Lang;
  /** Earlier inspections, newest first (the trend). */
  history?: Inspection[];
}

export function renderReport(format: ReportFormat, inspection: Inspection, options: ReportOptions = {}): string {
  switch (format) {
    case 'md': return markdownReport(inspection, options);
    case 'html': return htmlReport(inspection, options);
    case 'junit': return junitReport(inspection);
    case 'json': return JSON.stringify(inspection, null, 2) + '\n';
  }
}

/** Results grouped by product, in first-seen order. */
export function byProduct(results: readonly CheckResult[]): Map<string, CheckResult[]> {
  const map = new Map<string, CheckResult[]>();
  for (const r of results) map.set(r.product, [...(map.get(r.product) ?? []), r]);
  return map;
}

function where(r: CheckResult, t: Translate = translator('en')): string {
  return r.host ?? t('{0} (all)', r.component);
}

function bothLanguages(text: Bilingual | undefined, lang: Lang): string {
  if (!text) return '';
  const first = guideText(text, lang);
  const second = guideText(text, lang === 'zh' ? 'en' : 'zh');
  return first === second ? first : `${first} / ${second}`;
}

function countsText(c: StatusCounts, lang: Lang = 'en'): string {
  const t = translator(lang);
  return SHOWN.filter((s) => c[s]).map((s) => `${c[s]} ${statusWord(s, lang)}`).join(t(', ')) || t('nothing checked');
}

// ---- Markdown ----------------------------------------------------------------------------------

function mdCell(text: string | undefined): string {
  return (text ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function markdownReport(inspection: Inspection, options: ReportOptions = {}): string {
  const lang = options.lang ?? 'en';
  const t = translator(lang);
  const st = (status: CheckStatus) => statusWord(status, lang);
  const value = (r: CheckResult) => resultText(r, 'value', lang) ?? resultText(r, 'message', lang);
  const total = countStatuses(inspection.results);
  const columns: CheckStatus[] = ['pass', 'warn', 'fail', 'error', 'manual', 'na'];
  const out: string[] = [
    t('# SOFA Ops inspection {0}', inspection.startedAt),
    '',
    `**${st(overall(inspection))}** — ${t('{0}. {1} hosts, {2} s.', countsText(total, lang), inspection.hosts.length, (inspection.durationMs / 1000).toFixed(1))}`,
    '',
    `| ${t('Product')} | ${t('Status')} | ${columns.map(st).join(' | ')} |`,
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const products = byProduct(inspection.results);
  for (const [product, results] of products) {
    const c = countStatuses(results);
    out.push(`| ${product} | ${st(rollUp(results) ?? 'manual')} | ${c.pass} | ${c.warn} | ${c.fail} | ${c.error} | ${c.manual} | ${c.na} |`);
  }
  const problems = inspection.results.filter((r) => r.status === 'fail' || r.status === 'error' || r.status === 'warn');
  if (problems.length) {
    out.push('', `## ${t('Needs attention')}`, '');
    for (const r of sortByStatus(problems)) {
      const threshold = resultText(r, 'threshold', lang);
      const message = resultText(r, 'message', lang);
      out.push(`- **${st(r.status)}** ${mdCell(pick(r.title, lang))} — \`${where(r, t)}\` (${r.product}, ${t('guide §{0}', r.section)})`);
      out.push(`  - ${t('measured: {0}', mdCell(value(r)))}${threshold ? t('; expected: {0}', mdCell(threshold)) : ''}`);
      if (message && r.message !== r.value) out.push(`  - ${mdCell(message)}`);
      if (r.action) out.push(`  - ${t('action: {0}', mdCell(bothLanguages(r.action, lang)))}`);
    }
  }
  if (options.history?.length) {
    out.push('', `## ${t('Trend')}`, '', `| ${t('Run')} | ${t('Status')} | ${(['fail', 'error', 'warn', 'pass'] as CheckStatus[]).map(st).join(' | ')} |`, '|---|---|---:|---:|---:|---:|');
    for (const past of [inspection, ...options.history.filter((h) => h.startedAt !== inspection.startedAt)].slice(0, 10)) {
      const c = countStatuses(past.results);
      out.push(`| ${past.startedAt} | ${st(overall(past))} | ${c.fail} | ${c.error} | ${c.warn} | ${c.pass} |`);
    }
  }
  for (const [product, results] of products) {
    out.push('', `## ${product}`, '', `| ${[t('Status'), t('Check'), t('Where'), t('Measured'), t('Expected'), t('Guide §')].join(' | ')} |`, '|---|---|---|---|---|---|');
    for (const r of results) out.push(`| ${st(r.status)} | ${mdCell(pick(r.title, lang))} | ${mdCell(where(r, t))} | ${mdCell(value(r))} | ${mdCell(resultText(r, 'threshold', lang))} | ${r.section} |`);
  }
  return out.join('\n') + '\n';
}

export function overall(inspection: Inspection): CheckStatus {
  return rollUp(inspection.results.filter((r) => !notRun(r.status))) ?? 'manual';
}

function sortByStatus(results: CheckResult[]): CheckResult[] {
  return [...results].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status));
}

// ---- HTML ----------------------------------------------------------------------------------------

export function escapeHtml(text: string | undefined): string {
  return (text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** One horizontal stacked bar per product: how many checks passed, warned, failed… */
export function productChartSvg(inspection: Inspection, lang: Lang = 'en'): string {
  const products = [...byProduct(inspection.results.filter((r) => !notRun(r.status)))];
  const rowH = 26;
  const labelW = 130;
  const barW = 420;
  const height = products.length * rowH + 30;
  const max = Math.max(1, ...products.map(([, rs]) => rs.length));
  const rows = products.map(([product, results], i) => {
    const c = countStatuses(results);
    let x = labelW;
    const y = 8 + i * rowH;
    const segments = (['pass', 'warn', 'fail', 'error'] as CheckStatus[])
      .filter((s) => c[s])
      .map((s) => {
        const w = (c[s] / max) * barW;
        const rect = `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${STATUS_COLOR[s]}"><title>${escapeHtml(product)}: ${c[s]} ${statusWord(s, lang)}</title></rect>`;
        x += w;
        return rect;
      })
      .join('');
    return `<text x="${labelW - 8}" y="${y + rowH / 2}" text-anchor="end" font-size="13">${escapeHtml(product)}</text>${segments}<text x="${(x + 6).toFixed(1)}" y="${y + rowH / 2}" font-size="12">${c.pass}✓ ${c.fail + c.error ? `${c.fail + c.error}✗` : ''}</text>`;
  });
  const legend = (['pass', 'warn', 'fail', 'error'] as CheckStatus[])
    .map((s, i) => `<rect x="${labelW + i * 90}" y="${height - 16}" width="12" height="12" fill="${STATUS_COLOR[s]}"/><text x="${labelW + i * 90 + 16}" y="${height - 6}" font-size="12">${statusWord(s, lang)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(translator(lang)('Checks per product'))}" width="${labelW + barW + 80}" height="${height}" font-family="sans-serif" dominant-baseline="middle">${rows.join('')}${legend}</svg>`;
}

/** The last runs side by side: a column per run, failing share in red. */
export function trendSvg(runs: Inspection[], lang: Lang = 'en'): string {
  const t = translator(lang);
  const ordered = [...runs].reverse();
  const colW = 28;
  const h = 90;
  const width = Math.max(1, ordered.length) * colW + 40;
  const cols = ordered.map((run, i) => {
    const c = countStatuses(run.results.filter((r) => !notRun(r.status)));
    const total = Math.max(1, c.pass + c.warn + c.fail + c.error);
    const x = 30 + i * colW;
    let y = h;
    const parts = (['pass', 'warn', 'error', 'fail'] as CheckStatus[]).map((s) => {
      const hh = (c[s] / total) * (h - 10);
      y -= hh;
      return hh > 0 ? `<rect x="${x}" y="${y.toFixed(1)}" width="${colW - 6}" height="${hh.toFixed(1)}" fill="${STATUS_COLOR[s]}"><title>${escapeHtml(run.startedAt)}: ${escapeHtml(countsText(c, lang))}</title></rect>` : '';
    });
    return parts.join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(t('last runs'))}" width="${width}" height="${h + 16}" font-family="sans-serif"><text x="0" y="${h}" font-size="11">${escapeHtml(t('old'))}</text>${cols.join('')}<text x="${width - 24}" y="${h + 12}" font-size="11">${escapeHtml(t('new'))}</text></svg>`;
}

export function htmlReport(inspection: Inspection, options: ReportOptions = {}): string {
  const lang = options.lang ?? 'en';
  const t = translator(lang);
  const value = (r: CheckResult) => resultText(r, 'value', lang) ?? resultText(r, 'message', lang);
  const total = countStatuses(inspection.results);
  const status = overall(inspection);
  const runs = [inspection, ...(options.history ?? []).filter((h) => h.startedAt !== inspection.startedAt)].slice(0, 20);
  const problems = sortByStatus(inspection.results.filter((r) => r.status === 'fail' || r.status === 'error' || r.status === 'warn'));
  const badge = (s: CheckStatus) => `<span class="b ${s}">${escapeHtml(statusWord(s, lang))}</span>`;
  const row = (r: CheckResult) =>
    `<tr><td>${badge(r.status)}</td><td>${escapeHtml(pick(r.title, lang))}<div class="id">${escapeHtml(r.checkId)}</div></td><td>${escapeHtml(where(r, t))}</td><td>${escapeHtml(value(r))}</td><td>${escapeHtml(resultText(r, 'threshold', lang))}</td><td>§${escapeHtml(r.section)}</td></tr>`;
  const products = [...byProduct(inspection.results)];
  return `<!doctype html>
<html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8"><title>${escapeHtml(t('SOFA Ops inspection'))} ${escapeHtml(inspection.startedAt)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em}table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
.b{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px;font-weight:600}
${SHOWN.map((s) => `.${s}{background:${STATUS_COLOR[s]}}`).join('')}
.id{color:#777;font-size:12px}.action{margin:.2em 0 .8em 1.2em;color:#333}.summary{font-size:1.1em}
</style></head><body>
<h1>${escapeHtml(t('SOFA Ops inspection'))}</h1>
<p class="summary">${badge(status)} ${escapeHtml(t('{0} — {1} hosts, {2} s, {3}', countsText(total, lang), inspection.hosts.length, (inspection.durationMs / 1000).toFixed(1), inspection.startedAt))}</p>
<h2>${escapeHtml(t('Checks per product'))}</h2>
${productChartSvg(inspection, lang)}
${runs.length > 1 ? `<h2>${escapeHtml(t('Last {0} runs', runs.length))}</h2>\n${trendSvg(runs, lang)}` : ''}
${problems.length ? `<h2>${escapeHtml(t('Needs attention'))}</h2>\n<ul>${problems.map((r) => `<li>${badge(r.status)} <b>${escapeHtml(pick(r.title, lang))}</b> — ${escapeHtml(where(r, t))} (${escapeHtml(r.product)}, §${escapeHtml(r.section)}): ${escapeHtml(value(r))}${resultText(r, 'threshold', lang) ? escapeHtml(t(' (expected {0})', resultText(r, 'threshold', lang)!)) : ''}${r.action ? `<div class="action">${escapeHtml(bothLanguages(r.action, lang))}</div>` : ''}</li>`).join('\n')}</ul>` : `<p>${escapeHtml(t('Nothing needs attention.'))}</p>`}
${products.map(([product, results]) => `<h2>${escapeHtml(product)} ${badge(rollUp(results) ?? 'manual')}</h2>\n<table><tr>${['Status', 'Check', 'Where', 'Measured', 'Expected', 'Guide'].map((h) => `<th>${escapeHtml(t(h))}</th>`).join('')}</tr>\n${results.map(row).join('\n')}</table>`).join('\n')}
</body></html>
`;
}

// ---- JUnit -----------------------------------------------------------------------------------------

export function escapeXml(text: string | undefined): string {
  return (text ?? '')
    // XML 1.0 cannot carry most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '') // eslint-disable-line no-control-regex
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function junitReport(inspection: Inspection): string {
  const suites = [...byProduct(inspection.results)].map(([product, results]) => {
    const c = countStatuses(results);
    const time = (results.reduce((a, r) => a + r.durationMs, 0) / 1000).toFixed(3);
    const cases = results.map((r) => {
      const name = `${r.checkId} @ ${where(r)}`;
      const detail = [r.message, r.threshold ? `expected: ${r.threshold}` : '', `guide §${r.section}`, r.action ? `action: ${r.action.en} / ${r.action.zh}` : ''].filter(Boolean).join('\n');
      const body =
        r.status === 'fail' ? `<failure message="${escapeXml(r.value ?? r.message)}" type="FAIL">${escapeXml(detail)}</failure>`
        : r.status === 'error' ? `<error message="${escapeXml(r.message)}" type="ERROR">${escapeXml(detail)}</error>`
        : r.status === 'manual' ? `<skipped message="manual check: ${escapeXml(r.passWhen.en)}"/>`
        : r.status === 'na' ? `<skipped message="not applicable: ${escapeXml(r.message)}"/>`
        : r.status === 'warn' ? `<system-out>${escapeXml(`WARN ${detail}`)}</system-out>`
        : '';
      return `    <testcase classname="${escapeXml(`${product}.${r.component}`)}" name="${escapeXml(name)}" time="${(r.durationMs / 1000).toFixed(3)}">${body}</testcase>`;
    });
    return `  <testsuite name="${escapeXml(product)}" tests="${results.length}" failures="${c.fail}" errors="${c.error}" skipped="${c.manual + c.na}" time="${time}" timestamp="${escapeXml(inspection.startedAt.replace(/Z$/, ''))}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const c = countStatuses(inspection.results);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="SOFA Ops inspection" tests="${inspection.results.length}" failures="${c.fail}" errors="${c.error}" skipped="${c.manual + c.na}" time="${(inspection.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
