/**
 * The triage panel: what the guide says about the pasted text, best match first — explanation,
 * action, § link, related checks and runbooks, and "Run runbook on HOST" when the text (or the log
 * it came from) names a host. Links are command URIs limited to our own commands; no scripts.
 */
import * as vscode from 'vscode';
import { pick } from '../core/catalog/text';
import type { Lang } from '../core/catalog/types';
import { Disposable } from '../core/dispose';
import type { TriageAnswer, TriageResult } from '../core/triage/triageIndex';
import { CommandIds } from '../vscode/ids';
import { catalogLanguage } from '../vscode/settings';

export const TRIAGE_PANEL_TYPE = 'sofaOps.triage';

export interface TriageShown {
  text: string;
  answer: TriageAnswer;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function commandHref(command: string, ...args: unknown[]): string {
  return escapeHtml(`command:${command}?${encodeURIComponent(JSON.stringify(args))}`);
}

export class TriagePanel extends Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** What is on screen, for tests. */
  shown: TriageShown | undefined;

  show(text: string, answer: TriageAnswer, first = 0): void {
    const results = first > 0 ? [answer.results[first], ...answer.results.filter((_, i) => i !== first)] : answer.results;
    const ordered: TriageAnswer = { ...answer, results };
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(TRIAGE_PANEL_TYPE, '', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
        enableScripts: false,
        enableFindWidget: true,
        enableCommandUris: [CommandIds.openGuideSection, CommandIds.openRunbookForHost, CommandIds.triage],
      });
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.shown = undefined;
      });
      this.register({ dispose: () => this.panel?.dispose() });
    } else this.panel.reveal(vscode.ViewColumn.Beside);
    const lang = catalogLanguage();
    const top = results[0];
    this.panel.title = top ? vscode.l10n.t('Triage: {0}', shorten(pick(top.title, lang), 40)) : vscode.l10n.t('Triage: no match');
    this.panel.webview.html = render(text, ordered, lang);
    this.shown = { text, answer: ordered };
  }
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function render(text: string, answer: TriageAnswer, lang: Lang): string {
  const t = vscode.l10n.t;
  const body = answer.results.length
    ? answer.results.map((r, i) => result(r, i === 0, lang)).join('')
    : `<p>${escapeHtml(t('Nothing in the guide matches this text.'))}</p>`;
  const hosts = answer.hosts.length ? `<p class="meta">${escapeHtml(t('Hosts in the text: {0}', answer.hosts.map((h) => `${h.name} (${h.address})`).join(', ')))}</p>` : '';
  return `<!DOCTYPE html><html lang="${lang === 'zh' ? 'zh-CN' : 'en'}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';">
<style>body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);line-height:1.5;padding:0 1.2em}
pre{font-family:var(--vscode-editor-font-family);background:var(--vscode-textCodeBlock-background);padding:.5em;white-space:pre-wrap;word-break:break-all}
.result{border-top:1px solid var(--vscode-panel-border);padding:.4em 0}.badge{font-size:85%;opacity:.8;border:1px solid var(--vscode-panel-border);border-radius:3px;padding:0 .3em;margin-right:.4em}
.meta{opacity:.8}a.button{display:inline-block;background:var(--vscode-button-background);color:var(--vscode-button-foreground);padding:.15em .7em;border-radius:2px;text-decoration:none;margin:.1em .3em .1em 0}
a.button.secondary{background:var(--vscode-button-secondaryBackground);color:var(--vscode-button-secondaryForeground)}h2{margin:.3em 0}h3{font-size:100%;margin:.6em 0 .2em}</style>
</head><body><pre class="query">${escapeHtml(text.length > 2000 ? `${text.slice(0, 2000)}…` : text)}</pre>${hosts}${body}</body></html>`;
}

function result(r: TriageResult, main: boolean, lang: Lang): string {
  const t = vscode.l10n.t;
  const text = (b: Parameters<typeof pick>[0]) => escapeHtml(pick(b, lang));
  const kind = `<span class="badge">${escapeHtml(r.kind)}${r.severity ? ` · ${escapeHtml(r.severity)}` : ''}${r.exact ? ` · ${escapeHtml(t('exact match'))}` : ''}</span>`;
  const where = [r.product, r.components.join(', ')].filter(Boolean).join(' / ');
  const host = r.host ? ` · ${escapeHtml(t('host {0} ({1})', r.host.name, r.host.address))}` : '';
  const section = `<a href="${commandHref(CommandIds.openGuideSection, r.section)}">${escapeHtml(t('Guide §{0}', r.section))}</a>`;
  const title = main ? `<h2>${kind}${text(r.title)}</h2>` : `<h3>${kind}${text(r.title)}</h3>`;
  const parts = [`<div class="result" data-kind="${escapeHtml(r.kind)}" data-id="${escapeHtml(r.id)}">${title}<p class="meta">${escapeHtml(where)}${host} · ${section}</p>`];
  if (r.matched) parts.push(`<p class="meta">${escapeHtml(t('Matched: {0}', r.matched))}</p>`);
  if (r.explanation) parts.push(`${main ? `<h3>${escapeHtml(t('Explanation'))}</h3>` : ''}<p>${text(r.explanation)}</p>`);
  if (r.action) {
    const from = r.actionFrom ? r.checks.find((c) => c.id === r.actionFrom) : undefined;
    const source = from ? ` <span class="meta">${escapeHtml(t('(from the check “{0}”)', pick(from.title, lang)))}</span>` : '';
    parts.push(`<h3>${escapeHtml(t('Action'))}${source}</h3><p class="action">${text(r.action).replace(/\n/g, '<br>')}</p>`);
  }
  if (main && r.checks.length) {
    parts.push(`<h3>${escapeHtml(t('Related checks'))}</h3><ul>${r.checks.map((c) => `<li>${text(c.title)} — <a href="${commandHref(CommandIds.openGuideSection, c.section)}">§${escapeHtml(c.section)}</a></li>`).join('')}</ul>`);
  }
  if (r.runbooks.length) {
    const items = r.runbooks.map((b) => {
      const open = `<a class="button secondary" href="${commandHref(CommandIds.openRunbookForHost, b.file)}">${escapeHtml(t('Open runbook'))}</a>`;
      const run = r.host ? `<a class="button run" href="${commandHref(CommandIds.openRunbookForHost, b.file, r.host.name)}">${escapeHtml(t('Run runbook on {0}', r.host.name))}</a>` : '';
      return `<li data-runbook="${escapeHtml(b.file)}">${escapeHtml(b.title)} ${run}${open}</li>`;
    });
    parts.push(`<h3>${escapeHtml(t('Runbooks'))}</h3><ul>${(main ? items : items.slice(0, 2)).join('')}</ul>`);
  }
  parts.push('</div>');
  return parts.join('');
}
