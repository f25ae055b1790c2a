import * as assert from 'assert';
import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { newCodeCell, newMarkdownCell, serializeRunbook, withCellOptions, withCellSource, withFrontMatter } from '../../../../src/core/runbook/runbookSerializer';
import { type CodeCell, type Runbook, runbookParameters } from '../../../../src/core/runbook/runbookFormat';

const corpusDir = path.join(__dirname, 'corpus');
const corpus = readdirSync(corpusDir).sort();

/** Byte offsets of each cell's own text (without the blank lines before it) in the serialized file. */
function cellSpans(runbook: Runbook): Array<[number, number]> {
  let at = (runbook.bom ? 1 : 0) + (runbook.frontMatter?.original?.text.length ?? 0);
  return runbook.cells.map((cell) => {
    at += cell.before!.length;
    const span: [number, number] = [at, at + cell.original!.text.length];
    at = span[1];
    return span;
  });
}

/** Deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fragments = [
  '# Heading\n',
  'Setext\n======\n',
  'A paragraph with **bold** and `code`.  \nHard break above.\n',
  '| a | b |\n|---|:-:|\n| 1 | 2 |\n',
  '- item\n  - nested\n\n    ```sh\n    echo nested\n    ```\n- back\n',
  '1. one\n2. two\n   ~~~bash\n   echo in list\n   ~~~\n',
  '> quote\n> ```sh\n> echo quoted\n> ```\n',
  '<details>\n<summary>s</summary>\n\n```sh\necho html\n```\n\n</details>\n',
  '<div>\n```sh\nnot a fence\n```\n</div>\n',
  '```sh\necho plain\n```\n',
  '```sh {name=n1 target=registry-meta[0] confirm timeout=30}\ncurl -s localhost:9615/health/check\n```\n',
  '~~~bash {expect="`x`"}\necho tilde\n~~~\n',
  '````sh\n```\necho inner fence\n```\n````\n',
  '  ```sh\n  echo indented\n    more\n  ```\n',
  '```python\nprint(1)\n```\n',
  '```\nno language\n```\n',
  '\tindented code block with tab\n',
  '中文段落：关闭推送，然后重启。✅\n',
  'trailing spaces   \n\t\ttabs\t\n',
  '<!-- comment -->\n',
  '***\n',
  '```sh\n\n\nblank lines inside\n\n```\n',
];

function randomDocument(rand: () => number): string {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  let doc = '';
  if (rand() < 0.3) doc += '---\ntitle: T\nproduct: registry\n---\n';
  const n = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < n; i++) doc += pick(fragments) + pick(['', '\n', '\n\n', '  \n', '\n\t\n']);
  const eol = pick(['\n', '\r\n', '\r', 'mixed']);
  if (eol === 'mixed') doc = doc.replace(/\n/g, () => pick(['\n', '\r\n', '\r']));
  else doc = doc.replace(/\n/g, eol);
  if (rand() < 0.3) doc = doc.replace(/(?:\r\n|\r|\n)+$/, '');
  if (rand() < 0.2) doc = '\uFEFF' + doc;
  return doc;
}

describe('runbook round trip', () => {
  it('has a corpus covering what real markdown does', () => {
    const all = corpus.map((f) => readFileSync(path.join(corpusDir, f), 'utf8'));
    const has = (re: RegExp) => all.some((t) => re.test(t));
    assert.ok(has(/\r\n/) && has(/\r(?!\n)/), 'CRLF and lone CR');
    assert.ok(has(/^\uFEFF/), 'BOM');
    assert.ok(has(/\t/) && has(/ +\r?\n/), 'tabs and trailing spaces');
    assert.ok(has(/^~~~/m) && has(/^````/m) && has(/^ {3}```/m), 'unusual fences');
    assert.ok(has(/<details>/) && has(/^\|.*\|$/m) && has(/[\u4e00-\u9fff]/), 'HTML, tables, Chinese');
    assert.ok(all.some((t) => !/[\r\n]$/.test(t)), 'a file without a final newline');
    assert.ok(corpus.length >= 10);
  });

  for (const file of corpus) {
    it(`gives back ${file} byte for byte`, () => {
      const bytes = readFileSync(path.join(corpusDir, file));
      const { runbook, problems } = parseRunbook(bytes.toString('utf8'), file);
      assert.ok(Buffer.from(serializeRunbook(runbook), 'utf8').equals(bytes));
      if (file.endsWith('.runbook.md')) assert.deepStrictEqual(problems, []);
    });
  }

  it('reads the registry push-switch runbook as the operator wrote it', () => {
    const text = readFileSync(path.join(corpusDir, 'registry-restart-push-switch.runbook.md'), 'utf8');
    const { runbook } = parseRunbook(text, 'r.runbook.md');
    const meta = runbook.frontMatter!.meta!;
    assert.strictEqual(meta.product, 'registry');
    assert.strictEqual(runbookParameters(runbook), meta.parameters);
    assert.deepStrictEqual(runbookParameters(parseRunbook('# none\n', 'x.md').runbook), {});
    assert.deepStrictEqual(Object.keys(meta.parameters), ['node', 'ticket', 'mode']);
    const code = runbook.cells.filter((c): c is CodeCell => c.kind === 'code');
    assert.deepStrictEqual(code.map((c) => c.options.name), ['close-push', 'verify-closed', 'note-ticket', 'restart', 'health', 'watch-pubsub', 'reopen-push', 'verify-open', 'rollback-start']);
    const close = code[0];
    assert.strictEqual(close.source, 'curl -s http://localhost:9615/stopPushDataSwitch/open');
    assert.deepStrictEqual(close.options, { name: 'close-push', target: 'registry-meta[0]', confirm: 'Close push on the whole registry cluster?', expect: '"success":true', timeout: 30 });
    assert.strictEqual(code[3].options.target, 'registry-meta[{{node}}]');
    assert.strictEqual(code[3].options.timeout, 300);
    assert.deepStrictEqual(code.filter((c) => c.options.finally).map((c) => c.options.name), ['reopen-push', 'verify-open']);
    assert.strictEqual(code[5].options.manual, true);
    assert.strictEqual(code[2].language, 'bash');
  });

  it('holds for random documents built from fragments, and an edit touches only its cell', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rand = random(seed);
      const doc = randomDocument(rand);
      const { runbook } = parseRunbook(doc, 'random.md');
      assert.strictEqual(serializeRunbook(runbook), doc, `seed ${seed}: round trip`);
      if (!runbook.cells.length) continue;
      const i = Math.floor(rand() * runbook.cells.length);
      const cell = runbook.cells[i];
      const [start, end] = cellSpans(runbook)[i];
      assert.strictEqual(doc.slice(start, end), cell.original!.text, `seed ${seed}: span`);
      const edited = cell.kind === 'code'
        ? withCellSource(cell, `${cell.source}\necho "edited ${seed}"`)
        : withCellSource(cell, `${cell.source} edited ${seed}`);
      const cells = runbook.cells.slice();
      cells[i] = edited;
      const out = serializeRunbook({ ...runbook, cells });
      const tail = doc.length - end;
      assert.strictEqual(out.slice(0, start), doc.slice(0, start), `seed ${seed}: bytes before cell ${i}`);
      assert.strictEqual(out.slice(out.length - tail), doc.slice(end), `seed ${seed}: bytes after cell ${i}`);
      if (cell.kind === 'code') {
        const again = parseRunbook(out, 'random.md').runbook.cells.filter((c) => c.kind === 'code');
        assert.ok(again.some((c) => c.source === edited.source), `seed ${seed}: edited code reads back`);
      }
    }
  });

  it('re-renders an edited code cell in its own fence, indentation and line endings', () => {
    const doc = 'Intro\r\n\r\n   ~~~~bash {name=a  timeout=5m}\r\n   echo one\r\n   ~~~~\r\n\r\nOutro\r\n';
    const { runbook } = parseRunbook(doc, 'x.md');
    const cell = runbook.cells[1] as CodeCell;
    const out = serializeRunbook({ ...runbook, cells: [runbook.cells[0], withCellSource(cell, 'echo one\n\necho two'), runbook.cells[2]] });
    assert.strictEqual(out, 'Intro\r\n\r\n   ~~~~bash {name=a  timeout=5m}\r\n   echo one\r\n\r\n   echo two\r\n   ~~~~\r\n\r\nOutro\r\n');
  });

  it('rewrites only the option that changed, keeping the others as written', () => {
    const doc = '```sh {expect="\\"success\\":true"   name=a timeout=5m}\ncurl x\n```\n';
    const { runbook } = parseRunbook(doc, 'x.md');
    const cell = runbook.cells[0] as CodeCell;
    const edit = (options: CodeCell['options']) => serializeRunbook({ ...runbook, cells: [withCellOptions(cell, options)] });
    assert.strictEqual(edit({ ...cell.options }), doc, 'same options: same bytes');
    assert.strictEqual(edit({ ...cell.options, timeout: 30 }), '```sh {expect="\\"success\\":true" name=a timeout=30}\ncurl x\n```\n');
    assert.strictEqual(edit({ ...cell.options, confirm: true, target: 'tag=dc-a' }), '```sh {expect="\\"success\\":true" name=a timeout=5m target=tag=dc-a confirm}\ncurl x\n```\n');
    assert.strictEqual(edit({}), '```sh\ncurl x\n```\n');
  });

  it('lengthens the fence when edited code contains one, and uses ~~~ when options hold backticks', () => {
    const { runbook } = parseRunbook('```sh\necho\n```\n', 'x.md');
    const cell = runbook.cells[0] as CodeCell;
    assert.strictEqual(serializeRunbook({ ...runbook, cells: [withCellSource(cell, "cat <<'E'\n```\nE")] }), "````sh\ncat <<'E'\n```\nE\n````\n");
    assert.strictEqual(serializeRunbook({ ...runbook, cells: [withCellOptions(cell, { expect: '`date`' })] }), '~~~sh {expect=`date`}\necho\n~~~\n');
  });

  it('adds new cells as ```sh {…} fences and paragraphs separated by blank lines', () => {
    const doc = '---\ntitle: T\nproduct: mq\n---\n\n# Title\n\n```sh\nuptime\n```';
    const { runbook } = parseRunbook(doc, 'x.md');
    const cells = [
      ...runbook.cells,
      newMarkdownCell('Then check the broker:'),
      newCodeCell('curl -s localhost:9529', { name: 'broker', target: 'msgbroker[0]', expect: 'ok' }),
    ];
    assert.strictEqual(serializeRunbook({ ...runbook, cells }), `${doc}\n\nThen check the broker:\n\n\`\`\`sh {name=broker target=msgbroker[0] expect=ok}\ncurl -s localhost:9529\n\`\`\`\n`);
    const empty = parseRunbook('', 'new.md').runbook;
    assert.strictEqual(serializeRunbook({ ...empty, cells: [newMarkdownCell('# New'), newCodeCell('ls')] }), '# New\n\n```sh\nls\n```\n');
    const crlf = parseRunbook('# A\r\n', 'x.md').runbook;
    assert.strictEqual(serializeRunbook({ ...crlf, cells: [...crlf.cells, newCodeCell('ls\nid')] }), '# A\r\n\r\n```sh\r\nls\r\nid\r\n```\r\n', 'new cells use the file\'s line endings');
  });

  it('keeps the blank lines around an edited markdown cell and drops a deleted cell cleanly', () => {
    const doc = '# A\n\n\n```sh\nls\n```\n\nText  \nmore\n\n\n';
    const { runbook } = parseRunbook(doc, 'x.md');
    const [a, code, text] = runbook.cells;
    assert.strictEqual(serializeRunbook({ ...runbook, cells: [a, code, withCellSource(text, 'New text')] }), '# A\n\n\n```sh\nls\n```\n\nNew text\n\n\n');
    assert.strictEqual(serializeRunbook({ ...runbook, cells: [a, text] }), '# A\n\nText  \nmore\n\n\n');
  });

  it('rewrites only the YAML of edited front matter, re-validating it', () => {
    const doc = '---   \r\ntitle: Old\r\nproduct: mq\r\n...\r\nbody\r\n';
    const { runbook } = parseRunbook(doc, 'x.md');
    const { runbook: edited, problems } = withFrontMatter(runbook, 'title: New\nproduct: mq\nparameters: {n: {type: number}}\n');
    assert.deepStrictEqual(problems, []);
    assert.deepStrictEqual(edited.frontMatter!.meta!.parameters, { n: { type: 'number' } });
    assert.strictEqual(serializeRunbook(edited), '---   \r\ntitle: New\r\nproduct: mq\r\nparameters: {n: {type: number}}\r\n...\r\nbody\r\n');
  });
});
