import * as assert from 'assert';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { buildCatalogTree, walkNodes, type CatalogNode } from '../../../../src/core/catalog/catalogTree';
import { bundledCatalog, minimalProduct, tempTree } from '../../helpers';

const labelsOf = (nodes: CatalogNode[]) => nodes.map((n) => n.label);

describe('products tree model', () => {
  it('shows product → component → Ports/Logs groups, patterns under their log, in the chosen language', async () => {
    const t = tempTree({ 'demo/catalog.yaml': minimalProduct });
    try {
      const { catalog } = await loadCatalog(t.dir);
      const [product] = buildCatalogTree(catalog, 'zh');
      assert.strictEqual(product.label, '演示');
      const [component] = product.children;
      assert.strictEqual(component.label, 'demo-server');
      assert.strictEqual(component.description, '服务端');
      assert.deepStrictEqual(labelsOf(component.children), ['端口', '日志']);
      assert.deepStrictEqual(labelsOf(buildCatalogTree(catalog, 'en')[0].children[0].children), ['Ports', 'Logs']);
      const log = component.children[1].children[0];
      assert.strictEqual(log.description, '/home/admin/logs/common-error.log');
      const pattern = log.children[0];
      assert.strictEqual(pattern.label, 'no available connection');
      assert.match(pattern.tooltip!, /没有可用连接[\s\S]*检查 MQ/);
      assert.strictEqual(pattern.parent?.parent?.parent, component, 'getParent chain reaches the component (reveal needs it)');
      assert.strictEqual(buildCatalogTree(catalog, 'en')[0].children[0].children[1].children[0].children[0].tooltip!.includes('Check MQ'), true);
    } finally {
      t.cleanup();
    }
  });

  it('lists inventory hosts first under the component they serve', async () => {
    const t = tempTree({ 'demo/catalog.yaml': minimalProduct });
    try {
      const { catalog } = await loadCatalog(t.dir);
      const hosts = [
        { name: 'demo-1', address: '127.0.1.1:2022', component: 'demo-server', groups: ['demo', 'demo-server'] },
        { name: 'ansible-1', address: '10.0.0.2:2022', groups: ['demo-server'] },
        { name: 'elsewhere', address: '10.0.0.3:2022', component: 'other', groups: ['other'] },
      ];
      const [product] = buildCatalogTree(catalog, 'en', { hosts });
      const component = product.children[0];
      assert.deepStrictEqual(labelsOf(component.children), ['Hosts', 'Ports', 'Logs']);
      assert.deepStrictEqual(component.children[0].children.map((h) => [h.label, h.description, h.kind, h.scope.host]), [
        ['demo-1', '127.0.1.1:2022', 'host', 'demo-1'],
        ['ansible-1', '10.0.0.2:2022', 'host', 'ansible-1'],
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('puts items without a component and product-wide runbooks under General, and omits empty groups', async () => {
    const text = `${minimalProduct}plans:
  - id: demo-general
    section: "2.6"
    kind: procedure
    title: {zh: 一般排查, en: General troubleshooting}
    components: []
    steps:
      - text: {zh: 查看监控, en: Look at monitoring}
        manual: true
`;
    const t = tempTree({ 'demo/catalog.yaml': text });
    try {
      const { catalog } = await loadCatalog(t.dir);
      const [product] = buildCatalogTree(catalog, 'en', { runbooks: [{ product: 'demo', file: '/r/x.runbook.md', title: 'Restart', components: [] }] });
      const general = product.children.find((n) => n.label === 'General')!;
      assert.deepStrictEqual(labelsOf(general.children), ['Runbooks', 'Procedures']);
      assert.strictEqual(general.children[1].children[0].label, 'General troubleshooting');
      assert.ok(!product.children[0].children.some((g) => g.label === 'Checks'), 'no empty Checks group');
    } finally {
      t.cleanup();
    }
  });

  it("lists a component's logs even when another product's chapter names them (registry servers, chapter 2)", async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const registry = buildCatalogTree(catalog, 'en').find((n) => n.id === 'product:registry')!;
    const meta = registry.children.find((c) => c.label === 'registry-meta')!;
    const logs = meta.children.find((g) => g.label === 'Logs');
    assert.ok(logs?.children.some((l) => l.label === 'registry-meta.log'), 'registry-meta → Logs → registry-meta.log');
  });

  it('reaches every pattern, check and plan of the bundled catalog from the tree, with unique ids', async () => {
    const { catalog, problems } = await loadCatalog(bundledCatalog);
    assert.deepStrictEqual(problems, []);
    const nodes = [...walkNodes(buildCatalogTree(catalog, 'en'))];
    const ids = nodes.map((n) => n.id);
    assert.strictEqual(new Set(ids).size, ids.length, 'tree ids must be unique for expansion state and reveal');
    for (const p of catalog.products) {
      for (const item of [...p.patterns, ...p.checks, ...p.plans, ...p.metrics, ...p.logs]) {
        assert.ok(ids.some((id) => id.endsWith(`/${item.id}`)), `${item.id} is not reachable in the tree`);
      }
    }
  });

  it('shows a rule\'s structure in its hover: the AND of §2.2.1.2, a MANUAL alert with its reason, a plan\'s versions', async () => {
    const { catalog } = await loadCatalog(bundledCatalog);
    const nodes = [...walkNodes(buildCatalogTree(catalog, 'zh'))];
    const find = (suffix: string) => nodes.find((n) => n.id.endsWith(`/${suffix}`))!;
    const drop = find('microservice-scheduler-msg-sent-cluster');
    assert.match(drop.tooltip!, /5m 内日志行数 较昨日同一时段下降 >= 20% 且 5m 内日志行数 较上一统计窗口下降 > 20% 且 5m 内日志行数 > 10/);
    assert.match(drop.tooltip!, /巡检项:\*\* microservice-scheduler-msg-sent-drop/);
    const english = [...walkNodes(buildCatalogTree(catalog, 'en'))].find((n) => n.id.endsWith('/microservice-scheduler-msg-sent-cluster'))!;
    assert.match(english.tooltip!, /lines\/5m down >= 20% vs yesterday AND lines\/5m down > 20% vs previous window AND lines\/5m > 10/);
    assert.match(english.tooltip!, /Inspected by:\*\* microservice-scheduler-msg-sent-drop/);
    const backlog = find('dtx-tx-backlog-major');
    assert.match(backlog.description!, /人工（巡检不判断）/);
    assert.match(backlog.tooltip!, /人工（巡检不判断）:\*\* DTX 的自定义监控项/);
    assert.match(find('mq-service-emergency').description!, /antstack 1\.0 - 1\.3/);
  });
});
