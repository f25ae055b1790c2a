import * as assert from 'assert';
import { parseCatalogFile } from '../../../src/core/catalog/catalogLoader';
import { parseInfoString } from '../../../src/core/runbook/cellOptions';
import { parseRunbook } from '../../../src/core/runbook/runbookParser';
import { main } from '../../../src/cli/main';
import { captureIO, minimalProduct } from '../helpers';

const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n') + '\n';
const cell = '```sh {name=probe}\necho ok\n```\n';

describe('bad YAML and bad cell options become file:line problems', () => {
  it('an alias bomb in front matter or a catalog file is refused at the first alias (not expanded)', () => {
    const runbook = parseRunbook(`---\ntitle: x\n${bomb}---\n${cell}`, 'bomb.runbook.md');
    assert.deepStrictEqual(runbook.problems.map((p) => `${p.line}: ${p.message.slice(0, 40)}`), ['4: front matter YAML aliases expand too muc']);
    const catalog = parseCatalogFile('catalog.yaml', bomb + minimalProduct);
    assert.deepStrictEqual(catalog.problems.map((p) => p.line), [2]);
    assert.match(catalog.problems[0].message, /^YAML aliases expand too much \(more than 100 uses of an anchor/);
  });

  it('an alias without its anchor, an unknown tag and absurd nesting name their line', () => {
    assert.deepStrictEqual(parseRunbook(`---\ntitle: Probe\nproduct: *nowhere\n---\n${cell}`, 'r.md').problems.map((p) => `${p.line}: ${p.message}`), ['3: front matter YAML: alias *nowhere has no anchor &nowhere before it']);
    assert.match(parseRunbook(`---\ntitle: !!js/function "f"\n---\n${cell}`, 'r.md').problems.map((p) => `${p.line}: ${p.message}`)[0], /^2: front matter YAML: .*tag/i);
    assert.match(parseCatalogFile('c.yaml', `x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`).problems[0].message, /YAML: nested too deeply/);
  });

  it('refuses timeouts past Node\'s timer range, absurd parallelism and catastrophic expect regexes', () => {
    const problems = (info: string) => parseInfoString(info).problems;
    assert.deepStrictEqual(problems('sh {timeout=720h}'), ['timeout "720h" is longer than the maximum of 168h']);
    assert.deepStrictEqual(problems(`sh {timeout=${'9'.repeat(400)}}`), [`timeout "${'9'.repeat(400)}" is longer than the maximum of 168h`]);
    assert.deepStrictEqual(problems('sh {timeout=0.0000001}'), ['timeout "0.0000001" is shorter than a millisecond']);
    assert.deepStrictEqual(parseInfoString('sh {timeout=168h}').options, { timeout: 168 * 3600 });
    assert.deepStrictEqual(problems('sh {parallel=100000}'), ['parallel "100000" is more than 1000 hosts at once']);
    assert.match(problems('sh {expect=/^(a+)+$/}')[0], /^expect: regex can take exponential time/);
    assert.deepStrictEqual(problems('sh {expect=/^ok\\b/}'), []);
  });

  it('a binary or non-UTF-8 file is not a runbook', () => {
    assert.deepStrictEqual(parseRunbook(`# a\n\nb\0c\n`, 'x.runbook.md').problems.map((p) => `${p.line}: ${p.message.slice(0, 29)}`), ['3: the file holds a NUL byte: it']);
    assert.deepStrictEqual(parseRunbook(Buffer.from([0x23, 0x20, 0xd6, 0xd8, 0x0a]).toString('utf8'), 'x.runbook.md').problems.map((p) => `${p.line}: ${p.message.slice(0, 32)}`), ['1: the file is not valid UTF-8 text']);
  });

  it('an unreadable --catalog is a file:line problem and exit 1, not a stack trace', async () => {
    const io = captureIO();
    const code = await main(['catalog', '--catalog', '/dev/null/nowhere'], io);
    assert.strictEqual(code, 1);
    assert.match(io.stderr, /dev\/null\/nowhere:1: cannot read catalog folder: ENOTDIR/);
    assert.doesNotMatch(io.stderr, /\n\s+at /);
  });
});
