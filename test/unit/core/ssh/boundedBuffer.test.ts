/** Kept output of a remote command: head and tail, so the last line of an error is never the part cut. */
import * as assert from 'assert';
import { BoundedBuffer } from '../../../../src/core/ssh/remoteExec';

describe('BoundedBuffer (kept stdout/stderr of a remote command)', () => {
  it('keeps everything under the limit, byte for byte', () => {
    const b = new BoundedBuffer(1024);
    for (const piece of ['a', 'bc', 'déf\n']) b.push(Buffer.from(piece));
    assert.strictEqual(b.text(), 'abcdéf\n');
    assert.strictEqual(b.dropped, 0);
  });

  it('keeps the head and the final error line of a long stderr, and counts what it dropped', () => {
    const b = new BoundedBuffer(4096);
    const noise = Buffer.from('progress line that repeats\n');
    let total = 0;
    for (let i = 0; i < 10_000; i++) {
      b.push(noise);
      total += noise.length;
    }
    const last = Buffer.from('cp: error writing /data/x: No space left on device\n');
    b.push(last);
    total += last.length;
    const text = b.text();
    assert.ok(text.startsWith('progress line that repeats\n'));
    assert.ok(text.endsWith('cp: error writing /data/x: No space left on device\n'), text.slice(-200));
    const m = /\n\[… (\d+) more bytes not kept\]\n/.exec(text);
    assert.ok(m, 'the cut is marked');
    assert.strictEqual(Number(m[1]), b.dropped);
    assert.strictEqual(total - b.dropped, 4096, 'exactly the limit is kept');
  });

  it('cuts on character boundaries (no replacement characters at the cut)', () => {
    const b = new BoundedBuffer(1000);
    const zh = Buffer.from('注册中心推送失败，'.repeat(200)); // 3-byte characters
    for (let i = 0; i < zh.length; i += 7) b.push(zh.subarray(i, i + 7));
    assert.ok(!b.text().includes('\uFFFD'), 'no broken character');
  });

  it('keeps nothing with a limit of 0 (callers that stream elsewhere)', () => {
    const b = new BoundedBuffer(0);
    b.push(Buffer.from('abc'));
    assert.strictEqual(b.dropped, 3);
    assert.strictEqual(b.text(), '\n[… 3 more bytes not kept]\n');
  });
});
