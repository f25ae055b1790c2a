/**
 * Which runbooks fix a failed check: runbooks of the check's product whose front matter names
 * the check's guide section (or a section above/below it) or one of its components.
 */
import { promises as fs } from 'fs';
import { parse as parseYaml } from 'yaml';
import type { RunbookRef } from '../catalog/catalogTree';
import type { CheckResult } from './types';

export interface RunbookLink extends RunbookRef {
  section?: string;
}

/** Adds each runbook's front matter `section` (the tree's refs do not carry it). */
export async function withSections(runbooks: readonly RunbookRef[]): Promise<RunbookLink[]> {
  return Promise.all(
    runbooks.map(async (r) => {
      try {
        const front = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(await fs.readFile(r.file, 'utf8'));
        const section = (front ? (parseYaml(front[1]) as { section?: unknown } | null)?.section : undefined) ?? undefined;
        return { ...r, ...(section !== undefined ? { section: String(section) } : {}) };
      } catch {
        return { ...r };
      }
    }),
  );
}

function sectionsMeet(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** Best first: a section match, then a component match. */
export function runbooksFor(result: Pick<CheckResult, 'product' | 'section' | 'component'>, runbooks: readonly RunbookLink[], sameComponent: (a: string, b: string) => boolean = (a, b) => a === b): RunbookLink[] {
  const scored = runbooks
    .filter((r) => r.product === result.product)
    .map((r) => ({ r, score: (r.section && sectionsMeet(r.section, result.section) ? 2 : 0) + (r.components.some((c) => sameComponent(c, result.component)) ? 1 : 0) }))
    .filter((x) => x.score > 0);
  return scored.sort((a, b) => b.score - a.score).map((x) => x.r);
}
