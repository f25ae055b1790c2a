import * as assert from 'assert';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import { type LogCatalog, logCatalogOf, resolveLogs } from '../../../../src/core/logs/logCatalog';
import { compileLogMatcher, type LogMatcher } from '../../../../src/core/logs/logMatcher';
import { findingSeverity, type LogFinding, LogScanner, scanText } from '../../../../src/core/logs/logScanner';
import { scanFile, scanStream } from '../../../../src/core/logs/scanSources';
import { bundledCatalog, tempTree } from '../../helpers';
import { prng } from './prng';

let catalog: LogCatalog;
before(async () => {
  const loaded = await loadCatalog(bundledCatalog);
  assert.deepStrictEqual(loaded.problems, []);
  catalog = logCatalogOf(loaded.catalog);
});

function matcherFor(path: string): LogMatcher {
  return compileLogMatcher(catalog, resolveLogs(catalog, path));
}

/** Findings as plain data: line, pattern ids (and bad fields), explanation of the first match. */
function summary(findings: LogFinding[]) {
  return findings.map((f) => ({
    line: f.line,
    patterns: [...f.matches.map((m) => m.pattern.id), ...(f.structured?.fields.filter((x) => x.bad).map((x) => `${f.structured!.format.id}.${x.name}`) ?? [])],
  }));
}

// The registry client's common-error.log: logback `%d %-5p %C{1}#%L %-32t - %m%n`.
const logback = (level: string, cls: string, thread: string, message: string) =>
  `2024-05-06 10:11:12,345 ${level.padEnd(5)} ${cls} ${thread.padEnd(32)} - ${message}`;
// Registry servers: `[%d{ISO8601}][%p][%t][%c{0}] - %m%n`.
const registry = (level: string, thread: string, logger: string, message: string) => `[2024-05-06 10:11:12,345][${level}][${thread}][${logger}] - ${message}`;

const CLIENT_ERROR_LOG = [
  logback('INFO', 'DefaultRegistryClient#88', 'main', 'Registry client started, server list size: 3'),
  logback('ERROR', 'DefaultServerManager#103', 'ServerManagerRefresh-1-thread-1', 'get server list error, url: http://sofa-registry:9603/api/servers/query'),
  'java.net.SocketTimeoutException: connect timed out',
  '\tat java.net.PlainSocketImpl.socketConnect(Native Method)',
  '\tat com.alipay.sofa.registry.client.remoting.ServerManager.refresh(ServerManager.java:103)',
  '\t... 12 more',
  logback('ERROR', 'ClientConnection#142', 'registry-client-connect-1', 'Failed trying connect to 100.81.77.9:9600'),
  logback('ERROR', 'DefaultObserverHandler#67', 'SubscriberNotifyExecutor-1-thread-2', 'SubscriberNotifyTask execute error, dataId: com.alipay.test.SampleService:1.0@DEFAULT'),
  'java.lang.IllegalStateException: callback failed',
  '\tat com.alipay.test.SampleCallback.handleData(SampleCallback.java:31)',
  'Caused by: java.net.ConnectException: Connection refused',
  '\tat sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)',
  logback('ERROR', 'DefaultObserverHandler#52', 'main', 'add notify task error, dataId: com.alipay.test.SampleService:1.0@DEFAULT, registId: 8f1c3f9a-2c5e'),
  logback('WARN', 'DefaultObserverHandler#52', 'main', 'add notify task done, dataId: com.alipay.test.SampleService:1.0@DEFAULT, registId: 8f1c3f9a-2c5e'),
  logback('INFO', 'DefaultServerManager#77', 'ServerManagerRefresh-1-thread-1', 'get server list success, 3 servers'),
  logback('INFO', 'ClientConnection#90', 'registry-client-connect-1', 'Failed trying connection pool warm-up, will retry'),
  logback('ERROR', 'AcvipClient#40', 'main', 'Domain Not Found: zdrmdata.sofa.local'),
].join('\n');

