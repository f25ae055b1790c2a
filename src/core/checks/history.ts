/**
 * Past inspections kept in the workspace (`.sofa-ops/inspections/<timestamp>.json`), so the report
 * can show a trend: one JSON file per run, named by its start time so a directory listing sorts.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import type { Inspection } from './types';

export const HISTORY_DIR = path.join('.sofa-ops', 'inspections');

export function historyFileName(inspection: Inspection): string {
  return `${inspection.startedAt.replace(/[:.]/g, '-')}.json`;
}

export async function saveInspection(dir: string, inspection: Inspection): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, historyFileName(inspection));
  await fs.writeFile(file, JSON.stringify(inspection, null, 1) + '\n');
  return file;
}

/** The last `limit` inspections, newest first; unreadable files are skipped (and named). */
export async function loadHistory(dir: string, limit = 20): Promise<{ inspections: Inspection[]; skipped: string[] }> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort().reverse();
  } catch {
    return { inspections: [], skipped: [] };
  }
  const inspections: Inspection[] = [];
  const skipped: string[] = [];
  for (const name of names) {
    if (inspections.length >= limit) break;
    try {
      const parsed = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as Inspection;
      if (typeof parsed.startedAt !== 'string' || !Array.isArray(parsed.results)) throw new Error('not an inspection');
      inspections.push(parsed);
    } catch {
      skipped.push(path.join(dir, name));
    }
  }
  return { inspections, skipped };
}

/** `2026-12-03T11-47-29-123Z.json` → its start time in ms (NaN for other names). */
function nameTime(name: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.json$/.exec(name);
  return m ? Date.parse(`${m[1]}:${m[2]}:${m[3]}.${m[4]}Z`) : NaN;
}

/**
 * The past inspections a rule can compare with: the last `recent` runs (consecutive periods) and
 * those that started near the same time yesterday and last week (baselines), read by file name so
 * a history of thousands of runs costs a directory listing and a few files.
 */
export async function loadRuleHistory(dir: string, now: Date, recent = 10, toleranceMs = 30 * 60_000): Promise<Inspection[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => n.endsWith('.json')).sort().reverse();
  } catch {
    return [];
  }
  const targets = [86_400_000, 7 * 86_400_000].map((ago) => now.getTime() - ago);
  const wanted = new Set(names.slice(0, recent));
  for (const n of names) if (targets.some((t) => Math.abs(nameTime(n) - t) <= toleranceMs)) wanted.add(n);
  const out: Inspection[] = [];
  for (const name of wanted) {
    try {
      const parsed = JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')) as Inspection;
      if (typeof parsed.startedAt === 'string' && Array.isArray(parsed.results)) out.push(parsed);
    } catch {
      // An unreadable run is no baseline; loadHistory names it for the report.
    }
  }
  return out;
}
