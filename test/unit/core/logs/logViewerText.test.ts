/**
 * What the log viewer shows, as a user reads it: the file's own line numbers (as `grep -n` counts),
 * hovers that name the problem and its action with a § link (never the catalog's internal ids)
 * and a field table that fits, the host's whole reason when a read fails, and `--log NAME`
 * resolved through the host's component.
 */
import * as assert from 'assert';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import type { Catalog, LogFormat } from '../../../../src/core/catalog/types';
import { fileLineNumbers } from '../../../../src/core/logs/fileLineNumbers';
import { badFieldAdvice, findingMarkdown, MAX_HOVER_FIELDS } from '../../../../src/core/logs/findingView';
import { componentLogFolder, logOnHost } from '../../../../src/core/logs/hostLogPath';
import { type LogCatalog, logCatalogOf, resolveLogs } from '../../../../src/core/logs/logCatalog';
import { compileLogMatcher } from '../../../../src/core/logs/logMatcher';
import { type LogFinding, scanText } from '../../../../src/core/logs/logScanner';
import { describeFailure } from '../../../../src/core/logs/remoteLogSource';
import { BoundedBuffer } from '../../../../src/core/ssh/remoteExec';
import { stderrReason } from '../../../../src/core/ssh/stderrReason';
import { bundledCatalog } from '../../helpers';

let full: Catalog;
let catalog: LogCatalog;
before(async () => {
  const loaded = await loadCatalog(bundledCatalog);
  assert.deepStrictEqual(loaded.problems, []);
  full = loaded.catalog;
  catalog = logCatalogOf(full);
});

describe('file line numbers in the log viewer', () => {
  it('numbers a window as the file does: editor line 0 after 7,000 lines is line 7001', () => {
    const labels = fileLineNumbers(7000, 0, 2, 5001, true);
    assert.deepStrictEqual(labels.map((l) => [l.line, l.text.trim()]), [[0, '7001'], [1, '7002'], [2, '7003']]);
    // After "load earlier" the window starts 5,000 lines further up: the same text keeps its number.
    const after = fileLineNumbers(2000, 5000, 5000, 10_001, true);
    assert.deepStrictEqual(after.map((l) => l.text.trim()), ['7001']);
  });

  it('pads to one width, numbers no line past the file\'s last, and none while the count is unknown', () => {
    const labels = fileLineNumbers(95, 0, 100, 11, true);
    assert.strictEqual(labels.length, 10, 'the empty line after the last break is no line of the file');
    assert.deepStrictEqual([labels[0].text, labels[9].text], ['\u00a096', '105']);
    assert.strictEqual(fileLineNumbers(95, 0, 100, 11, false).length, 11, 'a partial last line is a line');
    assert.deepStrictEqual(fileLineNumbers(undefined, 0, 100, 11, true), []);
    assert.deepStrictEqual(fileLineNumbers(0, -200, 1, 3, true).map((l) => l.text), ['1', '2']);
  });
});

describe('log hovers', () => {
  const pushLine = '2024-05-06 10:11:12,345 [push]inst-1;com.alipay.config.Key;10.0.0.5;1';

  function pushFinding(): LogFinding {
    const matcher = compileLogMatcher(catalog, resolveLogs(catalog, 'drmdata-drmdata-push'));
    const { findings } = scanText(matcher, pushLine);
    assert.strictEqual(findings.length, 1);
    return findings[0];
  }

  it('names a bad field value with its meaning, the check\'s action and a § link, and no internal id', () => {
    const advice = badFieldAdvice(full);
    const hover = findingMarkdown(pushFinding(), { lang: 'en', openSectionCommand: 'sofaOps.openGuideSection', fieldAdvice: (id) => advice.get(id) });
    assert.ok(!hover.includes('microservice-fmt-drmdata-push'), hover);
    assert.match(hover, /`result` = `1`: 1 = the push failed/);
    assert.match(hover, /\*\*Action:\*\* Dynamic configuration push failed/);
    assert.ok(hover.includes(`command:sofaOps.openGuideSection?${encodeURIComponent(JSON.stringify(['2.3.1']))}`), 'a link to §2.3.1');
    assert.match(hover, /\*中文:\* 1\(推送失败\) — 动态配置推送失败/, 'the other language below, as for patterns');
    const zh = findingMarkdown(pushFinding(), { lang: 'zh', fieldAdvice: (id) => advice.get(id) });
    assert.match(zh, /\*\*(Action|运维动作):\*\* 动态配置推送失败/);
  });

  it('still gives an action line and the log\'s § where no check names an action', () => {
    const advice = badFieldAdvice(full);
    const heartbeat = advice.get('microservice-fmt-drmdata-heartbeat.status');
    assert.deepStrictEqual(heartbeat, { section: '2.3.1' });
    const finding = pushFinding();
    const hover = findingMarkdown(finding, { lang: 'en', fieldAdvice: () => heartbeat });
    assert.match(hover, /\*\*Action:\*\* \*the guide names no action for this value/);
    assert.match(hover, /Guide §2\.3\.1/);
  });

  it('puts bad values first in the field table and cuts a long table with a count', () => {
    const format: LogFormat = { id: 'test-fmt-wide', separator: ',', fields: [] };
    const fields = Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, value: i === 17 ? 'BAD' : 'x'.repeat(i === 3 ? 500 : 3), meaning: { zh: `字段 ${i}`, en: `field ${i}` }, ...(i === 17 ? { bad: { zh: '坏', en: 'bad value' } } : {}) }));
    const finding: LogFinding = { line: 1, text: 'x', matches: [], structured: { format, fields } };
    const hover = findingMarkdown(finding, { lang: 'en' });
    const rows = hover.split('\n').filter((l) => l.startsWith('| `'));
    assert.strictEqual(rows.length, MAX_HOVER_FIELDS);
    assert.match(rows[0], /^\| `f17` \| `BAD` \|.*⚠ bad value/, 'the bad value is the first row');
    assert.match(hover, new RegExp(`\\+${20 - MAX_HOVER_FIELDS} more field\\(s\\) not shown`));
    assert.ok(!hover.includes('x'.repeat(100)), 'a long value is clipped');
    assert.ok(!hover.includes('test-fmt-wide'), 'no format id');
  });

  it('gives the entry\'s start as a file line, or leaves it out while the window\'s place is unknown', () => {
    const finding: LogFinding = { ...pushFinding(), entry: { line: 3, text: 'first' } };
    assert.match(findingMarkdown(finding, { lang: 'en', fileLine: (l) => 7000 + l }), /starts on line 7003\*/);
    assert.ok(!/starts on line/.test(findingMarkdown(finding, { lang: 'en', fileLine: () => undefined })));
  });
});

