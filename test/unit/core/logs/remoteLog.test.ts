import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import type { LogPattern } from '../../../../src/core/catalog/types';
import { findingMarkdown, markRanges, nextFindingLine, summarizeFindings } from '../../../../src/core/logs/findingView';
import { hostLogPath, logOnHost } from '../../../../src/core/logs/hostLogPath';
import { type LogCatalog, logCatalogOf, resolveLogs } from '../../../../src/core/logs/logCatalog';
import { compileLogMatcher } from '../../../../src/core/logs/logMatcher';
import { type LogFinding, scanText } from '../../../../src/core/logs/logScanner';
import { cutWindow, earlierRange, tailRange, WindowText } from '../../../../src/core/logs/logWindow';
import { parseHeader, remoteGrepCommand, tailNotice, tailWindowCommand, toExtendedRegex } from '../../../../src/core/logs/remoteLogCommands';
import { RemoteFollow, RemoteLogSource } from '../../../../src/core/logs/remoteLogSource';
import { planRemoteScan, scanRemoteLog } from '../../../../src/core/logs/remoteScan';
import { scanFile } from '../../../../src/core/logs/scanSources';
import { bundledCatalog, tempTree } from '../../helpers';
import { commandsRun, localExec } from './localExec';

let catalog: LogCatalog;
before(async () => {
  const loaded = await loadCatalog(bundledCatalog);
  assert.deepStrictEqual(loaded.problems, []);
  catalog = logCatalogOf(loaded.catalog);
});

/** A directory and file name no shell may read as code. */
const HOSTILE_DIR = `it's $(touch PWNED) "dir"`;
const HOSTILE_FILE = "a b;`touch PWNED`'$HOME'.log";

const logback = (level: string, message: string, n = 0) => `2024-05-06 10:11:${String(n % 60).padStart(2, '0')},345 ${level.padEnd(5)} DefaultServerManager#103 ${'main'.padEnd(32)} - ${message}`;

function numberedLines(count: number, from = 1): string {
  const lines: string[] = [];
  for (let i = from; i < from + count; i++) lines.push(logback('INFO', `line ${i} 中文 ${'x'.repeat(i % 50)}`, i));
  return lines.join('\n') + '\n';
}

