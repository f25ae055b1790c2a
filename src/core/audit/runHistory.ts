/**
 * Runbook runs as the audit trail tells them: the records of one run (its "run-start", then a
 * record per step) grouped back together, so the editor can list who ran what, when, on which
 * hosts and how it ended, and show a run's report long after the run's own window is gone.
 *
 * Runs by different people or of different runbooks may interleave in one trail (two editors, a
 * CLI in CI): a step belongs to the latest open run of the same runbook by the same person. Steps
 * written before runs were announced (older trails) form a run of their own.
 */
import { promises as fs } from 'fs';
import type { Lang } from '../catalog/types';
import { translator } from '../l10n';
import type { AuditRecord } from './auditTrail';

export type RunOutcome = 'passed' | 'failed' | 'cancelled' | 'incomplete';

export interface RunStep {
  seq: number;
  at: string;
  /** cell, manual-step or cell-skipped. */
  kind: string;
  name: string;
  /** The step's status as the runner wrote it: ok, failed, skipped, declined, done, not-done, cancelled, error. */
  status: string;
  /** What the note says after the status (the failure or the reason for a skip). */
  detail?: string;
  command?: string;
  results: Array<{ host: string; outcome: string; exitCode: number | null }>;
  durationMs?: number;
}

export interface RunRecord {
  /** The audit sequence number of the run's first record: stable, unique in the trail. */
  seq: number;
  runbook: string;
  who: string;
  startedAt: string;
  /** Time of the run's last record. */
  endedAt: string;
  /** Steps the run announced at its start, when it did. */
  planned?: number;
  steps: RunStep[];
  /** Every host a step ran on (or was skipped on), in the order they first appear. */
  hosts: string[];
  outcome: RunOutcome;
}

export interface RunHistory {
  /** Newest first. */
  runs: RunRecord[];
  /** Lines that are not audit records (`file:line: why`); the rest is still listed. */
  problems: string[];
}

const FAILED = new Set(['failed', 'error', 'declined', 'not-done']);
const STEP_KINDS = new Set(['cell', 'manual-step', 'cell-skipped']);

/** Groups audit records (in trail order) into runs, newest first. */
export function groupRuns(records: readonly AuditRecord[]): RunRecord[] {
  const runs: RunRecord[] = [];
  const open = new Map<string, RunRecord>();
  const keyOf = (r: AuditRecord) => `${r.who}\0${r.runbook ?? ''}`;
  for (const r of records) {
    if (r.kind === 'run-start') {
      const planned = Number(/^(\d+) cell/.exec(r.note ?? '')?.[1]);
      const run: RunRecord = { seq: r.seq, runbook: r.runbook ?? '', who: r.who, startedAt: r.at, endedAt: r.at, planned: Number.isFinite(planned) ? planned : undefined, steps: [], hosts: [], outcome: 'incomplete' };
      runs.push(run);
      open.set(keyOf(r), run);
      continue;
    }
    if (!STEP_KINDS.has(r.kind)) continue;
    let run = open.get(keyOf(r));
    if (!run) {
      run = { seq: r.seq, runbook: r.runbook ?? '', who: r.who, startedAt: r.at, endedAt: r.at, steps: [], hosts: [], outcome: 'incomplete' };
      runs.push(run);
      open.set(keyOf(r), run);
    }
    run.steps.push(stepOf(r));
    run.endedAt = r.at;
  }
  for (const run of runs) {
    run.hosts = [...new Set(run.steps.flatMap((s) => s.results.map((x) => x.host)))];
    run.outcome = outcomeOf(run);
  }
  return runs.reverse();
}

function stepOf(r: AuditRecord): RunStep {
  const note = r.note ?? '';
  const m = /^([a-z-]+)(?::\s*([\s\S]*))?$/.exec(note);
  const status = m?.[1] ?? (r.kind === 'cell-skipped' ? 'skipped' : 'ok');
  const detail = m ? m[2]?.trim() || undefined : note || undefined;
  return { seq: r.seq, at: r.at, kind: r.kind, name: r.cell ?? '', status, detail, command: r.command, results: r.results ?? [], durationMs: r.durationMs };
}

