/**
 * Run reports: Markdown for people, JUnit XML for CI dashboards, JSON for tools. Secrets are already
 * redacted in the results (and expect failures name parameters, not values). Audit records that could
 * not be written are part of every format: such a run failed even when each step passed.
 */
import type { CellResult, RunResult } from './runbookRunner';

export type ReportFormat = 'md' | 'junit' | 'json';

export function renderReport(format: ReportFormat, title: string, result: RunResult): string {
  if (format === 'json') return JSON.stringify({ title, ...result }, null, 2) + '\n';
  if (format === 'junit') return junit(title, result);
  return markdown(title, result);
}

const ICON: Record<string, string> = { ok: '✅', done: '✅', failed: '❌', error: '❌', declined: '⛔', 'not-done': '⛔', cancelled: '⏹', skipped: '⏭' };

function markdown(title: string, result: RunResult): string {
  const lines = [`# ${title}`, '', `Result: **${result.cancelled ? 'cancelled' : result.ok ? 'passed' : 'failed'}**`, ''];
  lines.push('| # | step | status | hosts | time |', '|---|---|---|---|---|');
  for (const c of result.cells) {
    lines.push(`| ${c.index + 1} | ${esc(c.name)}${c.isFinally ? ' (finally)' : ''} | ${ICON[c.status] ?? ''} ${c.status} | ${esc(c.hosts.map((h) => h.host).join(', '))} | ${(c.durationMs / 1000).toFixed(1)} s |`);
  }
  for (const c of result.cells.filter((x) => x.command || x.message || x.skip)) {
    lines.push('', `## ${c.index + 1}. ${c.name}`, '');
    if (c.command) lines.push('```sh', c.command, '```');
    if (c.message) lines.push('', `> ${c.message}`);
    else if (c.skip) lines.push('', `> ${c.skip.reason}`);
    for (const h of c.skippedHosts ?? []) lines.push('', `**${h.host}** — skipped: ${h.reason}`);
    for (const h of c.hosts) {
      lines.push('', `**${h.host}** — ${h.outcome}${h.exitCode !== null ? ` (exit ${h.exitCode})` : ''}${h.expectFailed ? `, ${h.expectFailed}` : ''}`);
      const out = (h.stdout + (h.stderr ? `\n[stderr]\n${h.stderr}` : '')).trim();
      if (out) lines.push('', '```', out.length > 4000 ? `${out.slice(0, 4000)}\n[…]` : out, '```');
    }
  }
  if (result.auditErrors?.length) lines.push('', '## ⚠ Audit trail incomplete', '', ...result.auditErrors.map((e) => `- ${esc(e)}`));
  if (!result.ok && result.rollbackCells.length) lines.push('', `Rollback section available: cells ${result.rollbackCells.map((i) => i + 1).join(', ')}.`);
  return lines.join('\n') + '\n';
}

function junit(title: string, result: RunResult): string {
  const audit = result.auditErrors?.length ? [`<testcase classname="${xml(title)}" name="audit trail" time="0.000"><failure message="${xml(`${result.auditErrors.length} audit record(s) could not be written`)}">${xml(result.auditErrors.join('\n'))}</failure></testcase>`] : [];
  const cases = [...result.cells.map((c) => junitCase(title, c)), ...audit].join('\n');
  const failures = result.cells.filter((c) => ['failed', 'error', 'declined', 'not-done', 'cancelled'].includes(c.status)).length + audit.length;
  const skipped = result.cells.filter((c) => c.status === 'skipped').length;
  const time = result.cells.reduce((t, c) => t + c.durationMs, 0) / 1000;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n<testsuite name="${xml(title)}" tests="${result.cells.length + audit.length}" failures="${failures}" skipped="${skipped}" time="${time.toFixed(3)}">\n${cases}\n</testsuite>\n</testsuites>\n`;
}

function junitCase(title: string, c: CellResult): string {
  const head = `<testcase classname="${xml(title)}" name="${xml(c.name)}" time="${(c.durationMs / 1000).toFixed(3)}">`;
  const output = c.hosts.map((h) => `== ${h.host} (${h.outcome}) ==\n${h.stdout}${h.stderr ? `\n[stderr]\n${h.stderr}` : ''}`).join('\n');
  let body = '';
  if (c.status === 'skipped') body = c.skip ? `<skipped message="${xml(c.skip.reason)}"/>` : '<skipped/>';
  else if (!['ok', 'done'].includes(c.status)) body = `<failure message="${xml(c.message ?? c.status)}">${xml(c.command ?? '')}</failure>`;
  return `${head}${body}${output ? `<system-out>${xml(output)}</system-out>` : ''}</testcase>`;
}

function xml(text: string): string {
  // Control characters are not allowed in XML 1.0; remote output can contain them.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}

function esc(text: string): string {
  return text.replace(/\|/g, '\\|');
}
