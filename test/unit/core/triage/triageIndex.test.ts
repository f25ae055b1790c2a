/** Triage: pasted demo lines find their pattern first; zh and en words find their entries; hosts are named. */
import * as assert from 'assert';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { listRunbooks } from '../../../../src/core/catalog/runbookFiles';
import type { Catalog } from '../../../../src/core/catalog/types';
import { withSections } from '../../../../src/core/checks/runbookLinks';
import type { InventoryHost } from '../../../../src/core/inventory/inventory';
import { logCatalogOf } from '../../../../src/core/logs/logCatalog';
import { compileLogMatcher } from '../../../../src/core/logs/logMatcher';
import { scanText } from '../../../../src/core/logs/logScanner';
import { indexTokens, queryTokens } from '../../../../src/core/triage/cjkTokens';
import { hostsInText } from '../../../../src/core/triage/hostsInText';
import { TriageIndex } from '../../../../src/core/triage/triageIndex';
import { sampleLines } from '../../../../src/demo/logSamples';
import { bundledCatalog } from '../../helpers';
import { prng } from '../logs/prng';

function host(name: string, address: string, component: string): InventoryHost {
  return { name, host: address, port: 2022, identityFiles: [], logRoot: '/home/admin/logs', component, groups: [component], tags: [], source: { file: 'inv.yaml', line: 1 } };
}

const inventory = {
  hosts: [
    host('registry-meta-1', '127.0.1.1', 'registry-meta'),
    host('registry-meta-10', '127.0.1.10', 'registry-meta'),
    host('antscheduler-1', '127.0.1.20', 'antscheduler'),
    host('drmdata-2', '127.0.1.31', 'drmdata'),
  ],
};