function outcomeOf(run: RunRecord): RunOutcome {
  if (run.steps.some((s) => s.status === 'cancelled')) return 'cancelled';
  if (run.steps.some((s) => FAILED.has(s.status))) return 'failed';
  // Fewer steps than announced: still running, or the run was cut off (the editor closed).
  if (run.planned !== undefined && run.steps.length < run.planned) return 'incomplete';
  return run.steps.length || run.planned === 0 ? 'passed' : 'incomplete';
}

/** Parses a trail's text: every record, and what could not be read, by line. */
export function parseRunHistory(text: string, file: string): RunHistory {
  const records: AuditRecord[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = JSON.parse(line) as AuditRecord;
      if (typeof r.kind !== 'string' || typeof r.seq !== 'number' || typeof r.at !== 'string') throw new Error('not an audit record');
      records.push(r);
    } catch (err) {
      problems.push(`${file}:${i + 1}: ${err instanceof SyntaxError ? 'not JSON (a truncated or edited line)' : (err as Error).message}`);
    }
  });
  return { runs: groupRuns(records), problems };
}

/** The runs of the trail at `file`; no file yet is no runs. */
export async function readRunHistory(file: string): Promise<RunHistory> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], problems: [] };
    throw new Error(`${file}: ${(err as Error).message}`);
  }
  return parseRunHistory(text, file);
}

/** The outcome as a word in `lang`. */
export function outcomeWord(outcome: RunOutcome, lang: Lang): string {
  const t = translator(lang);
  return { passed: t('passed'), failed: t('failed'), cancelled: t('cancelled'), incomplete: t('incomplete') }[outcome];
}

const ICON: Record<string, string> = { ok: '✅', done: '✅', failed: '❌', error: '❌', declined: '⛔', 'not-done': '⛔', cancelled: '⏹', skipped: '⏭' };

/** The run's report in Markdown, from its audit records (outputs are not in the trail: their digests are). */
export function runHistoryReport(run: RunRecord, lang: Lang): string {
  const t = translator(lang);
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `# ${run.runbook}`,
    '',
    `- ${t('Result: {0}', `**${outcomeWord(run.outcome, lang)}**`)}`,
    `- ${t('Run by {0}', run.who)}`,
    `- ${t('Started {0}, last step {1}', run.startedAt, run.endedAt)}`,
    `- ${t('Hosts: {0}', run.hosts.join(', ') || t('none'))}`,
    '',
    `| # | ${t('step')} | ${t('status')} | ${t('hosts')} | ${t('time')} |`,
    '|---|---|---|---|---|',
  ];
  run.steps.forEach((s, i) => {
    const time = s.durationMs === undefined ? '' : `${(s.durationMs / 1000).toFixed(1)} s`;
    lines.push(`| ${i + 1} | ${esc(s.name)} | ${ICON[s.status] ?? ''} ${s.status} | ${esc(s.results.map((r) => r.host).join(', '))} | ${time} |`);
  });
  run.steps.forEach((s, i) => {
    if (!s.command && !s.detail && !s.results.length) return;
    lines.push('', `## ${i + 1}. ${s.name}`, '');
    if (s.command) lines.push('```sh', s.command, '```');
    if (s.detail) lines.push(...(s.command ? [''] : []), `> ${s.detail.replace(/\n/g, ' ')}`);
    for (const r of s.results) lines.push('', `**${r.host}** — ${r.outcome}${r.exitCode !== null ? ` (${t('exit {0}', r.exitCode)})` : ''}`);
  });
  if (run.planned !== undefined && run.steps.length < run.planned) lines.push('', t('{0} of {1} step(s) are in the audit trail: the run is still going, or it was cut off.', run.steps.length, run.planned));
  lines.push('', t('From the audit trail (records {0}–{1}); command output is not kept there, only its digest.', run.seq, run.steps.at(-1)?.seq ?? run.seq));
  return lines.join('\n') + '\n';
}
