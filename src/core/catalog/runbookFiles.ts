/** Finds `*.runbook.md` files in product folders so the tree can list them next to the catalog. */
import { promises as fs } from 'fs';
import * as path from 'path';
import { parse as parseYaml } from 'yaml';
import type { RunbookRef } from './catalogTree';

export async function listRunbooks(roots: string[]): Promise<RunbookRef[]> {
  const found: RunbookRef[] = [];
  for (const root of roots) {
    let products: string[];
    try {
      products = (await fs.readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      continue; // a missing root is reported by the catalog loader already
    }
    for (const product of products.sort()) {
      for (const name of (await fs.readdir(path.join(root, product))).filter((n) => n.endsWith('.runbook.md')).sort()) {
        const file = path.join(root, product, name);
        found.push({ product, file, ...describeRunbook(await fs.readFile(file, 'utf8'), name) });
      }
    }
  }
  return found;
}

/** Title and components from the front matter (or the first heading); tolerant of broken files. */
export function describeRunbook(text: string, fallbackTitle: string): { title: string; components: string[] } {
  let title: string | undefined;
  let components: string[] = [];
  const front = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (front) {
    try {
      const data = parseYaml(front[1]) as { title?: unknown; components?: unknown; component?: unknown } | null;
      if (typeof data?.title === 'string') title = data.title;
      const list = data?.components ?? data?.component;
      components = (Array.isArray(list) ? list : list ? [list] : []).map(String);
    } catch {
      // The runbook editor reports front-matter errors; the tree still lists the file.
    }
  }
  title ??= /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? fallbackTitle.replace(/\.runbook\.md$/, '');
  return { title, components };
}
