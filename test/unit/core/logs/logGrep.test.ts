/**
 * The host-side grep and time window, run with the local `sh`: the layouts the guide uses
 * (logback `%d`, `[%d{ISO8601}]`, digest `.mmm`), a banner before the first time, a stack trace
 * longer than the bisection's linear-read size, CRLF lines; and the timeline's burst collapsing
 * and Markdown.
 */
import * as assert from 'assert';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { GrepOutputParser, type GrepQuery, grepStdin, logGrepCommand } from '../../../../src/core/logs/logGrep';
import { collapseBursts, type Timeline, type TimelineEvent, timelineMarkdown } from '../../../../src/core/logs/logTimeline';
import { parseTimeBound, parseWindow, TimeParseError } from '../../../../src/core/logs/timeWindow';
import { localExec } from './localExec';

async function grep(file: string, query: GrepQuery): Promise<[number, string][]> {
  const parser = new GrepOutputParser();
  const r = await localExec(logGrepCommand(file, query), { stdin: grepStdin(query), onStdout: (c) => parser.push(c) });
  assert.ok(r.exitCode === 0 || r.exitCode === 1, r.stderr);
  return parser.end().files.flatMap((f) => f.lines.map((l): [number, string] => [l.line, l.text]));
}

/** The window by hand: the entry's time is the last `YYYY-MM-DD HH:MM:SS` seen (after an optional `[`), milliseconds after `,` or `.`. */
function reference(text: string, since: string, until: string, literal: string): [number, string][] {
  const out: [number, string][] = [];
  let entry: string | undefined;
  text.split('\n').slice(0, -1).forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const s = line.startsWith('[') ? line.slice(1) : line;
    if (/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/.test(s)) entry = `${s.slice(0, 10)} ${s.slice(11, 19)}.${/^[.,]\d{3}/.test(s.slice(19)) ? s.slice(20, 23) : '000'}`;
    if (entry !== undefined && entry >= since && entry < until && line.includes(literal)) out.push([i + 1, line]);
  });
  return out;
}

describe('logs grep on the host side (local sh)', () => {
  let dir: string;
  let file: string;
  let text: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-grep-unit-'));
    file = path.join(dir, 'mixed.log');
    const lines = ['=== banner before any time: hit', 'still the banner: hit'];
    for (let i = 0; i < 6000; i++) {
      const sec = String(i % 60).padStart(2, '0');
      const min = String(Math.floor(i / 60) % 60).padStart(2, '0');
      const ms = String((i * 7) % 1000).padStart(3, '0');
      const hour = 10 + Math.floor(i / 3600);
      if (i % 3 === 0) lines.push(`2026-11-02 ${hour}:${min}:${sec},${ms} INFO [main] x - hit ${i}`);
      else if (i % 3 === 1) lines.push(`[2026-11-02 ${hour}:${min}:${sec},${ms}] WARN y - hit ${i}\r`);
      else lines.push(`2026-11-02 ${hour}:${min}:${sec}.${ms},digest,Y,hit ${i}`);
      // A 300 KB stack trace in the middle: no times for a while.
      if (i === 3000) for (let j = 0; j < 5000; j++) lines.push(`\tat com.alipay.Deep.frame${j}(Deep.java:${j}) hit`);
    }
    text = lines.join('\n') + '\n';
    writeFileSync(file, text);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts exactly the entries of the window, in every layout, whatever the window', async () => {
    const windows: [string, string][] = [
      ['2026-11-02 10:00', '2026-11-02 10:00:01'], // right after the banner
      ['2026-11-02 10:50:00', '2026-11-02 10:50:00,500'], // the long trace belongs to 10:50:00,000
      ['2026-11-02 10:50:00,001', '2026-11-02 10:51'],
      ['2026-11-02 11:39:59', '2026-11-02 12:00'], // the file's end
      ['2026-11-02 09:00', '2026-11-02 09:59'], // before everything
      ['2026-11-02 10:20:30,123', '2026-11-02 10:20:30,124'], // exactly one millisecond
    ];
    for (const [since, until] of windows) {
      const window = parseWindow(since, until);
      assert.deepStrictEqual(await grep(file, { pattern: 'hit', window }), reference(text, window.since!, window.until!, 'hit'), `${since} – ${until}`);
    }
  });

  it('without --since, lines before the first time are in the window; without --until it runs to the end', async () => {
    const head = await grep(file, { pattern: 'hit', window: parseWindow(undefined, '2026-11-02 10:00:00,001') });
    assert.deepStrictEqual(head.map((l) => l[0]), [1, 2, 3]);
    const tail = await grep(file, { pattern: 'hit', window: parseWindow('2026-11-02 11:39:59', undefined) });
    assert.strictEqual(tail[tail.length - 1][0], text.split('\n').length - 1);
  });

  it('takes a pattern that looks like an option as text, and stops at --max-count per file', async () => {
    const odd = path.join(dir, 'odd.log');
    writeFileSync(odd, 'a\n-e x --C 2\nb\n-e x --C 2 again\n-e x --C 2 third\n');
    assert.deepStrictEqual(await grep(odd, { pattern: '-e x --C 2' }), [[2, '-e x --C 2'], [4, '-e x --C 2 again'], [5, '-e x --C 2 third']]);
    assert.deepStrictEqual(await grep(odd, { pattern: '-e x --C 2', maxCount: 2 }), [[2, '-e x --C 2'], [4, '-e x --C 2 again']]);
  });

  it('reads time bounds the way operators type them and refuses the rest', () => {
    assert.strictEqual(parseTimeBound('2026-11-02 03:10'), '2026-11-02 03:10:00.000');
    assert.strictEqual(parseTimeBound('2026-11-02T03:10:05,25'), '2026-11-02 03:10:05.250');
    assert.strictEqual(parseTimeBound('2026-11-02'), '2026-11-02 00:00:00.000');
    assert.throws(() => parseTimeBound('03:10'), TimeParseError);
    assert.throws(() => parseTimeBound('2026-11-02 24:00'), /hour 24 is out of range/);
    assert.throws(() => parseWindow('2026-11-02 04:00', '2026-11-02 03:00'), /is not before/);
  });
});

