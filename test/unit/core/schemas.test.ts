import * as assert from 'assert';
import { readFileSync } from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { validate as catalogValidator } from '../../../src/core/generated/catalogValidator';
import { validate as inventoryValidator } from '../../../src/core/generated/inventoryValidator';
import { repoRoot } from '../helpers';

describe('precompiled schema validators', () => {
  it('are up to date with runbooks/*.schema.json (run scripts/generate-validators.mjs after editing a schema)', async () => {
    const { generateValidators } = (await import(pathToFileURL(path.join(repoRoot, 'scripts/generate-validators.mjs')).href)) as { generateValidators(): Record<string, string> };
    for (const [name, code] of Object.entries(generateValidators())) {
      assert.ok(code === readFileSync(path.join(repoRoot, 'src/core/generated', name), 'utf8'), `src/core/generated/${name} is stale`);
    }
  });

  it('report every error with the offending data, as the loaders expect', () => {
    assert.strictEqual(inventoryValidator({ products: { registry: { 'registry-meta': [{ name: 'x', host: 'h', port: 70000 }] } } }), false);
    assert.ok(inventoryValidator.errors?.some((e) => e.instancePath.endsWith('/port') && e.data === 70000), JSON.stringify(inventoryValidator.errors));
    assert.strictEqual(catalogValidator({ product: { id: 'Bad Id' }, colour: 1 }), false);
    assert.ok((catalogValidator.errors?.length ?? 0) >= 3, 'allErrors: every problem is reported, not just the first');
  });
});
