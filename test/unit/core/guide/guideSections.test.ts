import * as assert from 'assert';
import { readFileSync } from 'fs';
import * as path from 'path';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { GuideSections } from '../../../../src/core/guide/guideSections';
import { itemsOfSection } from '../../../../src/core/guide/sectionItems';
import { bundledCatalog } from '../../helpers';

const guide = new GuideSections(readFileSync(path.join(bundledCatalog, 'guide.zh.md'), 'utf8'));

describe('guide sections', () => {
  it('finds every numbered section of the guide, with its subsections', () => {
    assert.ok(guide.size > 250, `only ${guide.size} sections`);
    const prePush = guide.find('7.4.1')!;
    assert.strictEqual(prePush.title, '预置操作');
    assert.match(prePush.markdown, /curl http:\/\/localhost:9615\/stopPushDataSwitch\/open/);
    assert.doesNotMatch(prePush.markdown, /stopPushDataSwitch\/close/, '7.4.2 is not part of 7.4.1');
    assert.match(guide.find('7.4')!.markdown, /stopPushDataSwitch\/close/, '7.4 contains its subsections');
  });

  it('falls back to the closest enclosing section and ignores headings inside code', () => {
    assert.strictEqual(guide.find('7.4.1.9')!.number, '7.4.1');
    assert.strictEqual(guide.find('99'), undefined);
    const fenced = new GuideSections('# 1 A\n\n```\n# 2 not a heading\n```\n\n## 1.1 B\n');
    assert.deepStrictEqual(fenced.all().map((s) => s.number), ['1', '1.1']);
  });

  it('every section a catalog item cites exists in the guide', async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const missing: string[] = [];
    for (const p of catalog.products) {
      for (const item of [p.product, ...p.components, ...p.metrics, ...p.logs, ...p.patterns, ...p.checks, ...p.plans]) {
        if (guide.find(item.section)?.number !== item.section) missing.push(`${'id' in item ? item.id : ''} §${item.section}`);
      }
    }
    assert.deepStrictEqual(missing, []);
  });

  it('lists the catalog items taken from a section', async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const items = itemsOfSection(catalog, '10.4.2', 'en');
    assert.ok(items.some((i) => i.label === 'Domain Not Found' && /time/i.test(i.detail)), JSON.stringify(items));
  });

  it("beside the guide's text, marks what is not its words and what the catalog corrected", async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const log = itemsOfSection(catalog, '5.3.1.1', 'zh').find((i) => i.id === 'dtxserver-common-default')!;
    assert.match(log.detail, /^默认日志 — 说明: 指南该行的路径列重复了/);
    const check = itemsOfSection(catalog, '10.5.1.1', 'zh').find((i) => i.id === 'acvip-basic-port-2022')!;
    assert.match(check.detail, /端口 2022 可以访问（告警阈值：不通）（转述，非指南原文） — 说明: 指南该表格单元格写作“2022 3 不通”/);
  });
});
