import * as assert from 'assert';
import * as path from 'path';
import { loadCatalog, locationOf, parseCatalogFile } from '../../../../src/core/catalog/catalogLoader';
import { formatProblem } from '../../../../src/core/sourceProblem';
import { minimalProduct, tempTree } from '../../helpers';

describe('catalog loader', () => {
  it('loads a valid product and remembers where each item was defined', async () => {
    const t = tempTree({ 'demo/catalog.yaml': minimalProduct });
    try {
      const { catalog, problems } = await loadCatalog(t.dir);
      assert.deepStrictEqual(problems, []);
      assert.strictEqual(catalog.products.length, 1);
      const demo = catalog.products[0];
      assert.strictEqual(demo.components[0].ports[0].port, 2022);
      assert.strictEqual(demo.patterns[0].match, 'no available connection');
      assert.deepStrictEqual(locationOf(demo.patterns[0]), { file: path.join(t.dir, 'demo/catalog.yaml'), line: 21 });
    } finally {
      t.cleanup();
    }
  });

  it('merges several *.catalog.yaml files of one product folder', async () => {
    const extra = `patterns:
  - id: demo-started
    section: "2.3.2"
    match: is started and listening
    severity: ok
    logs: []
    explanation: {zh: 启动成功, en: Started}
    action: {zh: 无需处理, en: Nothing to do}
`;
    const t = tempTree({ 'demo/catalog.yaml': minimalProduct, 'demo/more.catalog.yaml': extra, 'demo/notes.yaml': 'ignored: true' });
    try {
      const { catalog, problems } = await loadCatalog(t.dir);
      assert.deepStrictEqual(problems, []);
      assert.deepStrictEqual(catalog.products[0].patterns.map((p) => p.id), ['demo-no-connection', 'demo-started']);
      assert.strictEqual(catalog.products[0].files.length, 2);
    } finally {
      t.cleanup();
    }
  });

  it('reports bad YAML with its file and line, and keeps the other products', async () => {
    const t = tempTree({
      'demo/catalog.yaml': minimalProduct,
      'broken/catalog.yaml': 'product:\n  id: broken\n  name: [unclosed\n',
    });
    try {
      const { catalog, problems } = await loadCatalog(t.dir);
      assert.deepStrictEqual(catalog.products.map((p) => p.product.id), ['demo']);
      assert.strictEqual(problems.length, 1);
      assert.match(formatProblem(problems[0]), /broken\/catalog\.yaml:\d+: YAML: /);
    } finally {
      t.cleanup();
    }
  });

  it('names the missing field and the line of the item that lacks it', () => {
    const text = minimalProduct.replace('    records: {zh: 错误日志, en: Error log}\n', '');
    const { problems } = parseCatalogFile('/x/demo/catalog.yaml', text);
    assert.deepStrictEqual(problems.map(formatProblem), ['/x/demo/catalog.yaml:14: logs.0: missing required field "records"']);
  });

  it('rejects unknown fields, wrong types and bad enum values at their lines', () => {
    const text = minimalProduct
      .replace('    severity: error', '    severity: fatal')
      .replace('      - {port: 2022,', '      - {port: "ssh",')
      .replace('    path: /home', '    colour: red\n    path: /home');
    const messages = parseCatalogFile('c.yaml', text).problems.map(formatProblem);
    assert.ok(messages.includes('c.yaml:12: components.0.ports.0.port: must be integer'), messages.join('\n'));
    assert.ok(messages.some((m) => /^c\.yaml:14: logs\.0: unknown field "colour"$/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /^c\.yaml:25: patterns\.0\.severity: must be one of "critical", "error"/.test(m)), messages.join('\n'));
  });

  it('requires text in both languages', () => {
    const text = minimalProduct.replace('role: {zh: 提供服务, en: Serves}', 'role: {zh: 提供服务}');
    const messages = parseCatalogFile('c.yaml', text).problems.map(formatProblem);
    assert.deepStrictEqual(messages, ['c.yaml:10: components.0.role: missing required field "en"']);
  });

  it("loads notes, zhSource markers and applicationLogs as written, on every kind of item that takes them", async () => {
    const note = '    note: {zh: 指南路径列有笔误, en: The guide has a slip in the path column}\n';
    const text = minimalProduct
      .replace('    role: {zh: 提供服务, en: Serves}\n', `    role: {zh: 提供服务, en: Serves, zhSource: paraphrase}\n${note}`)
      .replace('      - {port: 2022, section: "2.5", purpose: {zh: SSH, en: SSH}}', '      - {port: 2022, section: "2.5", purpose: {zh: SSH, en: SSH}, note: {zh: 端口, en: Port}}')
      .replace('    records: {zh: 错误日志, en: Error log}\n', `    records: {zh: 错误日志, en: Error log}\n${note}`)
      .replace('    logs: [demo-server-common-error]\n', '    logs: []\n    applicationLogs: true\n')
      .replace('    action: {zh: 检查 MQ, en: Check MQ}\n', `    action: {zh: 检查 MQ, en: Check MQ, zhSource: composed}\n${note}`) + `checks:
  - id: demo-manual
    section: "2.5"
    kind: manual
    components: [demo-server]
    title: {zh: 看监控, en: Look at monitoring}
    passWhen: {zh: 无告警, en: No alerts, zhSource: paraphrase}
${note}plans:
  - id: demo-restart
    section: "2.6"
    kind: emergency
    title: {zh: 重启, en: Restart}
    components: [demo-server]
${note}    steps:
      - text: {zh: 打开容器, en: Restart the container}
        note: {zh: 打开指重启, en: Open means restart}
`;
    const t = tempTree({ 'demo/catalog.yaml': text });
    try {
      const { catalog, problems } = await loadCatalog(t.dir);
      assert.deepStrictEqual(problems, []);
      const [demo] = catalog.products;
      assert.deepStrictEqual(demo.components[0].role, { zh: '提供服务', en: 'Serves', zhSource: 'paraphrase' });
      assert.strictEqual(demo.components[0].note?.en, 'The guide has a slip in the path column');
      assert.strictEqual(demo.components[0].ports[0].note?.en, 'Port');
      assert.strictEqual(demo.logs[0].note?.zh, '指南路径列有笔误');
      assert.deepStrictEqual([demo.patterns[0].applicationLogs, demo.patterns[0].action.zhSource, demo.patterns[0].note?.en], [true, 'composed', 'The guide has a slip in the path column']);
      assert.strictEqual(demo.checks[0].passWhen.zhSource, 'paraphrase');
      assert.ok(demo.checks[0].note);
      assert.deepStrictEqual([demo.plans[0].note?.en, demo.plans[0].steps[0].note?.en], ['The guide has a slip in the path column', 'Open means restart']);
    } finally {
      t.cleanup();
    }
  });

  it('rejects an unknown zhSource, a note in one language, and applicationLogs on a pattern tied to a log, at their lines', async () => {
    const text = minimalProduct
      .replace('    role: {zh: 提供服务, en: Serves}', '    role: {zh: 提供服务, en: Serves, zhSource: verbatim}')
      .replace('    records: {zh: 错误日志, en: Error log}\n', '    records: {zh: 错误日志, en: Error log}\n    note: {en: only English}\n');
    const messages = parseCatalogFile('c.yaml', text).problems.map(formatProblem);
    assert.ok(messages.some((m) => /^c\.yaml:10: components\.0\.role\.zhSource: must be one of "composed", "paraphrase"/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /^c\.yaml:20: logs\.0\.note: missing required field "zh"/.test(m)), messages.join('\n'));
    const t = tempTree({ 'demo/catalog.yaml': minimalProduct.replace('    logs: [demo-server-common-error]\n', '    logs: [demo-server-common-error]\n    applicationLogs: true\n') });
    try {
      const { problems } = await loadCatalog(t.dir);
      assert.deepStrictEqual(problems.map((p) => `${p.line}: ${p.message}`), [
        "21: pattern \"demo-no-connection\" appears in the applications' logs (applicationLogs), so `logs` must be empty, not demo-server-common-error",
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('reports duplicate ids with both places, across files and products', async () => {
    const other = minimalProduct.replace(/demo/g, 'other').replace('id: other-no-connection', 'id: demo-no-connection');
    const t = tempTree({ 'demo/catalog.yaml': minimalProduct, 'other/catalog.yaml': other });
    try {
      const { problems } = await loadCatalog(t.dir);
      assert.deepStrictEqual(problems.map(formatProblem), [
        `${path.join(t.dir, 'other/catalog.yaml')}:21: duplicate pattern id "demo-no-connection" (first defined at ${path.join(t.dir, 'demo/catalog.yaml')}:21)`,
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('reports references to unknown components and logs, and invalid regexes', async () => {
    const text = minimalProduct
      .replace('logs: [demo-server-common-error]', 'logs: [demo-server-gone]')
      .replace('    components: [demo-server]\n', '    components: [demo-client]\n')
      .replace('match: no available connection', 'match: "no (available"\n    regex: true');
    const t = tempTree({ 'demo/catalog.yaml': text });
    try {
      const messages = (await loadCatalog(t.dir)).problems.map((p) => `${p.line}: ${p.message}`);
      assert.deepStrictEqual(messages.sort(), [
        '14: "demo-server-common-error" refers to unknown component "demo-client"',
        '21: pattern "demo-no-connection" refers to unknown log "demo-server-gone"',
        '21: pattern "demo-no-connection": invalid regex: Invalid regular expression: /no (available/: Unterminated group; the pattern is not used',
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('requires the fields each check kind needs and a product id matching its folder', async () => {
    const text = minimalProduct.replace('  id: demo\n', '  id: demo2\n') + `checks:
  - id: demo-port
    section: "2.5"
    kind: port
    components: [demo-server]
    title: {zh: 端口, en: Ports}
    passWhen: {zh: 通, en: Open}
`;
    const t = tempTree({ 'demo/catalog.yaml': text });
    try {
      const messages = (await loadCatalog(t.dir)).problems.map((p) => `${p.line}: ${p.message}`);
      assert.deepStrictEqual(messages, ['2: product id "demo2" must match its folder name "demo"', '29: check "demo-port" of kind port needs `ports`']);
    } finally {
      t.cleanup();
    }
  });

  it('reports rules the model cannot judge as written, and alerts inspected by unknown checks', async () => {
    const text = minimalProduct + `metrics:
  - id: demo-alert
    section: "2.2"
    components: [demo-server]
    name: {zh: 告警, en: Alert}
    meaning: {zh: 告警, en: Alert}
    inspectedBy: [no-such-check]
checks:
  - id: demo-log-rule
    section: "2.5"
    kind: log
    components: [demo-server]
    title: {zh: 日志, en: Log}
    log: {logId: demo-server-common-error, pattern: demo-no-connection}
    passWhen: {zh: 无, en: None}
  - id: demo-leaders
    section: "2.5"
    kind: composite
    rule: count-hosts
    components: [demo-server]
    title: {zh: 主, en: Leader}
    condition: {hosts: {field: raftStatus, equals: Leader}, op: "!=", value: 1}
    passWhen: {zh: 一个, en: One}
  - id: demo-monitor-only
    section: "2.5"
    kind: resource
    resource: cpu
    threshold: {op: ">", value: 80, text: {zh: ">80%", en: "> 80%"}}
    condition: {metric: 单机 QPS, op: ">", value: 4000}
    components: [demo-server]
    title: {zh: 监控, en: Monitoring}
    passWhen: {zh: 无, en: None}
`;
    const t = tempTree({ 'demo/catalog.yaml': text });
    try {
      const messages = (await loadCatalog(t.dir)).problems.map((p) => p.message);
      assert.deepStrictEqual(messages, [
        'check "demo-log-rule": a log check needs log.maxCount or a condition',
        'check "demo-leaders": rule count-hosts needs http and a hosts condition',
        'check "demo-monitor-only": a condition on a monitoring metric cannot be inspected over SSH: make the check kind manual with a manualReason',
        'metric "demo-alert" inspectedBy unknown check "no-such-check"',
      ]);
    } finally {
      t.cleanup();
    }
  });

  it('refuses a version range or a duration it cannot read, at its line', () => {
    const text = minimalProduct + `checks:
  - id: demo-port
    section: "2.5"
    kind: port
    ports: [2022]
    components: [demo-server]
    title: {zh: 端口, en: Ports}
    appliesTo: [{of: acvip, range: "about 0.7"}]
    sampling: {interval: 1 分钟}
    passWhen: {zh: 通, en: Open}
`;
    const messages = parseCatalogFile('catalog.yaml', text).problems.map((p) => `${p.line}: ${p.message.split(' does not match')[0]}`).sort();
    assert.deepStrictEqual(messages, ['35: checks.0.appliesTo.0.range: "about 0.7"', '36: checks.0.sampling.interval: "1 分钟"']);
  });

  it('lets a later root replace a bundled product of the same name', async () => {
    const bundled = tempTree({ 'demo/catalog.yaml': minimalProduct });
    const site = tempTree({ 'demo/catalog.yaml': minimalProduct.replace('name: {zh: 演示, en: Demo}', 'name: {zh: 本站, en: Our site}') });
    try {
      const { catalog, problems } = await loadCatalog([bundled.dir, site.dir]);
      assert.deepStrictEqual(problems, []);
      assert.strictEqual(catalog.products[0].product.name.en, 'Our site');
    } finally {
      bundled.cleanup();
      site.cleanup();
    }
  });

  it('reports an unreadable root and a folder with no product declaration', async () => {
    const t = tempTree({ 'demo/extra.catalog.yaml': 'components: []\n' });
    try {
      const messages = (await loadCatalog([t.dir, path.join(t.dir, 'missing')])).problems.map((p) => p.message);
      assert.strictEqual(messages.length, 2);
      assert.match(messages[0], /^cannot read catalog folder: ENOENT/);
      assert.match(messages[1], /declares `product`/);
    } finally {
      t.cleanup();
    }
  });
});
