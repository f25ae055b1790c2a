/**
 * The catalog's zh texts claim to be the guide's words: each is found verbatim in the shipped guide
 * (runbooks/guide.zh.md), or says it is not (`zhSource: composed` — the guide's words joined or
 * labelled — or `zhSource: paraphrase`). Notes are the catalog's own words and are not held to it.
 */
import * as assert from 'assert';
import { readFileSync } from 'fs';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import type { Bilingual } from '../../../../src/core/catalog/types';
import { bundledCatalog } from '../../helpers';

/**
 * Whitespace and punctuation differ between the guide (full-width, table cells broken across
 * lines, Markdown escapes) and clean text, so both sides drop them; letters are case-folded.
 */
const NOISE = /[\s\u3000\\，。、；：:;,.!！?？（）()【】[\]“”"'‘’`《》<>\-—–_|*#~/=+…·°]/gu;
function normalise(text: string): string {
  return text.replace(NOISE, '').toLowerCase();
}

/** Verbatim: the whole text, or each of its lines (a list the catalog joined with line breaks). */
function verbatim(text: string, guide: string): boolean {
  if (guide.includes(normalise(text))) return true;
  const lines = text.split(/\n+/).map(normalise).filter(Boolean);
  return lines.length > 1 && lines.every((l) => guide.includes(l));
}

/** Share of the text covered by runs of at least `minRun` characters that occur in the guide. */
function coverage(text: string, guide: string, minRun = 6): number {
  const n = normalise(text);
  let covered = 0;
  for (let i = 0; i < n.length;) {
    let run = 0;
    while (i + run < n.length && guide.includes(n.slice(i, i + run + 1))) run++;
    if (run >= minRun) {
      covered += run;
      i += run;
    } else i++;
  }
  return n.length ? covered / n.length : 1;
}

/** A composed text is the guide's words at least this much; below, it is a paraphrase. */
const COMPOSED_COVERAGE = 0.9;

interface ZhText {
  where: string;
  text: Bilingual;
}

/** The catalog's own words (see the header): not quotes. */
const OWN_WORDS = new Set(['note', 'manual', 'manualReason']);

/** Every {zh, en} of the loaded catalog, with a readable path; notes and MANUAL reasons left out. */
function zhTexts(value: unknown, where: string, out: ZhText[] = []): ZhText[] {
  if (Array.isArray(value)) value.forEach((v, i) => zhTexts(v, `${where}[${i}]`, out));
  else if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.zh === 'string' && typeof record.en === 'string') out.push({ where, text: record as unknown as Bilingual });
    for (const [key, v] of Object.entries(record)) {
      if (!OWN_WORDS.has(key)) zhTexts(v, `${where}.${key}`, out);
    }
  }
  return out;
}

describe("catalog zh texts are the guide's words, or say they are not", function () {
  this.timeout(60_000);
  let guide: string;
  let texts: ZhText[];

  before(async () => {
    guide = normalise(readFileSync(path.join(bundledCatalog, 'guide.zh.md'), 'utf8'));
    const { catalog, problems } = await loadCatalog(bundledCatalog);
    assert.deepStrictEqual(problems, []);
    texts = catalog.products.flatMap((p) => {
      const { files: _files, ...items } = p;
      return zhTexts(items, p.product.id);
    });
  });

  it('finds every unmarked zh text verbatim in runbooks/guide.zh.md, and no marker on a verbatim text', () => {
    const counts = { verbatim: 0, composed: 0, paraphrase: 0 };
    const unmarked: string[] = [];
    const stale: string[] = [];
    const notComposed: string[] = [];
    for (const { where, text } of texts) {
      const found = verbatim(text.zh, guide);
      if (!text.zhSource) {
        if (found) counts.verbatim++;
        else unmarked.push(`${where}: ${text.zh.slice(0, 80)}`);
        continue;
      }
      counts[text.zhSource]++;
      if (found) stale.push(`${where} (${text.zhSource}) is verbatim: ${text.zh.slice(0, 80)}`);
      const share = coverage(text.zh, guide);
      if (text.zhSource === 'composed' && share < COMPOSED_COVERAGE) notComposed.push(`${where}: ${Math.round(share * 100)}% guide words: ${text.zh.slice(0, 80)}`);
    }
    console.log(`      zh texts: ${texts.length} — ${counts.verbatim} verbatim, ${counts.composed} composed of the guide's words, ${counts.paraphrase} paraphrase-marked`);
    assert.deepStrictEqual(unmarked, [], 'a zh text not in the guide must say zhSource: composed or paraphrase');
    assert.deepStrictEqual(stale, [], 'a verbatim text needs no zhSource');
    assert.deepStrictEqual(notComposed, [], `composed means at least ${COMPOSED_COVERAGE * 100}% of the text is the guide's words; otherwise it is a paraphrase`);
    // The catalog is mostly the guide's own words; a drop here means texts were rewritten.
    assert.ok(counts.verbatim > texts.length / 2, `${counts.verbatim} of ${texts.length} verbatim`);
  });

  it('tells a quote from a paraphrase (the checks above can fail)', () => {
    const quote = '如果 9529 端口没有连接，先确认 MQ 是否运行正常。';
    assert.ok(verbatim(quote, guide));
    // Full-width/half-width punctuation and spacing do not matter; one changed word does.
    assert.ok(verbatim('如果9529端口没有连接,先确认MQ是否运行正常', guide));
    assert.ok(!verbatim('如果 9529 端口没有连接，先确认 MQ 是否正常运行。', guide));
    assert.ok(coverage(`运维红线：${'禁止数据传输和披露。'}`, guide) >= COMPOSED_COVERAGE);
    assert.ok(coverage('端口 2022 可以访问', guide) < COMPOSED_COVERAGE);
  });
});
