/**
 * Run reports: Markdown for people, JUnit XML for CI dashboards, JSON for tools. Secrets are already
 * redacted in the results (and expect failures name parameters, not values). Audit records that could
 * not be written are part of every format: such a run failed even when each step passed.
 */
import type { Lang } from '../catalog/types';
import { selectorText } from '../inventory/selectorText';
import { translateKnown, translator, type Translate } from '../l10n';
import type { CellResult, HostOutcome, RunResult } from './runbookRunner';

export type ReportFormat = 'md' | 'junit' | 'json';

/** JSON and JUnit are for machines and stay English; the Markdown report is in `lang`. */
export function renderReport(format: ReportFormat, title: string, result: RunResult, lang: Lang = 'en'): string {
  if (format === 'json') return JSON.stringify({ title, ...result }, null, 2) + '\n';
  if (format === 'junit') return junit(title, result);
  return markdown(title, result, translator(lang));
}

/** The runner's own texts (runbookRunner.ts, expectation.ts), most specific first: what runText recognises. */
export const RUN_TEXTS = [
  'the run was cancelled',
  'not run: "{0}" failed and stopped the run',
  'the operator did not mark this step done',
  'ticked done by --manual done: no person confirmed it',
  'this cell has no target: add {target=SELECTOR} to its fence',
  'when={0} does not hold on {1}',
  'when={0} holds on no target host ({1})',
  'not confirmed',
  '{0}: not run because this step runs only after {1} passed, and {2}',
  'not run: it runs only after {0} passed, and {1}',
  'expect: {0}',
  'Run "{0}" on {1}?',
  'the audit trail {0} cannot be written ({1}); nothing was run',
];
/** Why an after= gate held a step back, one clause per step it waited for. */
export const GATE_TEXTS = ['"{0}" did not run', '"{0}" was {1} ({2})', '"{0}" was {1}', '"{0}" failed ({1})', '"{0}" failed', '"{0}" ended {1} ({2})', '"{0}" ended {1}'];
/** expectation.ts's failure details (its bundle keys): a host's expectFailed is the English one. */
export const EXPECT_TEXTS = [
  'found {0} in the output',
  'expected {0} in the output, found no output',
  'expected {0} in the output, found: {1}',
  'the output matches {0}',
  'expected output matching {0}, found no output',
  'expected output matching {0}, found: {1}',
  'the output is larger than {0} MiB, so {1} was not checked (a JSON expect reads at most {0} MiB)',
  'expected {0} in the JSON output, but the output is not JSON: {1}',
  'expected {0} in the JSON output, found no output',
  'expected {0} in the JSON output, found {1}',
  '{0} as expected',
];
export const WANTED_TEXTS = ['{0} other than {1}', 'nothing'];

/** What a host's expect found, in `t`'s language; the expectation as written and the output stay. */
function expectText(t: Translate, text: string): string {
  return translateKnown(t, text, EXPECT_TEXTS, (v) => translateKnown(t, v, WANTED_TEXTS));
}

/**
 * A runner message (a skip reason, a cell's message, a confirm question) in `t`'s language; what
 * it quotes (step names, selectors, hosts, host output, SSH errors) stays as it was.
 */
export function runText(t: Translate, text: string): string {
  const nested = (v: string): string => {
    // "a" and "b": the steps an after= gate names; a status word (skipped, error); else clauses.
    if (/^"[^"]*"(?: and "[^"]*")+$/.test(v)) return v.split(' and ').join(t(' and '));
    if (t(v) !== v) return t(v);
    return v.split('; ').map((part) => translateKnown(t, translateKnown(t, part, GATE_TEXTS, nested), RUN_TEXTS, nested)).join(t('; '));
  };
  // A target that selects nothing fails its cell with the selector's own error.
  return selectorText(t, translateKnown(t, text, RUN_TEXTS, nested));
}