describe('log matcher and scanner', () => {
  it('matches the registry client messages in logback layout with the guide explanation, and not INFO look-alikes', () => {
    const { findings } = scanText(matcherFor('/home/admin/logs/drm/common-error.log'), CLIENT_ERROR_LOG);
    assert.deepStrictEqual(summary(findings), [
      { line: 2, patterns: ['microservice-client-get-server-list-error'] },
      { line: 7, patterns: ['microservice-client-failed-trying-connect'] },
      { line: 8, patterns: ['microservice-client-subscriber-notify-task-error'] },
      { line: 13, patterns: ['microservice-client-add-notify-task-error'] },
      { line: 17, patterns: ['acvip-domain-not-found'] },
    ]);
    const getServerList = findings[0];
    assert.strictEqual(getServerList.matches[0].pattern.explanation.en.length > 0, true);
    assert.match(getServerList.matches[0].pattern.explanation.zh, /服务端地址列表/);
    assert.strictEqual(getServerList.matches[0].pattern.section, '2.3.2');
    // Column range points at the message inside the line (editor columns).
    const { start, end } = getServerList.matches[0];
    assert.strictEqual(getServerList.text.slice(start, end), 'get server list error');
    assert.strictEqual(findingSeverity(getServerList), 'error');
  });

  it('attaches stack traces and "Caused by:" chains to the line that started them', () => {
    const { findings } = scanText(matcherFor('/home/admin/logs/drm/common-error.log'), CLIENT_ERROR_LOG);
    assert.deepStrictEqual(findings[0].stack, [
      'java.net.SocketTimeoutException: connect timed out',
      '\tat java.net.PlainSocketImpl.socketConnect(Native Method)',
      '\tat com.alipay.sofa.registry.client.remoting.ServerManager.refresh(ServerManager.java:103)',
      '\t... 12 more',
    ]);
    assert.strictEqual(findings[1].stack, undefined);
    assert.strictEqual(findings[2].stack?.length, 4);
    assert.strictEqual(findings[2].stack?.[2], 'Caused by: java.net.ConnectException: Connection refused');
  });

  it('reports a match inside a stack trace with the entry it belongs to', () => {
    // dstweb's common-error.log knows "Connection refused"; in a trace it belongs to the error above.
    const text = [
      '2024-05-06 10:11:12,345 ERROR SlsAppender#51 sls-flush-1                      - send logs to SLS failed',
      'com.aliyun.openservices.log.exception.LogException: I/O error',
      'Caused by: java.net.ConnectException: Connection refused (Connection refused)',
      '\tat java.net.PlainSocketImpl.socketConnect(Native Method)',
      '2024-05-06 10:11:13,000 INFO  SlsAppender#60 sls-flush-1                      - retrying',
    ].join('\n');
    const { findings } = scanText(compileLogMatcher(catalog, resolveLogs(catalog, 'dstweb-common-error')), text);
    assert.deepStrictEqual(summary(findings), [{ line: 3, patterns: ['dst-als-sls-endpoint-connection-refused'] }]);
    assert.deepStrictEqual(findings[0].entry, { line: 1, text: text.split('\n')[0] });
  });

  it('treats every entry of msgbroker common-error.log as an error, not its stack lines', () => {
    const text = ['2018-05-31 17:02:14,434 ERROR - send to consumer failed', '\tat com.alipay.msgbroker.Dispatcher.send(Dispatcher.java:88)', '', '2018-05-31 17:02:15,000 ERROR - db timeout'].join('\n');
    // Several products write /home/admin/logs/common-error.log: the path alone does not say msgbroker,
    // and a layout rule such as `^\S` only applies to the exact log.
    assert.ok(resolveLogs(catalog, '/home/admin/logs/common-error.log').length > 1);
    assert.deepStrictEqual(scanText(matcherFor('/home/admin/logs/common-error.log'), text).findings, []);
    const exact = scanText(compileLogMatcher(catalog, resolveLogs(catalog, 'msgbroker-common-error')), text).findings;
    assert.deepStrictEqual(summary(exact), [
      { line: 1, patterns: ['mq-broker-common-error'] },
      { line: 4, patterns: ['mq-broker-common-error'] },
    ]);
    assert.deepStrictEqual(exact[0].stack, ['\tat com.alipay.msgbroker.Dispatcher.send(Dispatcher.java:88)', '']);
  });

  it('matches registry-server layout lines only where the catalog says', () => {
    const decision = [
      registry('INFO', 'DecisionThread-1', 'DecisionLogger', 'kick out data node 100.81.77.10, new list [100.81.77.11, 100.81.77.12]'),
      '',
      registry('INFO', 'DecisionThread-1', 'DecisionLogger', 'kick out data node 100.81.77.11'),
    ].join('\n');
    const kicked = scanText(matcherFor('/home/admin/logs/confreg-data/decision.60dt.log'), decision).findings;
    assert.deepStrictEqual(summary(kicked), [
      { line: 1, patterns: ['microservice-dataserver-node-kicked'] },
      { line: 3, patterns: ['microservice-dataserver-node-kicked'] },
    ]);
    const session = [
      registry('INFO', 'SessionServerThread-3', 'DataChangeRequestHandler', 'receive data change, dataId: com.alipay.test.SampleService:1.0@DEFAULT, version: 1698239123'),
      registry('WARN', 'SessionServerThread-3', 'SessionRegistry', 'connection 100.81.77.9:52311 closed, clean publishers'),
    ].join('\n');
    assert.deepStrictEqual(scanText(matcherFor('/home/admin/logs/registry/session/registry-session.log'), session).findings, []);
  });

  it('matches antscheduler, dbp, mq and acvip lines from the guide', () => {
    const cases: Array<[string, string, string[]]> = [
      ['/home/admin/logs/antscheduler/rpc-server.log', 'client[100.81.77.9:12200] has no auth', ['microservice-antscheduler-client-no-auth']],
      ['/home/admin/logs/antscheduler/rpc-server.log', '2024-05-06 10:11:12,345 ERROR client register failed, appName: demo', ['microservice-antscheduler-client-register-failed']],
      ['/home/admin/logs/antscheduler/job-rpc.log', '2024-05-06 10:11:12,345 WARN no targets was found for job demo-job', ['microservice-antscheduler-no-targets-found']],
      ['/home/admin/logs/antscheduler/job-msg.log', 'demo-job,TP_DEMO,EC_DEMO,msg-001, failed', ['microservice-antscheduler-msg-send-failed']],
      ['/home/admin/logs/antscheduler/job-msg.log', 'demo-job,TP_DEMO,EC_DEMO,msg-001, succeeded', ['microservice-antscheduler-msg-sent']], // a sent message (ok): what the 2.2.1.2 send volume counts
      // §2.2.2.1 puts it in /home/admin/logs/common-error.log; the antscheduler folder's error log is another file.
      ['/home/admin/logs/common-error.log', '2024-05-06 10:11:12,345 ERROR no available connection to 100.81.77.20:9529', ['microservice-antscheduler-mq-no-available-connection']],
      ['/home/admin/logs/zdalproxy/startup.log', '2018-07-02 19:10:00,001 INFO CobarServer is started and listening on 8066', ['dbp-cobar-server-started']],
      // §10.4.2: in the application-side logs, whichever file the application writes.
      ['/home/admin/logs/tradeapp/common-error.log', '2024-05-06 10:11:12,345 WARN Domain Not Found', ['acvip-domain-not-found']],
    ];
    for (const [path, line, expected] of cases) {
      const { findings } = scanText(matcherFor(path), line);
      assert.deepStrictEqual(findings.flatMap((f) => f.matches.map((m) => m.pattern.id)), expected, `${path}: ${line}`);
    }
  });

  it('parses the documented structured logs and flags their bad values', () => {
    const cases: Array<[string, string, string[]]> = [
      ['/home/admin/logs/drmdata/drmdata-heartbeat.log', 'Y;0ms;GZ00B;UX8YY6AL9CHS;100.81.77.9;240;0;bolt', []],
      ['/home/admin/logs/drmdata/drmdata-heartbeat.log', 'N;0ms;GZ00B;UX8YY6AL9CHS;100.81.77.9;240;3;bolt', ['microservice-fmt-drmdata-heartbeat.status', 'microservice-fmt-drmdata-heartbeat.laggingCount']],
      ['/home/admin/logs/drmdata/drmdata-push.log', '[push]UX8YY6AL9CHS;com.alipay.drm.SampleKey;100.81.77.9;1', ['microservice-fmt-drmdata-push.result']],
      ['/home/admin/logs/drmdata/drmdata-push.log', '[push]UX8YY6AL9CHS;com.alipay.drm.SampleKey;100.81.77.9;0', []],
      ['/home/admin/logs/msgbroker-ha-heartbeat.log', '2018-05-31 17:02:14,434 - ServerHAHeartbeat result [OK] meta [ServerHAHeartbeatMeta[hostname=dms-1-1,ip=100.81.70.213]]', ['mq-broker-ha-heartbeat-ok']],
      ['/home/admin/logs/msgbroker-ha-heartbeat.log', '2018-05-31 17:02:14,434 - ServerHAHeartbeat result [FAIL] meta [ServerHAHeartbeatMeta[hostname=dms-1-1,ip=100.81.70.213]]', ['mq-broker-ha-heartbeat-not-ok', 'mq-msgbroker-ha-heartbeat.result']],
      ['/home/admin/logs/msgbroker-datasource-healthy.log', '2018-05-22 11:07:17,897 - Validate data source healthy, status [FAILED] url [jdbc:mysql://db:3306/msgdb]', ['mq-broker-datasource-unhealthy', 'mq-msgbroker-datasource-healthy.status']],
      ['/home/admin/logs/msgbroker-receive-digest.log', '2018-05-31 17:07:38,907 - [(TP_F_SC,EC_CALLBACK,N,A92375EE,908c3094,ifcfluxbatch-1-1,P_fc,1,R,2,2,611,dms-1-1-msgdb,645145,0,-)]', ['mq-msgbroker-receive-digest.success']],
      ['/home/admin/logs/zdalproxy/sql-stat.log', '2018-07-02 19:12:41,720,cloud_load,SELECT,Y,2633,1115578,95334,65305,27078,3589,801570,95728', []],
      ['/home/admin/logs/zdalproxy/sql-stat.log', '2018-07-02 19:12:41,720,cloud_load,SELECT,N,2633,1115578,95334,65305,27078,3589,801570,95728', ['dbp-sql-stat-result-n', 'dbp-sql-stat-csv.result']],
      ['/home/admin/logs/zdalproxy/config-digest.log', 'dbp_watchman#20170810#2017-11-18,20:03:36.000#true', []],
      ['/home/admin/logs/zdalproxy/config-digest.log', 'dbp_watchman#20170810#2017-11-18,20:03:36.000#false', ['dbp-config-digest-false', 'dbp-config-digest-line.result']],
      ['/home/admin/logs/zdalproxy/zdal/zdal-monitor.log', "2017-11-28 10:21:38,707-[0afd0183,0.1]Slow sql 765 millis, logicDsId: pc_batch_globalhost, sql: select count(job_id) from t where ((state = 'RUNNING'))", ['dbp-slow-sql', 'dbp-zdal-monitor-line.type']],
      ['logs/tracelog/msg-sub-digest.log', '2014-06-19 20:13:33.734,,0ad1348f,0.1.d6502e1f,6faf,1e4c,_NOTIFYTEST,sofa30,P-P-helloworld-pub-group,01,1094B,5ms,msgbroker.rz00b.alipay.net,0,msgWorkTP-1-thread-1,mark=T&uid=a2&', []],
      ['logs/tracelog/msg-sub-digest.log', '2014-06-19 20:13:33.734,,0ad1348f,0.1.d6502e1f,6faf,1e4c,_NOTIFYTEST,sofa30,P-P-helloworld-pub-group,01,1094B,5ms,msgbroker.rz00b.alipay.net,2,msgWorkTP-1-thread-1,mark=T&uid=a2&', ['microservice-client-msg-sub-digest-retry', 'microservice-fmt-ms-client-msg-sub-digest.deliveryCount']],
    ];
    for (const [path, line, expected] of cases) {
      assert.strictEqual(resolveLogs(catalog, path).length, 1, path);
      const { findings } = scanText(matcherFor(path), line);
      assert.deepStrictEqual(summary(findings).flatMap((f) => f.patterns), expected, `${path}: ${line}`);
    }
    const push = scanText(matcherFor('/home/admin/logs/drmdata/drmdata-push.log'), '[push]UX8YY6AL9CHS;com.alipay.drm.SampleKey;100.81.77.9;1').findings[0];
    const result = push.structured!.fields.find((f) => f.name === 'result')!;
    assert.deepStrictEqual([result.value, result.bad?.en, push.text.slice(result.start, result.end)], ['1', '1 = the push failed', '1']);
    assert.strictEqual(findingSeverity(push), 'warning');
  });

  it('gives the same findings however the log is cut into chunks (property)', () => {
    const lines = [
      ...CLIENT_ERROR_LOG.split('\n'),
      logback('ERROR', 'DrmClient#12', 'main', 'Query zdrmdata server address empty, 重试中'),
      '服务注册成功 register success — 中文日志行',
      logback('INFO', 'Main#1', 'main', 'Windows line\r'),
      logback('ERROR', 'ClientConnection#142', 'main', 'Failed trying connect to 10.0.0.1 and Connection refused and get server list error\r'),
      // A literal pattern and a regex whose required text is the same words (count-only checks the regex).
      '2018-05-31 17:02:14,434 - ServerHAHeartbeat result [OK] meta [ServerHAHeartbeatMeta[hostname=dms-1-1,ip=100.81.70.213]]',
      '2018-05-31 17:02:19,434 - ServerHAHeartbeat result [TIMEOUT] meta [ServerHAHeartbeatMeta[hostname=dms-1-1,ip=100.81.70.213]]',
    ];
    const text = Buffer.from(lines.join('\n') + '\n' + lines.slice(0, 5).join('\n'));
    const matcher = compileLogMatcher(catalog, []);
    const whole = scanText(matcher, text).findings;
    assert.ok(whole.length >= 8, 'the text has findings to compare');
    for (let seed = 1; seed <= 200; seed++) {
      const rnd = prng(seed);
      const cuts = Array.from({ length: Math.floor(rnd() * 12) }, () => Math.floor(rnd() * text.length)).sort((a, b) => a - b);
      const findings: LogFinding[] = [];
      const scanner = new LogScanner(matcher, { onFinding: (f) => findings.push(f) });
      let from = 0;
      for (const cut of [...cuts, text.length]) {
        scanner.push(text.subarray(from, cut));
        from = cut;
      }
      scanner.end();
      assert.deepStrictEqual(findings, whole, `seed ${seed}, cuts ${cuts.join(',')}`);
      // Count-only scans agree with full scans.
      const counter = new LogScanner(matcher, { countOnly: true });
      from = 0;
      for (const cut of [...cuts, text.length]) {
        counter.push(text.subarray(from, cut));
        from = cut;
      }
      const counted = counter.end();
      assert.strictEqual(counted.findings, whole.length);
      const full = new LogScanner(matcher);
      full.push(text);
      const fullTotals = full.end();
      assert.deepStrictEqual([...counted.perPattern].sort(), [...fullTotals.perPattern].sort(), `seed ${seed}: per-pattern counts`);
      assert.strictEqual(counted.worst, fullTotals.worst);
    }
  });

  it('holds a finding until its trace ends, and flush or a full stack releases it', () => {
    const matcher = matcherFor('/home/admin/logs/drm/common-error.log');
    const seen: LogFinding[] = [];
    const scanner = new LogScanner(matcher, { onFinding: (f) => seen.push(f), maxStackLines: 2 });
    scanner.push(logback('ERROR', 'C#1', 'main', 'get server list error') + '\n\tat a.B.c(B.java:1)\n');
    assert.strictEqual(seen.length, 0, 'more stack lines may follow');
    scanner.push('\tat a.B.d(B.java:2)\n\tat a.B.e(B.java:3)\n');
    assert.strictEqual(seen.length, 1);
    assert.deepStrictEqual([seen[0].stack, seen[0].stackTruncated], [['\tat a.B.c(B.java:1)', '\tat a.B.d(B.java:2)'], true]);
    scanner.push(logback('ERROR', 'C#1', 'main', 'Failed trying connect to x') + '\n');
    scanner.flush();
    assert.strictEqual(seen.length, 2);
    const totals = scanner.end();
    assert.deepStrictEqual([totals.findings, totals.lines, totals.worst], [2, 5, 'error']);
  });
});