describe('timeline rows', () => {
  const event = (time: string, host: string, pattern: string, line: number): TimelineEvent => ({ time, host, file: '/l/a.log', line, severity: 'error', pattern, section: '2.1', explanation: 'why | how', action: 'do', text: `${time} x | y` });

  it('collapses a run of one pattern on one host into a row with its count, first and last line', () => {
    const rows = collapseBursts([
      event('2026-11-02 03:10:00.000', 'h1', 'p', 10),
      event('2026-11-02 03:10:02.000', 'h1', 'p', 12),
      event('2026-11-02 03:10:01.000', 'h1', 'p', 11),
      event('2026-11-02 03:10:03.000', 'h1', 'q', 13),
      event('2026-11-02 03:10:04.000', 'h1', 'p', 14),
    ]);
    assert.deepStrictEqual(rows.map((r) => [r.pattern, r.count, r.line, r.lastLine, r.lastTime]), [
      ['p', 3, 10, 12, '2026-11-02 03:10:02.000'],
      ['q', 1, 13, 13, '2026-11-02 03:10:03.000'],
      ['p', 1, 14, 14, '2026-11-02 03:10:04.000'],
    ]);
  });

  it('does not let lines of the host\'s other logs break a burst, nor merge two hosts', () => {
    const other = { ...event('2026-11-02 03:10:01.000', 'h1', 'r', 5), file: '/l/b.log' };
    const rows = collapseBursts([event('2026-11-02 03:10:00.000', 'h1', 'p', 10), other, event('2026-11-02 03:10:02.000', 'h1', 'p', 11)]);
    assert.deepStrictEqual(rows.map((r) => [r.file, r.pattern, r.count]), [['/l/a.log', 'p', 2], ['/l/b.log', 'r', 1]]);
    const two = [...collapseBursts([event('2026-11-02 03:10:00.000', 'h1', 'p', 10)]), ...collapseBursts([event('2026-11-02 03:10:00.500', 'h2', 'p', 10)])];
    assert.deepStrictEqual(two.map((r) => [r.host, r.count]), [['h1', 1], ['h2', 1]]);
  });

  it('writes a Markdown table whose cells keep their pipes as text', () => {
    const rows = collapseBursts([event('2026-11-02 03:10:00.000', 'h1', 'p', 10), event('2026-11-02 03:10:01.000', 'h1', 'p', 11)]);
    const timeline: Timeline = { window: parseWindow('2026-11-02 03:10', '2026-11-02 03:15'), hosts: ['h1', 'h2'], rows, events: 2, problems: [{ host: 'h2', message: 'connection refused' }] };
    const md = timelineMarkdown(timeline, 'en');
    const row = md.split('\n').find((l) => l.startsWith('| 2026'))!;
    assert.strictEqual(row.split(/(?<!\\)\|/).length, 9, row); // 7 cells
    assert.match(row, /\| 2 \(to 03:10:01\.000\) \|/);
    assert.match(md, /## Not read\n\n- h2: connection refused/);
    assert.match(timelineMarkdown(timeline, 'zh'), /^# 事件时间线/);
  });
});