describe('triage index', function () {
  this.timeout(60_000);
  let catalog: Catalog;
  let index: TriageIndex;

  before(async () => {
    catalog = (await loadCatalog(bundledCatalog)).catalog;
    index = new TriageIndex(catalog, { runbooks: await withSections(await listRunbooks([bundledCatalog])) });
  });

  it('builds nothing until the first query, then reports its build time', () => {
    const lazy = new TriageIndex(catalog);
    assert.strictEqual(lazy.buildTimeMs, undefined);
    const answer = lazy.query('9529');
    assert.ok(answer.builtInMs !== undefined && answer.builtInMs > 0);
    assert.strictEqual(lazy.query('9529').builtInMs, undefined, 'the second query reuses the index');
  });

  it('ranks the pattern the log scanner finds in a pasted demo line first, marked exact', () => {
    const matcher = compileLogMatcher(logCatalogOf(catalog), []);
    const samples = sampleLines(catalog, { count: 150, random: prng(11), known: true });
    let recognised = 0;
    for (const s of samples) {
      const scanned = new Set(scanText(matcher, s.line).findings.flatMap((f) => f.matches.map((m) => m.pattern.id)));
      if (!scanned.size) continue;
      recognised++;
      const top = index.query(s.line).results[0];
      assert.ok(top?.exact && top.kind === 'pattern' && scanned.has(top.id), `${s.logId}: ${s.line}\n  → ${top?.kind}:${top?.id} (scanner: ${[...scanned].join(', ')})`);
    }
    assert.ok(recognised >= 20, `only ${recognised} of ${samples.length} demo error lines hold a known pattern`);
  });

  it('explains a demo scheduler error with component, action and runbooks', () => {
    const line = sampleLines(catalog, { count: 400, random: prng(3), known: true }).find((s) => s.logId === 'antscheduler-rpc-server')!.line;
    const top = index.query(line).results[0];
    assert.strictEqual(top.id, 'microservice-antscheduler-client-no-auth');
    assert.strictEqual(top.component, 'antscheduler');
    assert.match(top.action!.en, /accessKey/);
    assert.ok(top.runbooks.some((r) => r.file.endsWith('microservice/service-exception-emergency.runbook.md')), top.runbooks.map((r) => r.file).join());
  });

  it('knows a drmdata push line with result 1 by its field format, without being told the log', () => {
    const line = sampleLines(catalog, { count: 50, random: prng(5), known: true, faults: 'drmdata-push-failure' }).find((s) => s.logId === 'drmdata-drmdata-push')!.line;
    const top = index.query(line).results[0];
    assert.strictEqual(`${top.kind}:${top.id}`, 'field:microservice-fmt-drmdata-push.result');
    assert.ok(top.exact);
    assert.ok(top.checks.some((c) => c.id === 'microservice-drmdata-push-failures'));
    assert.strictEqual(top.actionFrom, 'microservice-drmdata-push-failures', 'the field has no action of its own: the check that watches it has');
    assert.match(top.action!.en, /drmdata/);
  });

  it('uses the log the text came from: its layout-only patterns apply only there', () => {
    const line = '2026-11-02 03:12:00,123,trade_00,select,N,12';
    assert.ok(!index.query(line).results.some((r) => r.id === 'dbp-sql-stat-result-n'), 'from an unknown log, ",N," says nothing');
    const top = index.query(line, { log: '/home/admin/logs/zdalproxy/sql-stat.log' }).results[0];
    assert.strictEqual(top.id, 'dbp-sql-stat-result-n');
    assert.ok(top.exact);
  });

  for (const [query, expected] of [
    ['推送', 'plan:registry-pre-op-close-push'],
    ['心跳', 'metric:mq-broker-heartbeat-health'],
    ['关闭推送', 'plan:registry-pre-op-close-push'],
    ['close push', 'plan:registry-pre-op-close-push'],
    ['9529', 'port:msgbroker:9529'],
    ['raft leader', 'log:metaserver-registry-raft'],
  ] as const) {
    it(`finds ${expected} for "${query}"`, () => {
      const results = index.query(query, { limit: 5 }).results;
      assert.ok(results.some((r) => `${r.kind}:${r.id}` === expected), results.map((r) => `${r.kind}:${r.id}`).join('\n'));
      assert.ok(results.every((r) => !r.exact), 'words are not a log line: nothing is exact');
    });
  }

  it('finds Chinese entries by a single character too', () => {
    const results = index.query('推', { limit: 5 }).results;
    assert.ok(results.length && results.every((r) => `${r.title.zh}${r.explanation?.zh}${r.action?.zh}`.includes('推')), results.map((r) => r.id).join());
  });

  it('answers nothing for text the guide does not know', () => {
    assert.deepStrictEqual(index.query('zzqqxxv').results, []);
  });

  it('names the host the text mentions and prefers its component', () => {
    const answer = index.query('connection refused on 127.0.1.20: client register failed', { inventory });
    assert.deepStrictEqual(answer.hosts.map((h) => h.name), ['antscheduler-1']);
    assert.strictEqual(answer.results[0].host?.name, 'antscheduler-1');
    assert.strictEqual(answer.results[0].component, 'antscheduler');
  });

  it('offers to run a fix only on a host that serves the component', () => {
    const answer = index.query('client register failed, peer 127.0.1.1', { inventory });
    assert.deepStrictEqual(answer.hosts.map((h) => h.name), ['registry-meta-1']);
    assert.strictEqual(answer.results[0].component, 'antscheduler');
    assert.strictEqual(answer.results[0].host, undefined, 'a registry node is not where a scheduler error is fixed');
  });

  it('takes the host of the document the text came from when the text names none', () => {
    const answer = index.query('client register failed', { inventory, host: 'antscheduler-1' });
    assert.deepStrictEqual(answer.hosts, []);
    assert.strictEqual(answer.results[0].host?.name, 'antscheduler-1');
  });
});

describe('triage text helpers', () => {
  it('splits Chinese into bigrams and keeps ids, ports and file names whole', () => {
    assert.deepStrictEqual(indexTokens('关闭推送'), ['关闭', '闭推', '推送']);
    assert.deepStrictEqual(queryTokens('common-error.log 9529'), ['common-error.log', 'common', 'error', 'log', '9529']);
    assert.deepStrictEqual(indexTokens('推'), ['推']);
  });

  it('recognises hosts by whole name or address, never inside a longer one', () => {
    assert.deepStrictEqual(hostsInText('leader lost on registry-meta-10.', inventory.hosts).map((h) => h.name), ['registry-meta-10']);
    assert.deepStrictEqual(hostsInText('from 127.0.1.100 and 127.0.1.1:2022', inventory.hosts).map((h) => h.name), ['registry-meta-1']);
    assert.deepStrictEqual(hostsInText('drmdata-2 then registry-meta-1', inventory.hosts).map((h) => h.name), ['drmdata-2', 'registry-meta-1']);
    assert.deepStrictEqual(hostsInText('drmdata-23 is not drmdata-2x', inventory.hosts), []);
  });
});