describe('scanFile and scanStream', () => {
  it('stop reading when their signal aborts and return the totals so far', async () => {
    const matcher = compileLogMatcher(catalog, []);
    const reader = new AbortController();
    async function* chunks() {
      yield 'Domain Not Found\n';
      reader.abort();
      yield 'Domain Not Found\n';
    }
    assert.strictEqual((await scanStream(matcher, chunks(), { countOnly: true, signal: reader.signal })).findings, 1);
    const t = tempTree({ 'a.log': 'Domain Not Found\n'.repeat(3) });
    try {
      const file = `${t.dir}/a.log`;
      assert.strictEqual((await scanFile(matcher, file, { countOnly: true })).findings, 3);
      assert.strictEqual((await scanFile(matcher, file, { countOnly: true, signal: AbortSignal.abort() })).findings, 0);
    } finally {
      t.cleanup();
    }
  });
});

describe('LogMatcher.remotePrefilter', () => {
  it('gives a remote grep -F the literals, and says when they are not enough', () => {
    const unknown = compileLogMatcher(catalog, []).remotePrefilter();
    assert.strictEqual(unknown.complete, true);
    assert.ok(unknown.literals.includes('Domain Not Found') && unknown.literals.includes('ServerHAHeartbeat result ['));
    assert.ok(!unknown.literals.includes('#false'), 'layout rules of other logs stay out of an unknown log');
    const broker = compileLogMatcher(catalog, resolveLogs(catalog, 'msgbroker-common-error')).remotePrefilter();
    assert.strictEqual(broker.complete, false, '`^\\S` needs every line');
  });
});

describe('resolveLogs', () => {
  it('tells which catalog log a file is by id, path and rotated name', () => {
    const ids = (p: string) => resolveLogs(catalog, p).map((l) => l.id);
    assert.deepStrictEqual(ids('drmdata-drmdata-heartbeat'), ['drmdata-drmdata-heartbeat']);
    assert.deepStrictEqual(ids('/home/admin/logs/drmdata/drmdata-heartbeat.log'), ['drmdata-drmdata-heartbeat']);
    assert.deepStrictEqual(ids('/tmp/copy/drmdata/drm-monitor.log'), ['drmdata-drm-monitor']);
    assert.deepStrictEqual(ids('/srv/app/logs/drm/drm-monitor.log'), ['ms-client-drm-monitor']);
    assert.deepStrictEqual(ids('registry-session.log.2024-05-06'), ['sessionserver-registry-session']);
    assert.ok(ids('common-error.log').length > 5, 'a bare common-error.log is ambiguous');
    assert.deepStrictEqual(ids('/var/log/syslog'), []);
  });
});
