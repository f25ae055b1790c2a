/**
 * In Chinese mode nothing a user reads is English: the products tree (labels, descriptions,
 * hovers), log hovers, inspection results (the Inspection view's label, description, hover and
 * links, the Markdown report, the CLI summary) and the CLI's help and messages. What may stay in
 * ASCII: ids, paths, commands and options, product and component names, units, host output, and
 * the catalog's own zh text (the guide's words carry terms like Leader or dataId) — an explicit,
 * small allowlist below. A failure names the place and the English words found there.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { summaryText } from '../../src/cli/inspectCommand';
import { loadCatalog } from '../../src/core/catalog/catalogLoader';
import { buildCatalogTree, walkNodes } from '../../src/core/catalog/catalogTree';
import type { Catalog, Check, LogPattern } from '../../src/core/catalog/types';
import { planInspection } from '../../src/core/checks/checkPlan';
import { runInspection, type InspectionTransport } from '../../src/core/checks/inspectionRunner';
import { markdownReport } from '../../src/core/checks/reports';
import { resultLinkLabels, resultView } from '../../src/core/checks/resultView';
import { findingMarkdown } from '../../src/core/logs/findingView';
import { resolveLogs, logCatalogOf } from '../../src/core/logs/logCatalog';
import { compileLogMatcher } from '../../src/core/logs/logMatcher';
import { scanText, type LogFinding } from '../../src/core/logs/logScanner';
import { SshError } from '../../src/core/ssh/sshErrors';
import { bundledCatalog, captureIO } from './helpers';
import { bi, catalogWith, check, closedLoopbackPort, host } from './core/checks/checkFixtures';
import { localExec } from './core/logs/localExec';
import { ALLOW, assertChinese, englishWords } from './zhWords';

/** A log hover gives the other language's explanation on purpose, in its own labelled paragraph. */
function withoutOtherLanguage(hover: string): string {
  return hover.replace(/\*English:\*[^\n]*/g, '');
}

