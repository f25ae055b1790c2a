import * as assert from 'assert';
import * as path from 'path';
import { describeRunbook, listRunbooks } from '../../../../src/core/catalog/runbookFiles';
import { tempTree } from '../../helpers';

describe('runbook files in product folders', () => {
  it('lists *.runbook.md per product with the title and components from front matter', async () => {
    const t = tempTree({
      'registry/restart.runbook.md': '---\ntitle: Restart a meta node\ncomponents: [registry-meta]\n---\n# ignored\n',
      'registry/catalog.yaml': 'product: {}\n',
      'mq/recover.runbook.md': '# Recover broker 9529\n\nsteps\n',
    });
    try {
      const found = await listRunbooks([t.dir, path.join(t.dir, 'missing')]);
      assert.deepStrictEqual(found.map((r) => [r.product, r.title, r.components]), [
        ['mq', 'Recover broker 9529', []],
        ['registry', 'Restart a meta node', ['registry-meta']],
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('still lists a runbook whose front matter is broken, by its heading or file name', () => {
    assert.deepStrictEqual(describeRunbook('---\ntitle: [oops\n---\n# Heading\n', 'x.runbook.md'), { title: 'Heading', components: [] });
    assert.deepStrictEqual(describeRunbook('no heading', 'close-push.runbook.md'), { title: 'close-push', components: [] });
    assert.deepStrictEqual(describeRunbook('---\ncomponent: drmdata\n---\n', 'a.runbook.md'), { title: 'a', components: ['drmdata'] });
  });
});
