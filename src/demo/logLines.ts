/**
 * Log lines in the guide's formats for every log file the demo containers write: the catalog's
 * samples and field formats (the middleware servers' in middlewareLogSpecs.ts; here sql-stat CSV,
 * zdal slow SQL, CobarServer startup, the consoles and the cloud platform...), mostly healthy,
 * with the catalog's known error lines at a low rate and in bursts when a fault is on.
 */
import { hasFault } from './faults';
import { APPS, commonErrorNoise, DRM_KEYS, hex, info, int, logTime, onTick, peerIp, pick, pushLine, slowSql, traceId, type LineContext, type LogSpec } from './logFormat';
import { MIDDLEWARE_LOG_SPECS } from './middlewareLogSpecs';
import { DDS_DATABASE } from './siteDatabase';

/** Keyed by catalog log id; a log not listed here gets generic application lines. */
export const LOG_SPECS: Record<string, LogSpec> = {
  ...MIDDLEWARE_LOG_SPECS,

  // ---- dtx -------------------------------------------------------------------------------------
  'dtxserver-common-default': { every: 6, line: (ctx) => info(ctx, 'main-timer', 'c.a.dtx.server.DtxServer', `activeTx=${int(ctx, 0, 20)}, committed/min=${int(ctx, 300, 600)}, rolledBack/min=${int(ctx, 0, 3)}`) },
  'dtxserver-common-error': { every: Infinity, line: () => undefined, rare: { perSecond: 1 / 2400, line: commonErrorNoise('dtx') } },
  'dtxserver-dtx-dal': { every: 5, line: (ctx) => info(ctx, 'dtx-dal-1', 'c.a.dtx.dal.ActivityDAO', `insert dtx_activity txId=${hex(ctx, 20)} cost=${int(ctx, 1, 6)}ms`) },
  'dtxserver-dtx-schedule': { every: 10, line: (ctx) => info(ctx, 'dtx-schedule', 'c.a.dtx.schedule.RecoveryScheduler', `scan unfinished transactions: ${int(ctx, 0, 2)} found`) },
  'dtxserver-dtx-recovery': { every: 30, line: (ctx) => info(ctx, 'dtx-recovery', 'c.a.dtx.recovery.Phase2Recovery', `recovered ${int(ctx, 0, 1)} branch transactions, failed 0`) },
  'dtxserver-dtx-remote': { every: 4, line: (ctx) => info(ctx, `dtx-remote-${int(ctx, 1, 8)}`, 'c.a.dtx.remote.BranchCommitter', `commit branch of ${pick(ctx, APPS)} txId=${hex(ctx, 20)} result=SUCCESS cost=${int(ctx, 2, 25)}ms`) },

  // ---- dbp ----------------------------------------------------------------------------------------
  'dbp-proxy-sql-stat': {
    every: 2,
    line: (ctx) => {
      const bad = hasFault(ctx.site.faults, 'dbp-slow-sql', ctx.c.name) && ctx.random() < 0.5;
      const count = int(ctx, 800, 3000);
      return `${logTime(ctx.now)},${pick(ctx, ['cloud_load', 'pc_batch_globalhost', 'trade_00'])},${pick(ctx, ['SELECT', 'INSERT', 'UPDATE'])},${bad ? 'N' : 'Y'},${count},${count * int(ctx, bad ? 800 : 300, bad ? 2000 : 500)},${int(ctx, 90000, 99000)},${int(ctx, 60000, 70000)},${int(ctx, 20000, 30000)},${int(ctx, 3000, 4000)},${int(ctx, 700000, 900000)},${int(ctx, 90000, 99000)}`;
    },
  },
  'dbp-proxy-zdal-monitor': {
    every: 10,
    line: (ctx) => {
      return `${logTime(ctx.now)}-[${traceId(ctx)},0.1]Monitor logicDsId: pc_batch_globalhost, active: ${int(ctx, 1, 4)}, idle: ${int(ctx, 16, 20)}, wait: 0`;
    },
    rare: { perSecond: 1 / 600, line: (ctx) => slowSql(ctx, int(ctx, 500, 900)) },
  },
  'dbp-proxy-common-error': { every: Infinity, line: () => undefined, rare: { perSecond: 1 / 3600, line: commonErrorNoise('zdalproxy') } },
  'dbp-proxy-config-digest': { every: 60, line: (ctx) => `dbp_watchman#20170810#${logTime(ctx.now).replace(' ', ',').replace(/,(\d{3})$/, '.$1')}#true` },
  'dbp-proxy-startup': {
    every: Infinity,
    line: () => undefined,
    startup: (ctx) => [
      info(ctx, 'main', 'c.a.z.proxy.CobarStartup', 'Cobar is ready to startup ...'),
      info(ctx, 'main', 'c.a.z.proxy.CobarConfig', 'load zdal config of pc_batch_globalhost, cloud_load, trade_00 success'),
      info(ctx, 'main', 'c.a.z.proxy.CobarServer', 'CobarServer is started and listening on 8066'),
    ],
  },

  // ---- acvip ---------------------------------------------------------------------------------
  'acvip-syncweb': { every: 5, line: (ctx) => info(ctx, 'SyncWeb-1', 'c.a.acvip.sync.SyncWeb', `sync domain ${pick(ctx, APPS)}.service.demo.local -> ${peerIp(ctx)} ok, ttl=30`) },
  // Quiet: §10.4.2 has "Domain Not Found" in the applications' logs (osp-common-error below), not ACVIP's.
  'acvip-common-error': { every: Infinity, line: () => undefined },
  'acvip-common-default': { every: 8, line: (ctx) => info(ctx, 'main-timer', 'c.a.acvip.AcvipServer', `domains=${int(ctx, 40, 44)}, healthyTargets=${int(ctx, 120, 130)}, listening 9003`) },

  // ---- consoles (§2 dsrconsole, §3 ddsconsole, §5 dtxconsole, §8 dbp-console) ----------------------
  'dsrconsole-common-error': { every: Infinity, line: () => undefined, rare: { perSecond: 1 / 3600, line: commonErrorNoise('dsrconsole') } },
  // §3.2: the console's database connection log; a stale data source password shows here.
  'ddsconsole-zdal-datasource': {
    every: 10,
    line: (ctx) => {
      if (hasFault(ctx.site.faults, 'dds-datasource-broken', ctx.c.name)) return undefined;
      return info(ctx, 'zdal-datasource-monitor', 'c.a.z.datasource.ZDataSource', `datasource trade_00 (jdbc:mysql://127.0.0.1:3306/${DDS_DATABASE}) active=${int(ctx, 0, 3)}, idle=${int(ctx, 4, 8)}, maxPoolSize=20, validate ok`);
    },
  },
  'ddsconsole-common-error': { every: Infinity, line: () => undefined },
  'ddsconsole-config-client-blog': { every: 30, line: (ctx) => info(ctx, 'DRM-Config-Client', 'c.a.drm.client.ConfigClient', `received config of ${pick(ctx, DRM_KEYS)} from drmdata ${pick(ctx, ctx.site.of('drmdata')).address}:9880, version=${ctx.now.getTime()}`) },
  'dtxconsole-common-default': { every: 10, line: (ctx) => info(ctx, 'main-timer', 'c.a.dtx.console.DtxConsole', `dtxservers=${ctx.site.of('dtxserver').length}, pendingTx=${int(ctx, 0, 5)}`) },
  'dtxconsole-common-error': { every: Infinity, line: () => undefined },
  'dtxconsole-dtx-rest': { every: 8, line: (ctx) => info(ctx, `http-nio-80-exec-${int(ctx, 1, 10)}`, 'c.a.dtx.console.rest.AccessLog', `GET /api/${pick(ctx, ['transactions', 'activities', 'branches'])} 200 ${int(ctx, 3, 80)}ms`) },
  'dtxconsole-dtx-dal': { every: 10, line: (ctx) => info(ctx, 'dtx-dal-1', 'c.a.dtx.console.dal.ActivityQuery', `select dtx_activity page=${int(ctx, 1, 5)} rows=${int(ctx, 0, 20)} cost=${int(ctx, 1, 9)}ms`) },

  // ---- dst (§6): one common-error.log for the three apps -----------------------------------------
  'dstweb-common-error': { every: Infinity, line: () => undefined },

  // ---- osp --------------------------------------------------------------------------------------
  'osp-user-fa-ade': { every: 15, line: (ctx) => info(ctx, 'http-nio-8341-exec-2', 'c.a.osp.facade.UserFacade', `login user admin from ${peerIp(ctx)} success`) },
  'osp-openapi': { every: 4, line: (ctx) => info(ctx, `http-nio-80-exec-${int(ctx, 1, 20)}`, 'c.a.osp.openapi.AccessLog', `GET /openapi/v1/${pick(ctx, ['instances', 'products', 'regions'])} 200 ${int(ctx, 3, 60)}ms`) },
  'osp-product-instance': { every: 60, line: (ctx) => info(ctx, 'instance-sync', 'c.a.osp.operation.ProductInstanceSync', `synced ${int(ctx, 10, 14)} product instances`) },
  'osp-common-error': { every: Infinity, line: () => undefined, rare: { perSecond: 1 / 3600, line: commonErrorNoise('osp') } },

  // ---- intelliproxy and portal (§9.3) ------------------------------------------------------------
  'intelliproxy-access': {
    every: 2,
    line: (ctx) => {
      const at = ctx.now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
      const [target, p] = pick(ctx, [['osp', '/api/admin/services'], ['msgconsole', '/topics'], ['ddsconsole', '/physical-datasource'], ['dstweb', '/trace']] as const);
      return `${peerIp(ctx)} - admin [${at}] "GET ${p} HTTP/1.1" 200 ${int(ctx, 300, 9000)} "-" "Mozilla/5.0" upstream=${ctx.site.of(target)[0]?.address ?? '-'}:80 rt=0.0${int(ctx, 10, 99)}`;
    },
  },
  'intelliproxy-common-error': { every: Infinity, line: () => undefined },
  'portal-node-stdout': { every: 10, line: (ctx) => `[${ctx.now.toISOString()}] [INFO] portal - GET /api/${pick(ctx, ['products', 'monitor/overview', 'user/current'])} 200 ${int(ctx, 5, 120)}ms` },
  'portal-node-stderr': { every: Infinity, line: () => undefined },
};


