/**
 * The catalog must carry what an on-call engineer looks up in the guide: every log path it
 * names and every command it tells you to type. Both are extracted from the imported guide text
 * independently of the catalog, so deleting or mistyping an entry fails here.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { bundledCatalog } from '../../helpers';

const guide = readFileSync(path.join(bundledCatalog, 'guide.zh.md'), 'utf8');
const squash = (s: string) => s.replace(/\s+/g, '');

function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => allStrings(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => allStrings(v, out));
  return out;
}

describe('catalog coverage of the guide', () => {
  let catalogText = '';
  before(async () => {
    const { catalog, problems } = await loadCatalog(bundledCatalog);
    assert.deepStrictEqual(problems, []);
    catalogText = squash(allStrings(catalog).join('\n'));
  });

  it('has every /home/admin/logs path the guide names (rejoined across PDF line breaks)', () => {
    // The PDF splits paths over lines; with all whitespace gone they are whole again.
    const paths = new Set(squash(guide).match(/\/home\/admin\/logs\/[A-Za-z0-9_./\-çé]+?\.log/g));
    assert.ok(paths.size >= 40, `only ${paths.size} paths found in the guide`);
    assert.deepStrictEqual([...paths].filter((p) => !catalogText.includes(p)), []);
  });

  it('has every shell command of the guide', () => {
    const commands = [...guide.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1].split('\n'))
      .map((line) => line.trim())
      // Comment lines inside the guide's command blocks are prose, not commands.
      .filter((line) => line && !line.startsWith('#'))
      // The guide breaks the changePeer command mid-argument; its full form is checked below.
      .filter((line) => !line.endsWith(' -d'));
    assert.ok(commands.length >= 50, `only ${commands.length} commands found`);
    assert.deepStrictEqual(commands.filter((c) => !catalogText.includes(squash(c))), []);
    assert.ok(catalogText.includes(squash('curl -X POST "http://localhost:9615/manage/changePeer" -d')));
  });

  it('has the messages the guide tells you to look for', () => {
    for (const message of ['no available connection', 'Domain Not Found', 'CobarServer is started and listening on 8066', 'register success', 'get server list error', 'ServerHAHeartbeat']) {
      assert.ok(catalogText.includes(squash(message)), message);
    }
  });
});
