import * as assert from 'assert';
import { readdirSync } from 'fs';
import * as path from 'path';
import { main } from '../../../src/cli/main';
import { captureIO, tempTree } from '../helpers';

const corpusDir = path.join(__dirname, '..', 'core', 'runbook', 'corpus');

async function run(args: string[]) {
  const io = captureIO();
  const code = await main(args, io);
  return { code, ...io };
}

describe('sofa-ops runbook fmt --check', () => {
  it('passes the whole corpus: valid and byte-identical', async () => {
    const files = readdirSync(corpusDir).map((f) => path.join(corpusDir, f));
    const { code, stdout, stderr } = await run(['runbook', 'fmt', '--check', ...files]);
    assert.strictEqual(stderr, '');
    assert.strictEqual(code, 0);
    assert.match(stdout, new RegExp(`^${files.length} runbook file\\(s\\) ok`));
  });

  it('exits 1 with file:line problems', async () => {
    const t = tempTree({ 'bad.runbook.md': '---\ntitle: T\nproduct: mq\n---\n\n```sh {timeout=soon}\necho {{x}}\n```\n', 'good.runbook.md': '# ok\n' });
    try {
      const { code, stderr } = await run(['runbook', 'fmt', '--check', path.join(t.dir, 'bad.runbook.md'), path.join(t.dir, 'good.runbook.md'), path.join(t.dir, 'missing.md')]);
      assert.strictEqual(code, 1);
      const lines = stderr.trim().split('\n').map((l) => l.replace(/^[^:]*[\\/]/, ''));
      assert.deepStrictEqual(lines, [
        'bad.runbook.md:6: timeout "soon" is not a positive number of seconds (e.g. timeout=30 or timeout=5m)',
        'bad.runbook.md:7: {{x}} is not a declared parameter (declared: none; add them under parameters: in the front matter)',
        'missing.md: cannot read: ENOENT',
        'sofa-ops: 2 of 3 runbook file(s) have problems',
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('names the line where bytes would change (a file that is not UTF-8)', async () => {
    const t = tempTree({});
    try {
      const file = path.join(t.dir, 'latin1.md');
      require('fs').writeFileSync(file, Buffer.from('# ok\n\ncaf\xe9\n', 'latin1'));
      const { code, stderr } = await run(['runbook', 'fmt', '--check', file]);
      assert.strictEqual(code, 1);
      assert.match(stderr, /latin1\.md:3: not byte-identical at line 3 after reading and writing \(the file is not valid UTF-8\)/);
    } finally {
      t.cleanup();
    }
  });

  it('exits 2 for usage errors', async () => {
    for (const args of [['runbook'], ['runbook', 'lint'], ['runbook', 'fmt', 'x.md'], ['runbook', 'fmt', '--check'], ['runbook', 'fmt', '--check', '--bogus', 'x']]) {
      const { code, stderr, stdout } = await run(args);
      assert.strictEqual(code, 2, args.join(' '));
      assert.match(stderr + stdout, /Usage: sofa-ops runbook fmt --check FILE/);
    }
    assert.strictEqual((await run(['runbook', '--help'])).code, 0);
    assert.strictEqual((await run(['runbook', 'fmt', '--help'])).code, 0);
  });
});
