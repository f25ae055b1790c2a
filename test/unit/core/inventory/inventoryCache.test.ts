/** The CLI's inventory cache: never stale (keyed by content, not mtime), never hides a problem. */
import * as assert from 'assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { loadInventory } from '../../../../src/core/inventory/inventory';
import { loadInventoryCached } from '../../../../src/core/inventory/inventoryCache';

const INVENTORY = `defaults: { port: 2022, user: admin }
products:
  registry:
    registry-meta:
      - { name: meta-1, host: 10.0.0.1, tags: [dc-a] }
      - { name: meta-2, host: 10.0.0.2 }
`;

describe('inventory cache (CLI)', () => {
  let dir: string;
  let cache: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-invcache-'));
    cache = path.join(dir, 'cache');
    file = path.join(dir, 'site.yaml');
    writeFileSync(file, INVENTORY);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const cacheFiles = () => readdirSync(cache).filter((f) => f.startsWith('inventory-'));

  it('gives the same model as a fresh load, from the cache on the next run', async () => {
    const fresh = await loadInventory(file);
    const first = await loadInventoryCached(file, {}, cache);
    assert.deepStrictEqual(first, fresh);
    assert.strictEqual(cacheFiles().length, 1);
    assert.strictEqual(statSync(path.join(cache, cacheFiles()[0])).mode & 0o777, 0o600);
    // The second run reads the cache: what it holds is what comes back (groups as a Map again).
    const entry = path.join(cache, cacheFiles()[0]);
    writeFileSync(entry, readFileSync(entry, 'utf8').replace(/"meta-2"/g, '"meta-two"'));
    const second = await loadInventoryCached(file, {}, cache);
    assert.deepStrictEqual(second.inventory.hosts.map((h) => h.name), ['meta-1', 'meta-two']);
    assert.ok(second.inventory.groups instanceof Map);
    assert.deepStrictEqual(second.inventory.groups.get('registry-meta'), ['meta-1', 'meta-two']);
  });

  it('is never stale: an edit of the same size with the old mtime is read afresh', async () => {
    await loadInventoryCached(file, {}, cache);
    const { mtime } = statSync(file);
    writeFileSync(file, INVENTORY.replace('10.0.0.2', '10.0.0.9'));
    utimesSync(file, mtime, mtime);
    const after = await loadInventoryCached(file, {}, cache);
    assert.strictEqual(after.inventory.hosts[1].host, '10.0.0.9');
  });

  it('never caches an inventory with problems: they are reported on every run', async () => {
    writeFileSync(file, `${INVENTORY}      - { name: meta-1, host: 10.0.0.3 }\n`);
    for (let run = 0; run < 2; run++) {
      const { problems } = await loadInventoryCached(file, {}, cache);
      assert.ok(problems.some((p) => p.file === file && p.line === 7 && /meta-1/.test(p.message)), JSON.stringify(problems));
    }
    assert.ok(!existsSync(cache) || cacheFiles().length === 0, 'nothing cached');
  });

  it('keys on the options too: another component list is another answer', async () => {
    const known = new Set(['registry-meta']);
    const withKnown = await loadInventoryCached(file, { knownComponents: known }, cache);
    assert.deepStrictEqual(withKnown.problems, []);
    const unknown = await loadInventoryCached(file, { knownComponents: new Set(['registry-data']) }, cache);
    assert.ok(unknown.problems.length > 0, 'registry-meta is unknown to this component list');
  });

  it('works without a cache folder it can write (read-only home): only speed is lost', async () => {
    writeFileSync(path.join(dir, 'not-a-dir'), '');
    const r = await loadInventoryCached(file, {}, path.join(dir, 'not-a-dir', 'cache'));
    assert.deepStrictEqual(r, await loadInventory(file));
  });
});
