import * as assert from 'assert';
import { MultiLiteralSearcher } from '../../../../src/core/logs/literalSearch';
import { prng } from './prng';

function naive(literals: string[], text: Buffer): string[] {
  const hits: string[] = [];
  literals.forEach((l, i) => {
    const needle = Buffer.from(l);
    for (let p = text.indexOf(needle); p !== -1; p = text.indexOf(needle, p + 1)) hits.push(`${p}:${i}`);
  });
  return hits.sort();
}

function found(searcher: MultiLiteralSearcher, text: Buffer, from = 0, to = text.length): string[] {
  const hits: string[] = [];
  searcher.search(text, from, to, (i, p) => hits.push(`${p}:${i}`));
  return hits.sort();
}

describe('MultiLiteralSearcher', () => {
  it('finds every occurrence of every literal, overlapping ones and UTF-8 text included', () => {
    const literals = ['no available connection', 'Connection refused', 'refused', '连接失败', 'aaa'];
    const text = Buffer.from('x Connection refused; 连接失败 aaaa no available connection\nrefused');
    const searcher = new MultiLiteralSearcher(literals, text);
    assert.deepStrictEqual(found(searcher, text), naive(literals, text));
    assert.ok(found(searcher, text).includes(`${text.indexOf('aaa')}:4`) && found(searcher, text).includes(`${text.indexOf('aaa') + 1}:4`));
  });

  it('agrees with indexOf on random texts, literal sets and sub-ranges (property)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = prng(seed);
      const alphabet = 'ab c\n错'.slice(0, 2 + Math.floor(rnd() * 5));
      const word = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      const literals = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => word(1 + Math.floor(rnd() * 6)));
      const text = Buffer.from(word(Math.floor(rnd() * 400)));
      const searcher = new MultiLiteralSearcher(literals, rnd() < 0.5 ? text : Buffer.alloc(0));
      const from = Math.floor(rnd() * 20);
      const to = Math.max(from, text.length - Math.floor(rnd() * 20));
      const expected = naive(literals, text.subarray(from, to)).map((h) => {
        const [p, i] = h.split(':');
        return `${Number(p) + from}:${i}`;
      });
      assert.deepStrictEqual(found(searcher, text, from, to).sort(), expected.sort(), `seed ${seed}: ${JSON.stringify(literals)}`);
    }
  });

  it('finds nothing without literals and refuses an empty one', () => {
    assert.deepStrictEqual(found(new MultiLiteralSearcher([]), Buffer.from('anything')), []);
    assert.throws(() => new MultiLiteralSearcher(['ok', '']), /empty literal/);
  });
});
