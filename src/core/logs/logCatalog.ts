/**
 * The part of the catalog that log scanning needs (log files and known patterns), which log a
 * file is, and a fast way to load it: a command-line scan must not spend longer reading and
 * validating 400 KB of YAML than scanning a large log, so the validated result is cached as JSON
 * next to a fingerprint (size and mtime of every catalog file, and of the code that read them).
 */
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { isCatalogFileName, loadCatalog } from '../catalog/catalogLoader';
import type { SourceProblem } from '../sourceProblem';
import type { Catalog, LogFile, LogPattern } from '../catalog/types';

export interface LogCatalog {
  logs: LogFile[];
  patterns: LogPattern[];
}

export function logCatalogOf(catalog: Catalog): LogCatalog {
  return {
    logs: catalog.products.flatMap((p) => p.logs),
    patterns: catalog.products.flatMap((p) => p.patterns),
  };
}

/**
 * Which catalog log(s) a file is: by log id, else by the longest run of trailing path segments
 * shared with the catalog's paths (`/x/drmdata/drm-monitor.log` is drmdata's, not the client's
 * `logs/drm/drm-monitor.log`), rotated names (`registry-session.log.1`,
 * `common-error.log.2024-05-06`) included. Several logs come back when the name is ambiguous
 * (`common-error.log`); none when the catalog does not know the file.
 */
export function resolveLogs(catalog: LogCatalog, idOrPath: string): LogFile[] {
  const byId = catalog.logs.find((l) => l.id === idOrPath);
  if (byId) return [byId];
  const wanted = segments(idOrPath);
  if (!wanted.length) return [];
  const attempt = (last: string) => {
    const target = [...wanted.slice(0, -1), last];
    let best = 0;
    let found: LogFile[] = [];
    for (const log of catalog.logs) {
      const score = sharedSuffix(target, segments(log.path));
      if (score > best) {
        best = score;
        found = [log];
      } else if (score === best && score > 0) found.push(log);
    }
    return found;
  };
  const last = wanted[wanted.length - 1];
  const exact = attempt(last);
  if (exact.length) return exact;
  const unrotated = last.replace(/\.(?:\d+|\d{4}-?\d{2}-?\d{2}(?:[_.-]?\d{2})?)$/, '');
  return unrotated !== last ? attempt(unrotated) : [];
}

function segments(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s && s !== '.' && s !== '~');
}

function sharedSuffix(a: string[], b: string[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n++;
  return n;
}

export interface LogCatalogLoad {
  catalog: LogCatalog;
  problems: SourceProblem[];
  /** True when the catalog came from the cache. */
  cached: boolean;
}

/** Bump when the cached shape changes. */
const CACHE_FORMAT = 1;

/**
 * Load the logs and patterns of the catalog under `roots` (same rules as `loadCatalog`). With a
 * `cacheDir`, a valid catalog is cached there and reused until any catalog file changes; a
 * catalog with problems is never cached, so its problems are reported on every run.
 */
export async function loadLogCatalog(roots: string | string[], cacheDir?: string): Promise<LogCatalogLoad> {
  const rootList = Array.isArray(roots) ? roots : [roots];
  const cacheFile = cacheDir && path.join(cacheDir, `log-catalog-${hash(rootList.map((r) => path.resolve(r)).join('\0'))}.json`);
  const fingerprint = cacheFile ? await catalogFingerprint(rootList) : undefined;
  if (cacheFile && fingerprint) {
    try {
      const cached = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as { fingerprint: string; catalog: LogCatalog };
      if (cached.fingerprint === fingerprint) return { catalog: cached.catalog, problems: [], cached: true };
    } catch {
      // No cache yet, or an unreadable one: load from the source.
    }
  }
  const { catalog, problems } = await loadCatalog(rootList);
  const logCatalog = logCatalogOf(catalog);
  if (cacheFile && fingerprint && problems.length === 0) {
    // Best effort: a read-only home or a race with another run only costs speed.
    try {
      await fs.mkdir(path.dirname(cacheFile), { recursive: true });
      const temp = `${cacheFile}.${process.pid}.tmp`;
      await fs.writeFile(temp, JSON.stringify({ fingerprint, catalog: logCatalog }));
      await fs.rename(temp, cacheFile);
    } catch {
      // ignored, see above
    }
  }
  return { catalog: logCatalog, problems, cached: false };
}

export { defaultCacheDir } from '../cacheDir';

/** Size and mtime of every file the catalog would be read from, in the order it is read. */
async function catalogFingerprint(roots: string[]): Promise<string | undefined> {
  try {
    const parts: string[] = [`format ${CACHE_FORMAT}`];
    // The code that validates and reads the catalog (schema included) is part of the result.
    const self = await fs.stat(__filename).catch(() => undefined);
    parts.push(`code ${self?.size}:${self?.mtimeMs}`);
    const folders = new Map<string, string>();
    for (const root of roots) {
      for (const e of await fs.readdir(root, { withFileTypes: true })) if (e.isDirectory()) folders.set(e.name, path.join(root, e.name));
    }
    for (const [name, dir] of [...folders].sort(([a], [b]) => a.localeCompare(b))) {
      for (const file of (await fs.readdir(dir)).filter(isCatalogFileName).sort()) {
        const stat = await fs.stat(path.join(dir, file));
        parts.push(`${name}/${file} ${stat.size}:${stat.mtimeMs}`);
      }
    }
    return hash(parts.join('\n'));
  } catch {
    return undefined;
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
