/**
 * A cold CLI run (`sofa-ops exec`, `run`, `inspect`) spends most of its inventory time in the YAML
 * parser's first, unoptimised pass (~50 ms for 50 hosts, a third of a cold `exec`). The parsed and
 * validated model is kept in the CLI's cache folder, keyed by everything the result depends on:
 * the file's exact content (a SHA-256 of its bytes, never its mtime), the options, the home folder
 * `~` expands to, and the code that parses it. An inventory with problems is never cached, so its
 * problems are reported on every run; a cache that cannot be read or written only costs speed.
 */
import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type Inventory, type InventoryLoadResult, type InventoryOptions, loadInventory, parseInventory } from './inventory';

/** Bump when the cached shape changes. */
const CACHE_FORMAT = 1;

interface CachedInventory {
  key: string;
  inventory: Omit<Inventory, 'groups'> & { groups: Array<[string, string[]]> };
}

export async function loadInventoryCached(file: string, options: InventoryOptions, cacheDir: string | undefined): Promise<InventoryLoadResult> {
  if (!cacheDir) return loadInventory(file, options);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch {
    return loadInventory(file, options); // the same "cannot read" problem as without a cache
  }
  const key = await cacheKey(file, bytes, options);
  const cacheFile = path.join(cacheDir, `inventory-${createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 16)}.json`);
  try {
    const cached = JSON.parse(await fs.readFile(cacheFile, 'utf8')) as CachedInventory;
    if (cached.key === key) return { inventory: { ...cached.inventory, groups: new Map(cached.inventory.groups) }, problems: [] };
  } catch {
    // No cache yet, or an unreadable one: parse.
  }
  const result = parseInventory(file, bytes.toString('utf8'), options);
  if (result.problems.length === 0) {
    try {
      await fs.mkdir(cacheDir, { recursive: true, mode: 0o700 });
      const temp = `${cacheFile}.${process.pid}.tmp`;
      const entry: CachedInventory = { key, inventory: { ...result.inventory, groups: [...result.inventory.groups] } };
      await fs.writeFile(temp, JSON.stringify(entry), { mode: 0o600 });
      await fs.rename(temp, cacheFile);
    } catch {
      // Best effort, see the header.
    }
  }
  return result;
}

async function cacheKey(file: string, bytes: Buffer, options: InventoryOptions): Promise<string> {
  // The code that parses (schema and validators bundled in it) is part of the result.
  const self = await fs.stat(__filename).catch(() => undefined);
  const known = options.knownComponents ? [...(options.knownComponents instanceof Map ? options.knownComponents.entries() : options.knownComponents)].map(String).sort() : null;
  return createHash('sha256')
    .update(JSON.stringify([CACHE_FORMAT, self?.size, self?.mtimeMs, path.resolve(file), os.homedir(), options.format ?? null, known]))
    .update(bytes)
    .digest('hex');
}