/** Extra lines some faults add to logs whose specs do not know about them. */
export function faultLines(logId: string, ctx: LineContext): string | undefined {
  // The guide (§2.2.2.1) has the scheduler log these in /home/admin/logs/common-error.log, not antscheduler/.
  if (logId === 'antscheduler-admin-common-error' && ctx.site.downPorts().size > 0 && ctx.random() < 0.5) {
    const brokers = [...ctx.site.downPorts()].map((d) => d.split(':')[0]);
    const b = ctx.site.containers.find((c) => c.name === brokers[0]);
    return (
      `${logTime(ctx.now)} ERROR [JobMsgSender-${int(ctx, 1, 4)}] c.a.a.msg.MsgBrokerSender - send trigger message failed, topic=TP_ANTSCHEDULER_TRIGGER: no available connection to msgbroker ${b?.address ?? ''}:9529\n` +
      `com.alipay.common.msg.MsgException: no available connection\n\tat com.alipay.common.msg.client.ConnectionPool.select(ConnectionPool.java:118)`
    );
  }
  // §10.4.2: while ACVIP's clock is off, the applications using it (here OSP) log "Domain Not Found".
  if (logId === 'osp-common-error' && (ctx.site.faults.get('acvip-clock-skew')?.size ?? 0) > 0 && ctx.random() < 0.5) {
    return info(ctx, `acvip-client-${int(ctx, 1, 4)}`, 'c.a.acvip.client.AcvipClient', `Domain Not Found: ${pick(ctx, ['sofa-registry', 'zdrmdata', 'msgbroker'])}.service.demo.local`, 'ERROR');
  }
  // §3.2: DDS's data source with a stale password: the console's real connections are refused.
  if (logId === 'ddsconsole-zdal-datasource' && hasFault(ctx.site.faults, 'dds-datasource-broken', ctx.c.name) && onTick(ctx, 5)) {
    const why = ctx.site.db?.status.get(DDS_DATABASE)?.error ?? `Access denied for user '${DDS_DATABASE}'@'127.0.0.1' (using password: YES)`;
    return info(ctx, 'zdal-datasource-monitor', 'c.a.z.datasource.ZDataSource', `datasource trade_00 (jdbc:mysql://127.0.0.1:3306/${DDS_DATABASE}) create connection failed: ${why}`, 'ERROR');
  }
  // §6.3.2.1: with the collector not receiving, the DST apps cannot reach it ("Connection refused").
  if (logId === 'dstweb-common-error' && (ctx.site.faults.get('dstcollector-not-receiving')?.size ?? 0) > 0 && onTick(ctx, 10)) {
    const collector = ctx.site.of('dstcollector')[0];
    const target = ctx.c.component === 'dstcollector' ? 'sls endpoint dst-trace.sls.demo.local:443' : `dstcollector ${collector?.address ?? ''}:12200`;
    return `${logTime(ctx.now)} ERROR [trace-report-${int(ctx, 1, 4)}] c.a.dst.client.TraceReporter - report spans to ${target} failed\njava.net.ConnectException: Connection refused\n\tat sun.nio.ch.SocketChannelImpl.checkConnect(Native Method)`;
  }
  // Bursts, once a second while the fault is on.
  if (logId === 'dbp-proxy-zdal-monitor' && hasFault(ctx.site.faults, 'dbp-slow-sql', ctx.c.name) && ctx.random() < 0.6) {
    // 3–7 lines in 60% of the seconds: ~180 a minute, well over the guide's 100 a minute.
    return Array.from({ length: int(ctx, 3, 7) }, () => slowSql(ctx, int(ctx, 600, 4800))).join('\n');
  }
  if (logId === 'drmdata-drmdata-push' && hasFault(ctx.site.faults, 'drmdata-push-failure', ctx.c.name) && ctx.random() < 0.6) {
    return pushLine(ctx, true);
  }
  if (logId === 'drmdata-common-error' && hasFault(ctx.site.faults, 'drmdata-push-failure', ctx.c.name) && ctx.random() < 0.2) {
    return info(ctx, 'drm-push-executor-3', 'c.a.d.push.PushService', `push ${pick(ctx, DRM_KEYS)} to ${peerIp(ctx)} failed: response timeout 3000ms`, 'ERROR');
  }
  return undefined;
}

/** Generic lines for a log the table does not know. */
export function genericSpec(path: string): LogSpec {
  if (/error/i.test(path)) return { every: Infinity, line: () => undefined };
  return { every: 10, line: (ctx) => info(ctx, 'main-timer', `c.a.${ctx.c.component.replace(/-/g, '.')}.Monitor`, `${ctx.c.appName} running, threads=${ctx.random() < 0.5 ? 118 : 121}`) };
}