/** Every string of the catalog other than English translations (zh texts, ids, matches, commands), longest first. */
function catalogData(catalog: Catalog): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key = '') => {
    if (typeof v === 'string') {
      if (key !== 'en' && /[A-Za-z]/.test(v)) out.add(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(catalog.products);
  return [...out].sort((a, b) => b.length - a.length);
}

describe('zh everywhere a user reads (no English words outside ids, paths, commands and names)', function () {
  this.timeout(120_000);
  let catalog: Catalog;
  let data: string[];
  let allow: Set<string>;

  before(async () => {
    const loaded = await loadCatalog(bundledCatalog);
    assert.deepStrictEqual(loaded.problems, []);
    catalog = loaded.catalog;
    data = catalogData(catalog);
    allow = new Set([...ALLOW, ...catalog.products.flatMap((p) => [p.product.id, ...p.components.flatMap((c) => [c.id, ...(c.aliases ?? [])])])]);
  });

  it('the products tree: every label, description and hover', () => {
    const runbooks = [{ product: 'registry', file: '/x/restart-meta.runbook.md', title: '重启 meta 节点', components: ['registry-meta'] }];
    const hosts = [{ name: 'registry-meta-1', address: '127.0.1.1:2022', component: 'registry-meta', groups: ['registry-meta'] }];
    const found: string[] = [];
    for (const n of walkNodes(buildCatalogTree(catalog, 'zh', { runbooks, hosts }))) {
      for (const [field, text] of [['label', n.label], ['description', n.description], ['tooltip', n.tooltip]] as const) {
        if (n.kind === 'pattern' && field === 'label') continue; // the log line itself
        if (n.kind === 'runbook' || n.kind === 'host') continue; // file titles and inventory names
        const words = englishWords(text ?? '', data, allow);
        if (words.length) found.push(`${n.id} ${field}: ${[...new Set(words)].join(' ')}`);
      }
    }
    assert.deepStrictEqual(found, []);
  });

  it('log hovers: every pattern of the catalog, and a structured line with a bad field', () => {
    const found: string[] = [];
    for (const pattern of catalog.products.flatMap((p) => p.patterns)) {
      const finding = { line: 1, text: pattern.match, matches: [{ pattern, start: 0, end: pattern.match.length }], stack: ['at x'] } as unknown as LogFinding;
      const words = englishWords(withoutOtherLanguage(findingMarkdown(finding, { lang: 'zh', openSectionCommand: 'sofaOps.openGuideSection' })), data, allow);
      if (words.length) found.push(`${pattern.id}: ${[...new Set(words)].join(' ')}`);
    }
    const logs = logCatalogOf(catalog);
    const matcher = compileLogMatcher(logs, resolveLogs(logs, '/home/admin/logs/zdalproxy/sql-stat.log'));
    const { findings } = scanText(matcher, '2018-07-02 19:12:41,720,cloud_load,SELECT,N,2633,1115578,95334,65305,27078,3589,801570,95728\n');
    assert.strictEqual(findings.length, 1);
    const structured = withoutOtherLanguage(findingMarkdown(findings[0], { lang: 'zh' }));
    const fieldNames = findings[0].structured!.fields.flatMap((f) => [f.name, f.value]);
    found.push(...englishWords(structured, [...fieldNames, ...data], allow).map((w) => `structured: ${w}`));
    assert.deepStrictEqual(found, []);
  });

  describe('inspection results', () => {
    let dir: string;
    let closedPort: number;
    let openPort: number;
    let server: net.Server;
    before(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-zh-'));
      fs.mkdirSync(path.join(dir, 'app'));
      fs.writeFileSync(path.join(dir, 'app', 'app.log'), ['ok 1', 'BOOM one', 'ok 2'].join('\n') + '\n');
      server = net.createServer((s) => {
        s.on('error', () => undefined);
        s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 17\r\nConnection: close\r\n\r\n{"success":false}'));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      openPort = (server.address() as net.AddressInfo).port;
      closedPort = await closedLoopbackPort();
    });
    after(() => {
      server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The SSH layer's own error text is not the runner's (its localisation is the error-to-user path's). */
    const SSH_ERROR = 'ECONNREFUSED';
    const transport: InspectionTransport = {
      exec: async (h, command, options) =>
        h.name === 'down-1'
          ? { outcome: 'unreachable', exitCode: null, signal: null, stdout: '', stderr: '', stdoutDropped: 0, stderrDropped: 0, durationMs: 1, message: SSH_ERROR }
          : localExec(command, options),
      forwarder: async (h) => {
        if (h.name === 'down-1') throw new SshError('unreachable', h.name, SSH_ERROR);
        return (address, port) => new Promise((resolve, reject) => {
          const socket = net.connect(port, address);
          socket.once('connect', () => resolve(socket));
          // As ssh2 reports a direct-tcpip channel the container's sshd could not open.
          socket.once('error', () => reject(new Error('(SSH) Channel open failure: Connection refused')));
        });
      },
    };

    /** One check of every kind and outcome the runner words: pass, fail, error, manual, N/A, rules. */
    function checks(): Check[] {
      const zh = (zhText: string, en: string) => ({ zh: zhText, en });
      return [
        check('cpu', { kind: 'resource', resource: 'cpu', threshold: { op: '>', value: 1000, unit: '%', text: bi('x') } }),
        check('disk', { kind: 'resource', resource: 'disk', threshold: { op: '>', value: -1, unit: '%', text: bi('x') } }),
        check('mem-rule', { kind: 'resource', resource: 'memory', condition: { op: '>', value: -1, unit: '%' }, minor: { op: '>', value: -2 }, sampling: { interval: '1m', consecutive: 3 } }),
        check('listen', { command: "echo 'tcp6 0 0 :::9529 :::* LISTEN'", expect: { contains: 'LISTEN' } }),
        check('no-false', { command: "printf 'mq: false\\n'", expect: { notContains: 'false' } }),
        check('exit', { command: 'exit 3' }),
        check('missing-tool', { command: 'no-such-tool-xyz -an', expect: { contains: 'LISTEN' } }),
        check('proc-none', { kind: 'process', process: 'no-such-process-xyz' }),
        check('proc-sh', { kind: 'process', process: 'bash' }),
        check('log', { kind: 'log', log: { logId: 'app-log', pattern: 'boom', maxCount: 0, lastLines: 100 } }),
        check('log-rule', { kind: 'log', log: { logId: 'app-log', pattern: 'boom', lastLines: 100 }, condition: { window: '5m', op: '>', value: 0 } }),
        check('ports', { kind: 'port', ports: [openPort, closedPort] }),
        check('health', { kind: 'http', http: { port: openPort, path: '/health/check', expectBody: '"success":true' } }),
        check('closed-http', { kind: 'http', http: { port: closedPort, path: '/' } }),
        check('alive', { kind: 'composite', rule: 'majority-alive', components: ['other'] }),
        check('old', { appliesTo: [{ of: 'p', range: '<0.7.0' }], command: 'true' }),
        check('unsure', { appliesTo: [{ of: 'q', range: '>=1.0' }], command: 'true' }),
        check('by-hand', { kind: 'manual', manualReason: zh('在监控控制台查看', 'in the monitoring console'), condition: { metric: '整体异常数量', window: '1m', op: '>', value: 10 } }),
        check('by-hand-2', { kind: 'manual' }),
      ];
    }

    it('the Inspection view, its links, the Markdown report and the CLI summary', async () => {
      const catalog = catalogWith(checks());
      const hosts = [{ ...host('app-1', dir), versions: { p: '0.7.2' } }, host('other-1', dir, 'other'), host('down-1', dir)];
      const inspection = await runInspection(catalog, planInspection(catalog, hosts), transport);
      // What the hosts print and the test catalog's own names (bi() texts are the same in both languages).
      const hostData = ['BOOM one', 'BOOM', 'mq: false', 'false', 'no-such-tool-xyz', 'no-such-process-xyz', 'command not found', 'bash: line', "tcp6 0 0 :::9529 :::* LISTEN", 'LISTEN', SSH_ERROR, 'success:false', '"success":true', '"success":false', 'exit 3', 'true',
        ...checks().map((c) => `fix ${c.id}`), 'pattern action', ...checks().map((c) => c.id), 'app', 'other', 'boom', 'app-log', 'connection refused', 'ok'];
      const seen = new Set(inspection.results.map((r) => r.status));
      assert.deepStrictEqual([...seen].sort(), ['error', 'fail', 'manual', 'na', 'pass', 'warn'], 'every status is worded');
      for (const r of inspection.results) {
        const view = resultView(r, 'zh');
        const where = `${r.checkId}@${r.host ?? r.component} (${r.status})`;
        assertChinese(`${where} description`, view.description, hostData, allow);
        assertChinese(`${where} hover`, view.tooltip, hostData, allow);
      }
      const links = resultLinkLabels('zh');
      assertChinese('links', [links.section('7.7.1'), links.log('common-error.log', 'app-1'), links.runbook('重启', 'app-1'), links.runbook('重启')].join('\n'), [], allow);
      assertChinese('Markdown report', markdownReport(inspection, { lang: 'zh' }).replace(/.*Clean up.*|.* \/ .*/g, ''), hostData, allow);
      assertChinese('CLI summary', summaryText(inspection, 'zh'), hostData, allow);
    });
  });

  describe('the CLI', () => {
    const commands = [[], ['catalog'], ['explain'], ['logs'], ['logs', 'grep'], ['logs', 'timeline'], ['exec'], ['run'], ['runbook'], ['audit'], ['inspect'], ['export'], ['demo']];

    for (const [how, argv, env] of [['--lang zh', ['--lang', 'zh'], {}], ['LANG=zh_CN.UTF-8', [], { LANG: 'zh_CN.UTF-8' }]] as const) {
      it(`help of every command with ${how}`, async () => {
        const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_MESSAGES: process.env.LC_MESSAGES };
        delete process.env.LC_ALL;
        delete process.env.LC_MESSAGES;
        Object.assign(process.env, env);
        try {
          for (const command of commands) {
            const io = captureIO();
            const code = await main([...argv, ...command, '--help'], io, bundledCatalog);
            assert.strictEqual(code, 0, `${command.join(' ')} --help: ${io.stderr}`);
            assertChinese(`sofa-ops ${command.join(' ')} --help`, io.stdout, [], allow);
          }
        } finally {
          for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
          }
        }
      });
    }

    it('messages: an unknown command, a bad --lang, and catalog output', async () => {
      let io = captureIO();
      assert.strictEqual(await main(['--lang', 'zh', 'frobnicate'], io, bundledCatalog), 2);
      assertChinese('unknown command', io.stderr, ['frobnicate'], allow);
      // A bad --lang is answered in the locale's language (here zh, as LANG=zh_CN would give).
      io = { ...captureIO(), lang: 'zh' as const };
      assert.strictEqual(await main(['--lang', 'fr', 'catalog'], io, bundledCatalog), 2);
      assertChinese('bad --lang', io.stderr, ['fr'], allow);
      // A usage error: the message, then the command's usage.
      for (const argv of [['inspect'], ['inspect', '--inventory', 'x.yaml', '--parallel', 'many'], ['exec', '--inventory', 'x.yaml'], ['run'], ['logs', 'grep'], ['catalog', '--product', 'nope']]) {
        io = captureIO();
        assert.strictEqual(await main(['--lang', 'zh', ...argv], io, bundledCatalog), 2, argv.join(' '));
        assertChinese(`sofa-ops ${argv.join(' ')}`, io.stderr, ['many', 'nope', 'x.yaml'], allow);
      }
      io = captureIO();
      assert.strictEqual(await main(['catalog', '--lang', 'zh', '--product', 'registry'], io, bundledCatalog), 0);
      const catalog = (await loadCatalog(bundledCatalog)).catalog;
      const patterns: LogPattern[] = catalog.products.flatMap((p) => p.patterns);
      const catalogWords = [...catalogData(catalog), ...patterns.map((p) => p.match)];
      assertChinese('sofa-ops catalog --product registry', io.stdout, catalogWords, allow);

      io = captureIO();
      assert.strictEqual(await main(['--lang', 'zh', 'explain', 'no available connection 9529'], io, bundledCatalog), 0);
      assertChinese('sofa-ops explain', io.stdout, catalogWords, allow);

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-zh-scan-'));
      try {
        const line = '2026-11-02 03:10:05,250 ERROR [main] no available connection';
        fs.writeFileSync(path.join(dir, 'common-error.log'), `${line}\n${line}\n`);
        io = captureIO();
        await main(['--lang', 'zh', 'logs', 'scan', path.join(dir, 'common-error.log')], io, bundledCatalog);
        assert.ok(io.stdout, io.stderr);
        assertChinese('sofa-ops logs scan', io.stdout, [line, ...catalogWords], allow);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
