/** Reports a manager and a CI dashboard read, the plan over the bundled catalog, history, exit codes. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exitCode } from '../../../../src/cli/inspectCommand';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { planInspection } from '../../../../src/core/checks/checkPlan';
import { loadHistory, saveInspection } from '../../../../src/core/checks/history';
import { htmlReport, junitReport, markdownReport, renderReport } from '../../../../src/core/checks/reports';
import { runbooksFor } from '../../../../src/core/checks/runbookLinks';
import type { CheckResult, Inspection } from '../../../../src/core/checks/types';
import type { InventoryHost } from '../../../../src/core/inventory/inventory';
import { bundledCatalog } from '../../helpers';

const bi = (en: string, zh = en) => ({ zh, en });
function result(over: Partial<CheckResult>): CheckResult {
  return { checkId: 'c', product: 'registry', kind: 'resource', component: 'registry-data', host: 'registry-data-1', status: 'pass', message: 'ok', section: '7.7.1.1', title: bi('Disk usage', '磁盘使用率'), passWhen: bi('at most 80%'), durationMs: 12, ...over };
}

const inspection: Inspection = {
  startedAt: '2026-11-26T08:00:00.000Z',
  durationMs: 1490,
  scope: {},
  hosts: ['registry-data-1', 'msgbroker-1'],
  results: [
    result({ checkId: 'registry-basic-disk', status: 'fail', value: '93% (/home)', threshold: '> 80%', message: 'disk 93% > 80%', action: bi('Clean up <old> logs & retry', '清理日志') }),
    result({ checkId: 'registry-basic-cpu', value: '4.0%', threshold: '> 80%' }),
    result({ checkId: 'mq-msgbroker-ports', product: 'mq', kind: 'port', component: 'msgbroker', host: 'msgbroker-1', status: 'error', message: 'unreachable: msgbroker-1 is unreachable \u0007' }),
    result({ checkId: 'mq-by-hand', product: 'mq', kind: 'manual', component: 'msgbroker', host: undefined, status: 'manual', message: 'listed' }),
    result({ checkId: 'registry-meta-majority', product: 'registry', kind: 'composite', component: 'registry-meta', host: undefined, status: 'warn', value: '2/3 alive', threshold: '> 1/3' }),
  ],
};

function parseXml(xml: string): string {
  const r = spawnSync('python3', ['-c', [
    'import sys, xml.etree.ElementTree as E',
    'root = E.fromstring(sys.stdin.buffer.read())',
    'print(root.tag, root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped"))',
    'for s in root: print(s.get("name"), len(s.findall("testcase")), len(s.findall("testcase/failure")), len(s.findall("testcase/error")), len(s.findall("testcase/skipped")))',
  ].join('\n')], { input: xml, encoding: 'utf8' });
  assert.strictEqual(r.status, 0, r.stderr);
  return r.stdout;
}

describe('inspection reports', () => {
  it('JUnit XML is well-formed, with one suite per product and FAIL/ERROR/MANUAL as failure/error/skipped', () => {
    const xml = junitReport(inspection);
    assert.strictEqual(parseXml(xml), 'testsuites 5 1 1 1\nregistry 3 1 0 0\nmq 2 0 1 1\n');
    assert.ok(xml.includes('action: Clean up &lt;old&gt; logs &amp; retry / 清理日志'));
    assert.ok(!xml.includes('\u0007'), 'control characters cannot be in XML 1.0');
  });

  it('Markdown leads with what needs attention, the measured value, the threshold and the action in both languages', () => {
    const md = markdownReport(inspection, { lang: 'en' });
    assert.match(md, /^# SOFA Ops inspection 2026-11-26T08:00:00.000Z\n\n\*\*FAIL\*\* — 1 FAIL, 1 ERROR, 1 WARN, 1 PASS, 1 MANUAL\./);
    assert.match(md, /\| registry \| FAIL \| 1 \| 1 \| 1 \| 0 \| 0 \|/);
    assert.match(md, /action: Clean up <old> logs & retry \/ 清理日志/);
    const zh = markdownReport(inspection, { lang: 'zh' });
    assert.match(zh, /^# SOFA Ops 巡检 2026-11-26T08:00:00.000Z\n\n\*\*失败\*\* — 1 失败，1 无法检查，1 警告，1 通过，1 人工。2 台主机，1\.5 秒。/);
    assert.match(zh, /- \*\*失败\*\* 磁盘使用率 — `registry-data-1` \(registry, 指南 §7\.7\.1\.1\)\n {2}- 测量值：93% \(\/home\)；期望：> 80%/);
    assert.match(zh, /运维动作：清理日志 \/ Clean up <old> logs & retry/);
  });

  it('HTML is self-contained: inline SVG chart per product, no script, no external asset, escaped text', () => {
    const html = htmlReport(inspection, { history: [{ ...inspection, startedAt: '2026-11-25T08:00:00.000Z', results: inspection.results.slice(1) }] });
    assert.ok(!/<script|src=|href=|@import|url\(/i.test(html));
    assert.strictEqual((html.match(/<svg /g) ?? []).length, 2, 'products chart and the trend of the last runs');
    assert.match(html, /<h2>Last 2 runs<\/h2>/);
    assert.ok(html.includes('Clean up &lt;old&gt; logs &amp; retry'));
    assert.match(html, /<title>registry: 1 FAIL<\/title>/);
  });

  it('JSON round-trips', () => {
    assert.deepStrictEqual(JSON.parse(renderReport('json', inspection)), JSON.parse(JSON.stringify(inspection)));
  });
});

describe('inspection history', () => {
  it('keeps one file per run named by time, reads the newest first and skips broken files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-history-'));
    try {
      await saveInspection(dir, { ...inspection, startedAt: '2026-11-24T08:00:00.000Z' });
      const file = await saveInspection(dir, inspection);
      assert.strictEqual(path.basename(file), '2026-11-26T08-00-00-000Z.json');
      fs.writeFileSync(path.join(dir, '2026-11-27T00-00-00-000Z.json'), '{ broken');
      const { inspections, skipped } = await loadHistory(dir, 5);
      assert.deepStrictEqual(inspections.map((i) => i.startedAt), ['2026-11-26T08:00:00.000Z', '2026-11-24T08:00:00.000Z']);
      assert.strictEqual(skipped.length, 1);
      assert.deepStrictEqual(await loadHistory(path.join(dir, 'none')), { inspections: [], skipped: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('exit codes of sofa-ops inspect', () => {
  it('0 all pass (WARN, MANUAL too), 1 any FAIL or ERROR, 2 when nothing could be checked', () => {
    assert.strictEqual(exitCode([result({}), result({ status: 'warn' }), result({ status: 'manual' })]), 0);
    assert.strictEqual(exitCode(inspection.results), 1);
    assert.strictEqual(exitCode([result({}), result({ status: 'error' })]), 1);
    assert.strictEqual(exitCode([result({ status: 'error' }), result({ status: 'manual' })]), 2);
  });
});

describe('inspection plan over the bundled catalog', () => {
  const h = (name: string, product: string, component: string): InventoryHost => ({ name, host: '127.0.0.1', port: 2022, identityFiles: [], logRoot: '/home/admin/logs', product, component, groups: [component, product], tags: [], source: { file: 'x', line: 1 } });

  it('gives each host its component\'s checks, and the guide\'s second name for a component its rules', async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const hosts = [h('registry-data-1', 'registry', 'registry-data'), h('registry-data-2', 'registry', 'registry-data'), h('msgbroker-1', 'mq', 'msgbroker')];
    const plan = planInspection(catalog, hosts);
    const data = plan.hosts.find((x) => x.host.name === 'registry-data-1')!.checks.map((c) => c.check.id);
    for (const id of ['registry-basic-disk', 'registry-data-health', 'registry-data-listen-ports', 'registry-java-process']) assert.ok(data.includes(id), id);
    assert.ok(!data.includes('registry-meta-health'));
    const broker = plan.hosts.find((x) => x.host.name === 'msgbroker-1')!.checks.map((c) => c.check.id);
    assert.ok(broker.includes('mq-msgbroker-ports') && broker.includes('mq-msgbroker-port-9529-listen'));
    // microservice's "dataserver" is registry's registry-data (both alias data-server).
    const majority = plan.composites.find((c) => c.check.id === 'microservice-dataserver-majority-alive')!;
    assert.deepStrictEqual(majority.hosts.map((x) => x.name), ['registry-data-1', 'registry-data-2']);
    assert.ok(plan.manual.every((m) => m.check.kind === 'manual'));
    const onlyMq = planInspection(catalog, hosts, { product: 'mq' });
    assert.deepStrictEqual(onlyMq.hosts.map((x) => x.host.name), ['msgbroker-1']);
    assert.deepStrictEqual(planInspection(catalog, hosts, { component: 'dataserver' }).composites.map((c) => c.check.id), ['microservice-dataserver-majority-alive']);
  });

  it('links a failed check to the runbooks of its product by section or component', () => {
    const runbooks = [
      { product: 'registry', file: 'restart-meta.runbook.md', title: 'Restart meta', components: ['registry-meta'], section: '7.4.6' },
      { product: 'registry', file: 'close-push.runbook.md', title: 'Close push', components: [], section: '7.7.2' },
      { product: 'mq', file: 'x.runbook.md', title: 'x', components: ['registry-meta'] },
    ];
    assert.deepStrictEqual(runbooksFor({ product: 'registry', section: '7.7.2', component: 'registry-meta' }, runbooks).map((r) => r.file), ['close-push.runbook.md', 'restart-meta.runbook.md']);
    assert.deepStrictEqual(runbooksFor({ product: 'registry', section: '7.7.1.1', component: 'registry-data' }, runbooks), []);
  });
});