describe('log window paging', () => {
  it('cuts the last lines of a fetched range, dropping the partial first line unless the range starts the file', () => {
    const body = Buffer.from('tail-of-a-line\none\ntwo\nthree\npart');
    const w = cutWindow(body, 100, 2);
    assert.deepStrictEqual({ ...w }, { start: 100 + 'tail-of-a-line\none\n'.length, end: 100 + body.length - 4, text: 'two\nthree\n', partial: 'part', lines: 2 });
    const all = cutWindow(body, 100, 10);
    assert.strictEqual(all.text, 'one\ntwo\nthree\n', 'the partial first line is dropped');
    assert.strictEqual(all.start, 100 + 'tail-of-a-line\n'.length);
    const fromStart = cutWindow(body, 0, 10);
    assert.strictEqual(fromStart.text, 'tail-of-a-line\none\ntwo\nthree\n');
    assert.strictEqual(fromStart.start, 0);
    const hostCut = cutWindow(Buffer.from('one\ntwo\n'), 50, 10, true);
    assert.strictEqual(hostCut.text, 'one\ntwo\n', 'a range the host already cut at a line start keeps its first line');
  });

  it('keeps a line longer than the fetch, and handles empty and newline-only bodies', () => {
    assert.deepStrictEqual({ ...cutWindow(Buffer.from('x'.repeat(10)), 5, 3) }, { start: 5, end: 5, text: '', partial: 'x'.repeat(10), lines: 0 });
    assert.deepStrictEqual({ ...cutWindow(Buffer.alloc(0), 0, 3) }, { start: 0, end: 0, text: '', partial: '', lines: 0 });
    assert.deepStrictEqual({ ...cutWindow(Buffer.from('\n\n\n'), 0, 2) }, { start: 1, end: 3, text: '\n\n', partial: '', lines: 2 });
  });

  it('computes tail and earlier byte ranges that never leave the file', () => {
    assert.deepStrictEqual(tailRange(1_000_000_000, 4 << 20), { start: 1_000_000_000 - (4 << 20), length: 4 << 20 });
    assert.deepStrictEqual(tailRange(100, 4 << 20), { start: 0, length: 100 });
    assert.deepStrictEqual(earlierRange(1000, 300), { start: 700, length: 300 });
    assert.deepStrictEqual(earlierRange(200, 300), { start: 0, length: 200 });
  });

  it('bounds a followed window: appended lines past the limit push the oldest out', () => {
    const w = new WindowText({ text: 'a\nb\n', partial: 'c', lines: 2 }, 8);
    assert.strictEqual(w.append('-end\nd\n'), 0);
    assert.strictEqual(w.text, 'a\nb\nc-end\nd\n');
    w.append('e\nf\ng\nh\ni\npart');
    assert.ok(w.lines <= 8, `${w.lines} lines kept`);
    assert.ok(w.text.endsWith('h\ni\npart'));
    assert.strictEqual(w.dropped + w.lines, 9);
    assert.ok(w.text.startsWith(`${'ab?defghi'[w.dropped]}\n`), 'the oldest lines went first');
  });

  it('pages a file with a hostile name backwards to its first byte, exactly, over the real commands', async () => {
    const { dir, cleanup } = tempTree({});
    try {
      const folder = path.join(dir, HOSTILE_DIR);
      fs.mkdirSync(folder);
      const file = path.join(folder, HOSTILE_FILE);
      const content = numberedLines(3000);
      fs.writeFileSync(file, content);
      const source = new RemoteLogSource(localExec, file, { lines: 200, bytes: 40_000 });
      const tail = await source.tail();
      assert.strictEqual(tail.size, Buffer.byteLength(content));
      assert.strictEqual(tail.end, tail.size);
      assert.strictEqual(tail.lines, 200);
      assert.strictEqual(tail.text, Buffer.from(content).toString('utf8', tail.start, tail.end), 'text is exactly the file bytes at its offsets');
      assert.ok(tail.text.endsWith('line 3000 中文 ' + 'x'.repeat(0) + '\n'));
      let text = tail.text;
      let start = tail.start;
      let pages = 0;
      while (start > 0) {
        const page = await source.earlier(start, tail.inode);
        assert.strictEqual(page.end, start, 'each page ends where the window starts');
        assert.ok(page.lines <= 200 && Buffer.byteLength(page.text) <= 40_000);
        text = page.text + text;
        start = page.start;
        pages++;
      }
      assert.strictEqual(text, content, 'the pages put together are the file');
      assert.ok(pages > 3);
      assert.ok(!fs.existsSync(path.join(folder, 'PWNED')) && !fs.existsSync('PWNED'), 'no part of the name ran as code');
      // Rotated since opened: the bytes before the window are another file's.
      fs.renameSync(file, `${file}.1`);
      fs.writeFileSync(file, content);
      await assert.rejects(source.earlier(tail.start, tail.inode), /rotated/);
      fs.rmSync(file);
      await assert.rejects(new RemoteLogSource(localExec, file).tail(), /cannot read/);
      assert.strictEqual(await new RemoteLogSource(localExec, `${file}.1`).linesBefore(tail.start), 2800);
    } finally {
      cleanup();
    }
  });

  it('reads on when the first small read holds fewer lines than wanted (long lines), within the byte bound', async () => {
    const { dir, cleanup } = tempTree({});
    try {
      const file = path.join(dir, 'long.log');
      const lines = Array.from({ length: 600 }, (_, i) => `${i + 1} ${'y'.repeat(3000)}`);
      fs.writeFileSync(file, lines.join('\n') + '\n');
      const window = await new RemoteLogSource(localExec, file, { lines: 500, bytes: 4 << 20, firstBytes: 1 << 20 }).tail();
      assert.strictEqual(window.lines, 500);
      assert.strictEqual(window.text, lines.slice(100).join('\n') + '\n');
      assert.strictEqual(window.start, Buffer.byteLength(lines.slice(0, 100).join('\n') + '\n'));
      const bounded = await new RemoteLogSource(localExec, file, { lines: 500, bytes: 900_000, firstBytes: 300_000 }).tail();
      assert.ok(bounded.lines < 500 && bounded.end - bounded.start <= 900_000, 'never more than the byte bound');
      assert.ok(bounded.text.endsWith(`600 ${'y'.repeat(3000)}\n`));
    } finally {
      cleanup();
    }
  });

  it('parses the header line and quotes every value of the commands', () => {
    assert.deepStrictEqual(parseHeader(Buffer.from('SOFA-OPS-LOG 12 345 6\nbody')), { header: { size: 12, inode: '345', start: 6 }, bodyOffset: 22 });
    assert.strictEqual(parseHeader(Buffer.from('SOFA-OPS-LOG 12')), undefined);
    assert.strictEqual(tailNotice("tail: '/x/app.log' has been replaced;  following new file\n"), 'new-file');
    assert.strictEqual(tailNotice('tail: /x/app.log: file truncated\n'), 'new-file');
    assert.strictEqual(tailNotice("tail: '/x/app.log' has become inaccessible: No such file or directory\n"), 'other');
    assert.strictEqual(tailNotice('tail: of a log line that only looks like it\n'), undefined);
    assert.strictEqual(tailNotice('2024-05-06 tail: has been replaced\n'), undefined);
    assert.match(tailWindowCommand("/x/it's.log", 5000, 4 << 20), /f='\/x\/it'\\''s\.log'/);
    assert.throws(() => tailWindowCommand('/x', -1, 10), /non-negative/);
    const grep = remoteGrepCommand('/l', { literals: true, regexes: ["a'$(id)"] });
    assert.match(grep, /-e 'a'\\''\$\(id\)'/);
    assert.match(grep, /grep -a -n -F -f - -- "\$f"/);
  });
});

describe('remote grep scan', () => {
  it('translates the catalog regexes grep can run, and refuses what it cannot', () => {
    assert.strictEqual(toExtendedRegex('^\\d{4}-\\d{2}'), '^[0-9]{4}-[0-9]{2}');
    assert.strictEqual(toExtendedRegex('^\\S'), '^\\S');
    assert.strictEqual(toExtendedRegex('#false\\s*$'), '#false\\s*$');
    assert.strictEqual(toExtendedRegex('client\\[[^]x]*\\]'), 'client\\[[^]x]*\\]');
    assert.strictEqual(toExtendedRegex('a\\/b'), 'a/b');
    for (const js of ['result \\[(?!OK\\])', 'a.*?b', '(a)\\1', 'x[^\\]]', '\\bword\\b']) assert.strictEqual(toExtendedRegex(js), undefined, js);
  });

  /** A log with every catalog sample and every pattern's text, between ordinary lines and stack traces. */
  function syntheticLog(): string {
    const lines: string[] = [];
    let n = 0;
    const literal = (p: LogPattern) => (p.regex ? undefined : p.match);
    for (const log of catalog.logs) {
      for (const sample of log.samples ?? []) lines.push(logback('INFO', `ordinary ${n++}`), sample);
    }
    for (const p of catalog.patterns) {
      const text = literal(p);
      if (!text) continue;
      lines.push(logback('ERROR', `${text} while serving ${n++}`), '\tat com.alipay.Foo.bar(Foo.java:1)', 'Caused by: java.io.IOException: x');
      lines.push(logback('INFO', `${text.slice(0, Math.max(1, text.length - 2))} look-alike ${n++}`));
    }
    lines.push('   indented continuation', 'msgbroker error at column one', 'dbp_watchman#20170810#2017-11-18,20:03:36.000#false');
    return lines.join('\n') + '\n';
  }

  const brief = (findings: LogFinding[]) => findings.map((f) => `${f.line}:${f.matches.map((m) => `${m.pattern.id}@${m.start}-${m.end}`).join(',')}`);

  for (const logPath of [
    '/x/unknown-to-the-catalog.log',
    '/home/admin/logs/common-error.log',
    '/home/admin/logs/confreg-data/decision.60dt.log',
    '/home/admin/logs/zdalproxy/config-digest.log',
    '/home/admin/logs/zdalproxy/sql-stat.log',
  ]) {
    it(`finds on the host what a local scan finds: ${path.basename(logPath)}`, async () => {
      const logs = resolveLogs(catalog, logPath);
      const matcher = compileLogMatcher(catalog, logs);
      const { dir, cleanup } = tempTree({});
      try {
        const folder = path.join(dir, HOSTILE_DIR);
        fs.mkdirSync(folder);
        const file = path.join(folder, HOSTILE_FILE);
        fs.writeFileSync(file, syntheticLog());
        const local: LogFinding[] = [];
        await scanFile(matcher, file, { onFinding: (f) => local.push(f) });
        const remote: LogFinding[] = [];
        const result = await scanRemoteLog(localExec, file, matcher, { onFinding: (f) => remote.push(f) });
        assert.ok(local.length > 0, 'the synthetic log has findings');
        assert.deepStrictEqual(brief(remote), brief(local));
        assert.strictEqual(result.totals.findings, local.length);
        const plan = planRemoteScan(matcher, file);
        assert.strictEqual(result.mode, plan.mode);
        if (plan.mode === 'grep' && !matcher.linePatterns.length) {
          assert.ok(result.transferred < fs.statSync(file).size / 2, `only matching lines travel (${result.transferred} bytes)`);
          for (const literal of matcher.literals) assert.ok(!commandsRun[commandsRun.length - 1].includes(literal), 'literals go on stdin, not the command line');
        }
        assert.ok(!fs.existsSync(path.join(folder, 'PWNED')));
      } finally {
        cleanup();
      }
    });
  }

  it('chooses grep for literal and ERE-able patterns, streaming for field formats', () => {
    const plan = (p: string) => planRemoteScan(compileLogMatcher(catalog, resolveLogs(catalog, p)), p).mode;
    assert.strictEqual(plan('/x/unknown.log'), 'grep');
    assert.strictEqual(plan('/home/admin/logs/common-error.log'), 'grep');
    assert.strictEqual(plan('/home/admin/logs/drmdata/drmdata-heartbeat.log'), 'stream');
  });
});

describe('remote follow', () => {
  it('delivers appended lines, follows a rotation (mv + new file), and stops the remote tail on dispose', async function () {
    this.timeout(20_000);
    const { dir, cleanup } = tempTree({ 'app.log': 'old line\n' });
    const file = path.join(dir, 'app.log');
    let received = '';
    const states: string[] = [];
    const follow = new RemoteFollow(localExec, file, { offset: Buffer.byteLength('old line\n'), onText: (t) => (received += t), onState: (s) => states.push(s) });
    try {
      await waitUntil(() => follow.currentState === 'following');
      fs.appendFileSync(file, 'first new\nsecond ');
      await waitUntil(() => received.includes('first new\n'));
      fs.appendFileSync(file, 'half\n');
      await waitUntil(() => received.includes('second half\n'));
      assert.ok(!received.includes('old line'), 'starts at the offset, not the file start');
      fs.renameSync(file, `${file}.1`);
      fs.writeFileSync(file, 'after rotation\n');
      await waitUntil(() => received.includes('after rotation\n'), 10_000);
      assert.strictEqual(received, 'first new\nsecond half\nafter rotation\n');
    } finally {
      follow.dispose();
      await follow.done;
      cleanup();
    }
    assert.deepStrictEqual(states, ['following', 'stopped']);
  });

  it('resumes at the offset it reached (no line twice, none lost), or at 0 of a rotated file', async function () {
    this.timeout(20_000);
    const { dir, cleanup } = tempTree({ 'app.log': 'a\n' });
    const file = path.join(dir, 'app.log');
    try {
      let got = '';
      const first = new RemoteFollow(localExec, file, { offset: 0, onText: (t) => (got += t) });
      await waitUntil(() => got === 'a\n');
      const resume = first.position;
      first.dispose();
      await first.done;
      fs.appendFileSync(file, 'b\n');
      const second = new RemoteFollow(localExec, file, { ...resume, onText: (t) => (got += t) });
      await waitUntil(() => got === 'a\nb\n');
      const again = second.position;
      second.dispose();
      await second.done;
      fs.renameSync(file, `${file}.1`);
      fs.writeFileSync(file, 'new file\n');
      const third = new RemoteFollow(localExec, file, { offset: again.offset, inode: again.inode, onText: (t) => (got += t) });
      await waitUntil(() => got.endsWith('new file\n'));
      third.dispose();
      await third.done;
      assert.strictEqual(got, 'a\nb\nnew file\n');
    } finally {
      cleanup();
    }
  });
});

describe('finding view', () => {
  it('gives ranges by severity, a hover in the reader\'s language with the other below, and a summary', () => {
    const matcher = compileLogMatcher(catalog, resolveLogs(catalog, '/home/admin/logs/zdalproxy/sql-stat.log'));
    const pattern = catalog.patterns.find((p) => !p.regex && p.logs.length === 0)!;
    const text = [logback('INFO', 'fine'), logback('ERROR', `${pattern.match} now`), '2018-07-02 19:12:41,720,cloud_load,SELECT,N,2633,1115578,95334,65305,27078,3589,801570,95728', logback('ERROR', `${pattern.match} again`)].join('\n');
    const { findings } = scanText(matcher, text);
    assert.deepStrictEqual(findings.map((f) => f.line), [2, 3, 4]);
    const marks = markRanges(findings);
    assert.deepStrictEqual(marks.lines.map((l) => l.line), [1, 2, 3]);
    const match = marks.ranges.find((r) => r.line === 1)!;
    assert.strictEqual(text.split('\n')[1].slice(match.start, match.end), pattern.match);
    assert.ok(marks.ranges.some((r) => r.line === 2), 'a bad field value is marked');

    const hover = findingMarkdown(findings[0], { lang: 'en', openSectionCommand: 'sofaOps.openGuideSection', sectionTitle: () => 'Title' });
    assert.ok(hover.includes(pattern.explanation.en.slice(0, 20).replace(/([\\`*_{}[\]<>#|])/g, '\\$1')), 'English explanation');
    assert.ok(hover.includes(pattern.explanation.zh.slice(0, 10).replace(/([\\`*_{}[\]<>#|])/g, '\\$1')), 'and the Chinese one below it');
    assert.ok(hover.includes(`command:sofaOps.openGuideSection?${encodeURIComponent(JSON.stringify([pattern.section]))}`), 'a link that opens the section');
    const table = findingMarkdown(findings[1], { lang: 'zh' });
    assert.match(table, /\| 字段 \| 值 \| 含义 \| 异常？ \|/, 'a zh hover has zh headers');
    assert.match(findingMarkdown(findings[1], { lang: 'en' }), /\| Field \| Value \| Meaning \| Bad\? \|/);
    assert.match(table, /`N`.*⚠/, 'the bad value is flagged in the table');

    const summary = summarizeFindings(findings);
    const row = summary.find((s) => s.id === pattern.id)!;
    assert.deepStrictEqual({ count: row.count, first: row.first, last: row.last }, { count: 2, first: 2, last: 4 });
    assert.strictEqual(nextFindingLine([1, 2, 3], 1, 1), 2);
    assert.strictEqual(nextFindingLine([1, 2, 3], 3, 1), 1, 'wraps');
    assert.strictEqual(nextFindingLine([1, 2, 3], 1, -1), 3, 'wraps backwards');
    assert.strictEqual(nextFindingLine([], 1, 1), undefined);
  });

  it('maps catalog paths onto a host\'s log root and picks the host\'s own log for shared names', () => {
    assert.strictEqual(hostLogPath('/home/admin/logs/registry/x.log', '/srv/logs'), '/srv/logs/registry/x.log');
    assert.strictEqual(hostLogPath('/var/log/other.log', '/srv/logs'), '/var/log/other.log');
    assert.strictEqual(hostLogPath('logs/tracelog/msg-sub-digest.log', '/home/admin/logs'), '/home/admin/logs/tracelog/msg-sub-digest.log');
    const common = logOnHost(catalog, 'common-error.log', { logRoot: '/srv/logs', component: 'drmdata', groups: [] })!;
    assert.deepStrictEqual(common.logs.map((l) => l.id), ['drmdata-common-error']);
    assert.strictEqual(common.path, '/srv/logs/drmdata/common-error.log');
    assert.strictEqual(logOnHost(catalog, 'no-such.log', { logRoot: '/srv' }), undefined);
    assert.strictEqual(logOnHost(catalog, 'custom/no-such.log', { logRoot: '/srv' })!.path, '/srv/custom/no-such.log');
  });
});

async function waitUntil(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