describe('remote failure reasons', () => {
  it('shows the host\'s whole reason, never the buffer\'s cut mark', () => {
    const reason = 'cat: /home/admin/logs/dsrconsole/common-error.log: No such file or directory';
    // What a command streamed with maxBufferBytes 0 used to keep of its stderr: only the cut mark.
    const nothing = new BoundedBuffer(0);
    nothing.push(Buffer.from(`${reason}\n`));
    assert.strictEqual(stderrReason(nothing.text()), undefined);
    const kept = new BoundedBuffer(64 * 1024);
    kept.push(Buffer.from(`${'noise\n'.repeat(20_000)}${reason}\n`));
    assert.match(kept.text(), /more bytes not kept/);
    assert.strictEqual(stderrReason(kept.text()), ['noise', 'noise', 'noise', 'noise', reason].join(' · '));
    assert.strictEqual(stderrReason(`${reason}\n`), reason);
    const long = `awk: ${'y'.repeat(3000)}`;
    assert.strictEqual(stderrReason(`first\n${long}\n`), long, 'the last line whole, however long; earlier ones only if they fit');
    const failure = describeFailure('/x.log', { outcome: 'exit', exitCode: 1, signal: null, stdout: '', stderr: `${reason}\n`, stdoutDropped: 0, stderrDropped: 0, durationMs: 1 });
    assert.strictEqual(failure, `cannot read /x.log: ${reason}`);
  });
});

describe('--log NAME on a host', () => {
  const session = { logRoot: '/home/admin/logs', component: 'registry-session', groups: ['registry-session', 'registry'] };

  it('reads a shared name from the host\'s component\'s log folder, not another product\'s file', () => {
    const where = logOnHost(catalog, 'common-error.log', session)!;
    assert.strictEqual(where.path, '/home/admin/logs/registry/session/common-error.log');
    assert.deepStrictEqual(where.logs, []);
    assert.match(where.note!, /not for registry-session/);
    assert.strictEqual(componentLogFolder(catalog, { ...session, logRoot: '/srv/x' }), '/srv/x/registry/session');
  });

  it('keeps the host\'s own catalog log when it has one, and explicit ids and paths as given', () => {
    assert.strictEqual(logOnHost(catalog, 'registry-session.log', session)!.path, '/home/admin/logs/registry/session/registry-session.log');
    const drm = logOnHost(catalog, 'common-error.log', { logRoot: '/srv/logs', component: 'drmdata', groups: [] })!;
    assert.deepStrictEqual([drm.path, drm.logs.map((l) => l.id), drm.note], ['/srv/logs/drmdata/common-error.log', ['drmdata-common-error'], undefined]);
    assert.strictEqual(logOnHost(catalog, 'dsrconsole-common-error', session)!.path, '/home/admin/logs/dsrconsole/common-error.log', 'an id names one file');
    assert.strictEqual(logOnHost(catalog, '/var/log/common-error.log', session)!.path, '/var/log/common-error.log');
    // A single other-component log of that name is not the host's either.
    assert.strictEqual(logOnHost(catalog, 'drmdata-push.log', session)!.path, '/home/admin/logs/registry/session/drmdata-push.log');
    // A host the catalog knows no logs for keeps the old answer.
    assert.strictEqual(logOnHost(catalog, 'drmdata-push.log', { logRoot: '/srv' })!.path, '/srv/drmdata/drmdata-push.log');
  });
});
