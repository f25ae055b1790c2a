import * as assert from 'assert';
import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { fromNotebookCells, toNotebookCells } from '../../../../src/core/runbook/notebookModel';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { serializeRunbook } from '../../../../src/core/runbook/runbookSerializer';

const corpus = path.join(__dirname, 'corpus');

/** What the editor does between open and save: JSON-clone the cells (metadata is plain data). */
function throughEditor(text: string, edit?: (cells: ReturnType<typeof toNotebookCells>['cells']) => void): string {
  const { runbook } = parseRunbook(text, 'x.runbook.md');
  const { cells, meta } = JSON.parse(JSON.stringify(toNotebookCells(runbook)));
  edit?.(cells);
  return serializeRunbook(fromNotebookCells(cells, meta).runbook);
}

describe('runbook ⇄ notebook cells', () => {
  for (const name of readdirSync(corpus)) {
    it(`opens and saves ${name} byte-identical through the notebook model`, () => {
      const text = readFileSync(path.join(corpus, name), 'utf8');
      assert.strictEqual(throughEditor(text), text);
    });
  }

  it('shows front matter as a YAML cell, and editing one shell cell changes only that cell', () => {
    const text = '---\ntitle: T\nproduct: registry\n---\n# Step\n\n```sh {target=registry-meta[0]}\necho a\n```\n\n```sh {target=all}\necho b\n```\n';
    const { runbook } = parseRunbook(text, 'x.runbook.md');
    const { cells } = toNotebookCells(runbook);
    assert.deepStrictEqual(cells.map((c) => [c.kind, c.languageId]), [['code', 'yaml'], ['markdown', 'markdown'], ['code', 'shellscript'], ['code', 'shellscript']]);
    const saved = throughEditor(text, (c) => (c[3].value = 'echo B'));
    assert.strictEqual(saved, text.replace('echo b', 'echo B'));
  });

  it('adds a new shell cell as a fenced sh block and maps notebook cells to runbook cells', () => {
    const text = '# Only text\n';
    const saved = throughEditor(text, (c) => c.push({ kind: 'code', value: 'uptime', languageId: 'shellscript' }));
    assert.strictEqual(saved, '# Only text\n\n```sh\nuptime\n```\n');
    const { indexOf } = fromNotebookCells([{ kind: 'code', value: 'title: x', languageId: 'yaml' }, { kind: 'markdown', value: '# a', languageId: 'markdown' }]);
    assert.deepStrictEqual(indexOf, [-1, 0]);
  });
});