/** resolveParameters' errors (parameters.ts), as it words them. */
export const PARAMETER_TEXTS = [
  'parameter "{0}" is required ({1})',
  'parameter "{0}" is required',
  'parameter "{0}": {1} is not a number',
  'parameter "{0}": {1} is not true or false',
  'parameter "{0}": {1} is not one of {2}',
  'parameter "{0}": its pattern is not a valid regex',
  'parameter "{0}": {1} does not match {2}',
  'unknown parameter "{0}"; declared: {1}',
];

/** A parameter's error in `t`'s language; names, values as shown and patterns stay as written. */
export function parameterText(t: Translate, text: string): string {
  return translateKnown(t, text, PARAMETER_TEXTS, (v) => (v === 'none' ? t(v) : v));
}

/** A host's line of a failed step, as runCell.ts words it: what failed there (expect, exit code, the SSH layer's message). */
function hostFailure(t: Translate, h: HostOutcome): string {
  if (h.expectFailed) return `${h.host}: ${expectText(t, h.expectFailed)}`;
  return `${h.host}: ${h.message ?? (h.outcome === 'failed' && h.exitCode !== null ? t('exit {0}', h.exitCode) : `${t(h.outcome)}${h.exitCode !== null ? t(' (exit {0})', h.exitCode) : ''}`)}`;
}

/** A cell's message in `t`'s language: a failed step's is rebuilt from its hosts, the others recognised. */
export function cellMessage(t: Translate, c: CellResult): string | undefined {
  if (!c.message) return undefined;
  const failed = c.hosts.filter((h) => h.outcome !== 'ok' || h.expectFailed);
  const en = translator('en');
  if (c.status === 'failed' && failed.length && failed.map((h) => hostFailure(en, h)).join('; ') === c.message) return failed.map((h) => hostFailure(t, h)).join(t('; '));
  return runText(t, c.message);
}

const ICON: Record<string, string> = { ok: '✅', done: '✅', failed: '❌', error: '❌', declined: '⛔', 'not-done': '⛔', cancelled: '⏹', skipped: '⏭' };

function markdown(title: string, result: RunResult, t: Translate): string {
  const verdict = t(result.cancelled ? 'cancelled' : result.ok ? 'passed' : 'failed');
  const lines = [`# ${title}`, '', t('Result: **{0}**', verdict), ''];
  lines.push(t('| # | step | status | hosts | time |'), '|---|---|---|---|---|');
  for (const c of result.cells) {
    lines.push(`| ${c.index + 1} | ${esc(c.name)}${c.isFinally ? t(' (finally)') : ''} | ${ICON[c.status] ?? ''} ${t(c.status)} | ${esc(c.hosts.map((h) => h.host).join(', '))} | ${t('{0} s', (c.durationMs / 1000).toFixed(1))} |`);
  }
  for (const c of result.cells.filter((x) => x.command || x.message || x.skip)) {
    lines.push('', `## ${c.index + 1}. ${c.name}`, '');
    if (c.command) lines.push('```sh', c.command, '```');
    if (c.message) lines.push('', `> ${cellMessage(t, c)}`);
    else if (c.skip) lines.push('', `> ${runText(t, c.skip.reason)}`);
    for (const h of c.skippedHosts ?? []) lines.push('', t('**{0}** — skipped: {1}', h.host, runText(t, h.reason)));
    for (const h of c.hosts) {
      lines.push('', `**${h.host}** — ${t(h.outcome)}${h.exitCode !== null ? t(' (exit {0})', h.exitCode) : ''}${h.expectFailed ? `${t(', ')}${expectText(t, h.expectFailed)}` : ''}`);
      const out = (h.stdout + (h.stderr ? `\n[stderr]\n${h.stderr}` : '')).trim();
      if (out) lines.push('', '```', out.length > 4000 ? `${out.slice(0, 4000)}\n[…]` : out, '```');
    }
  }
  if (result.auditErrors?.length) lines.push('', t('## ⚠ Audit trail incomplete'), '', ...result.auditErrors.map((e) => `- ${esc(e)}`));
  if (!result.ok && result.rollbackCells.length) lines.push('', t('Rollback section available: cells {0}.', result.rollbackCells.map((i) => i + 1).join(', ')));
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
