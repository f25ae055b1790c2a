import * as assert from 'assert';
import * as path from 'path';
import { loadInventory, type Inventory } from '../../../../src/core/inventory/inventory';
import { SelectorError, selectTargets } from '../../../../src/core/inventory/selectors';

const fixtures = path.join(__dirname, 'fixtures');

describe('inventory selectors', () => {
  let inventory: Inventory;
  before(async () => {
    ({ inventory } = await loadInventory(path.join(fixtures, 'site.sofa.yaml')));
  });
  const names = (selector: string) => selectTargets(inventory, selector).map((h) => h.name);
  const failure = (selector: string): SelectorError => {
    try {
      selectTargets(inventory, selector);
    } catch (err) {
      assert.ok(err instanceof SelectorError, `expected a SelectorError, got ${String(err)}`);
      return err;
    }
    assert.fail(`selector "${selector}" should have failed`);
  };

  it('selects every host with all, in inventory order', () => {
    assert.deepStrictEqual(names('all'), ['bastion', 'registry-meta-1', 'registry-meta-2', 'registry-data-1', 'registry-data-2', 'registry-data-3', 'drmdata-1']);
  });

  it('selects a component group, a product group and an extra group', () => {
    assert.deepStrictEqual(names('registry-meta'), ['registry-meta-1', 'registry-meta-2']);
    assert.deepStrictEqual(names('registry'), ['registry-meta-1', 'registry-meta-2', 'registry-data-1', 'registry-data-2', 'registry-data-3']);
    assert.deepStrictEqual(names('bastions'), ['bastion']);
  });

  it('selects by 0-based index, counting from the end for negative ones', () => {
    assert.deepStrictEqual(names('registry-meta[0]'), ['registry-meta-1']);
    assert.deepStrictEqual(names('registry-data[-1]'), ['registry-data-3']);
    assert.deepStrictEqual(names('all[1]'), ['registry-meta-1']);
  });

  it('selects a slice with the end excluded, and open ends', () => {
    assert.deepStrictEqual(names('registry-data[0:2]'), ['registry-data-1', 'registry-data-2']);
    assert.deepStrictEqual(names('registry-data[1:]'), ['registry-data-2', 'registry-data-3']);
    assert.deepStrictEqual(names('registry-data[:1]'), ['registry-data-1']);
  });

  it('selects a host by name, and hosts by tag (also key=value tags)', () => {
    assert.deepStrictEqual(names('registry-data-2'), ['registry-data-2']);
    assert.deepStrictEqual(names('tag=dc-a'), ['registry-meta-1', 'registry-data-1', 'registry-data-2', 'registry-data-3']);
    assert.deepStrictEqual(names('tag=zone=gz00b'), ['registry-data-3']);
  });

  it('unites comma-separated parts in inventory order without duplicates', () => {
    assert.deepStrictEqual(names('drmdata, registry-meta[0]'), ['registry-meta-1', 'drmdata-1']);
    assert.deepStrictEqual(names('tag=dc-b,registry-meta,registry-meta-2'), ['registry-meta-1', 'registry-meta-2', 'drmdata-1']);
  });

  it('names the part that matched nothing and lists the known groups', () => {
    const err = failure('registry-meta[0],registry-mata');
    assert.strictEqual(err.part, 'registry-mata');
    assert.strictEqual(err.message, 'target "registry-mata" in "registry-meta[0],registry-mata" matches no group, host name or tag; '
      + 'known groups: all, bastions, registry, registry-meta, registry-data, dds, drmdata');
  });

  it('says how many hosts a group has when an index or slice is out of range', () => {
    assert.match(failure('registry-meta[2]').message, /^target "registry-meta\[2\]" is out of range: group "registry-meta" has 2 hosts; known groups: all, /);
    assert.match(failure('drmdata[0:3]').message, /is out of range: group "drmdata" has 1 host; /);
    assert.match(failure('registry-data[2:1]').message, /is out of range: group "registry-data" has 3 hosts/);
    assert.match(failure('registry-mata[0]').message, /^target "registry-mata\[0\]" names no group "registry-mata"; known groups: all, bastions, /);
  });

  it('lists the known tags when a tag matches nothing, and refuses empty selectors and stray commas', () => {
    assert.match(failure('tag=dc-c').message, /^target "tag=dc-c" matches no host \(known tags: dc-a, zone=gz00a, dc-b, zone=gz00b\); known groups: /);
    assert.match(failure('  ').message, /^empty target selector; known groups: all, /);
    assert.match(failure('registry-meta,').message, /^target "" in "registry-meta," is empty \(stray comma\)/);
  });

  it('refuses a group without hosts rather than returning nothing', async () => {
    const { inventory: ini } = await loadInventory(path.join(fixtures, 'ranges.ini'));
    assert.throws(() => selectTargets(ini, 'spare'), (err: Error) => err instanceof SelectorError && /names group "spare", which has no hosts/.test(err.message));
  });
});
