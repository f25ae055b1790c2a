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
