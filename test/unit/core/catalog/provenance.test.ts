import * as assert from 'assert';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { buildCatalogTree, walkNodes } from '../../../../src/core/catalog/catalogTree';
import { guideText, noteText, patternRemarks } from '../../../../src/core/catalog/provenance';
import type { Catalog } from '../../../../src/core/catalog/types';
import { findingMarkdown } from '../../../../src/core/logs/findingView';
import type { LogFinding } from '../../../../src/core/logs/logScanner';
import { bundledCatalog } from '../../helpers';

describe('provenance of catalog text (guide words, paraphrases, notes)', () => {
  it("labels a zh text that is not the guide's words, only where the zh text is shown", () => {
    assert.strictEqual(guideText({ zh: '端口可访问', en: 'Reachable', zhSource: 'paraphrase' }, 'zh'), '端口可访问（转述，非指南原文）');
    assert.strictEqual(guideText({ zh: '运维红线：禁止数据传输和披露。', en: 'Red line', zhSource: 'composed' }, 'zh'), '运维红线：禁止数据传输和披露。（摘自指南多处原文）');
    assert.strictEqual(guideText({ zh: '端口可访问', en: 'Reachable', zhSource: 'paraphrase' }, 'en'), 'Reachable');
    assert.strictEqual(guideText({ zh: '错误日志', en: 'Error log' }, 'zh'), '错误日志');
    // An empty English text falls back to the zh one, which then carries its label.
    assert.strictEqual(guideText({ zh: '端口可访问', en: '', zhSource: 'paraphrase' }, 'en'), "端口可访问（paraphrase, not the guide's words）");
  });

  it('shows a note in the reader\'s language, and nothing without one', () => {
    assert.strictEqual(noteText({ zh: '路径按文件名改正。', en: 'The path is corrected.' }, 'en'), 'Note: The path is corrected.');
    assert.strictEqual(noteText({ zh: '路径按文件名改正。', en: 'The path is corrected.' }, 'zh'), '说明: 路径按文件名改正。');
    assert.strictEqual(noteText(undefined, 'zh'), '');
    assert.deepStrictEqual(patternRemarks({}, 'en'), []);
    assert.deepStrictEqual(patternRemarks({ applicationLogs: true, note: { zh: '无原文', en: 'No log line quoted' } }, 'en'), [
      "Appears in the logs of the applications that use this product (the guide names no file), not in the product's own logs.",
      'Note: No log line quoted',
    ]);
  });

  describe('on the shipped catalog', () => {
    let catalog: Catalog;
    before(async () => {
      const loaded = await loadCatalog(bundledCatalog);
      assert.deepStrictEqual(loaded.problems, []);
      catalog = loaded.catalog;
    });
    const tooltipOf = (lang: 'zh' | 'en', id: string) => {
      const node = [...walkNodes(buildCatalogTree(catalog, lang))].find((n) => n.id.endsWith(`/${id}`));
      assert.ok(node, id);
      return node.tooltip!;
    };

    it("tree tooltips carry the note of a corrected item: the guide's path slip on dtxserver's common-default.log", () => {
      const log = catalog.products.flatMap((p) => p.logs).find((l) => l.id === 'dtxserver-common-default')!;
      assert.strictEqual(log.path, '/home/admin/logs/dtxserver/common-default.log', 'the structured field holds the corrected path');
      assert.match(tooltipOf('en', 'dtxserver-common-default'), /> Note: The guide's path column repeats \/home\/admin\/logs\/dtxserver\/common-error\.log/);
      assert.match(tooltipOf('zh', 'dtxserver-common-default'), /> 说明: 指南该行的路径列重复了/);
    });

    it('tree tooltips keep the guide\'s words and say what was corrected: "registry product" in the DST chapter', () => {
      const tip = tooltipOf('zh', 'dst-corewatch-custom-monitoring');
      assert.match(tip, /查看注册中心产品各项系统监控指标/, 'zh keeps the guide\'s slip');
      assert.match(tip, /说明: 指南此处写“注册中心产品”/);
    });

    it('tree tooltips label paraphrases in zh, and a step\'s note inline in its plan', () => {
      assert.match(tooltipOf('zh', 'acvip-basic-port-2022'), /✔ 端口 2022 可以访问（告警阈值：不通）（转述，非指南原文）/);
      assert.doesNotMatch(tooltipOf('en', 'acvip-basic-port-2022'), /paraphrase/);
      const plan = catalog.products.flatMap((p) => p.plans).find((p) => p.steps.some((s) => s.note?.en.includes("stray '>'")))!;
      assert.match(tooltipOf('en', plan.id), /Example: .*— \*Note: The guide's example has a stray '>' after DataCenterB/);
    });

    it('the Domain Not Found pattern says it appears in the applications\' logs (§10.4.2), in the tree and in a log hover', () => {
      const pattern = catalog.products.flatMap((p) => p.patterns).find((p) => p.id === 'acvip-domain-not-found')!;
      assert.deepStrictEqual([pattern.applicationLogs, pattern.logs], [true, []]);
      assert.match(tooltipOf('en', 'acvip-domain-not-found'), /> Appears in the logs of the applications that use this product/);
      const line = '2024-05-06 10:11:14,345 ERROR AcvipClient#40 main - Domain Not Found';
      const start = line.indexOf('Domain');
      const finding = { line: 1, text: line, matches: [{ pattern, start, end: start + 'Domain Not Found'.length }] } as unknown as LogFinding;
      const hover = findingMarkdown(finding, { lang: 'zh' });
      assert.match(hover, /> 出现在使用本产品的应用自己的日志中（指南未指明文件），而不是本产品的日志中。/);
      assert.match(findingMarkdown(finding, { lang: 'en' }), /> Appears in the logs of the applications that use this product/);
    });

    it('a log hover labels a paraphrased explanation in the zh part', () => {
      const pattern = catalog.products.flatMap((p) => p.patterns).find((p) => p.explanation.zhSource === 'paraphrase' && !p.regex)!;
      assert.ok(pattern, 'the catalog has a paraphrased pattern explanation');
      const finding = { line: 1, text: pattern.match, matches: [{ pattern, start: 0, end: pattern.match.length }] } as unknown as LogFinding;
      const en = findingMarkdown(finding, { lang: 'en' });
      assert.match(en, /\*中文:\* .*（转述，非指南原文）/);
      assert.ok(findingMarkdown(finding, { lang: 'zh' }).split('\n\n')[1].endsWith('（转述，非指南原文）'));
    });
  });
});
