/**
 * Log lines in the guide's formats for every log file the demo containers write: the catalog's
 * samples and field formats (heartbeat `Y;0ms;...`, `[monitorZone]...`, `[push]...;0`, sql-stat
 * CSV, ServerHAHeartbeat, receive/finish digests, zdal slow SQL, CobarServer startup...), mostly
 * healthy, with the catalog's known error lines at a low rate and in bursts when a fault is on.
 */
import { hasFault } from './faults';
import { DDS_DATABASE } from './siteDatabase';
import type { ContainerSpec } from './siteModel';
import type { SiteState } from './siteState';

export interface LineContext {
  c: ContainerSpec;
  site: SiteState;
  /** The container's clock (skewed by acvip-clock-skew). */
  now: Date;
  /** The whole second the pump writes for (before the sub-second jitter of `now`). */
  tick: number;
  random: () => number;
}

export interface LogSpec {
  /** Mean seconds between lines (Infinity: only when something goes wrong). */
  every: number;
  line: (ctx: LineContext) => string | string[] | undefined;
  /** A known error line, written with this probability per second. */
  rare?: { perSecond: number; line: (ctx: LineContext) => string };
  /** Lines written once each time the container starts. */
  startup?: (ctx: LineContext) => string[];
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2026-11-02 10:04:05,123`, the guide's Java log time. */
export function logTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

/** Whether this second is a multiple of `seconds` on the container's clock (a steady rate, no jitter). */
function onTick(ctx: LineContext, seconds: number): boolean {
  return ctx.tick % seconds === 0;
}

function int(ctx: LineContext, lo: number, hi: number): number {
  return lo + Math.floor(ctx.random() * (hi - lo + 1));
}
function pick<T>(ctx: LineContext, items: readonly T[]): T {
  return items[Math.floor(ctx.random() * items.length)];
}
function hex(ctx: LineContext, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(ctx.random() * 16)];
  return s;
}
function traceId(ctx: LineContext): string {
  return `0a${hex(ctx, 6)}${Math.floor(ctx.now.getTime())}${int(ctx, 1000, 9999)}`;
}
function info(ctx: LineContext, thread: string, logger: string, msg: string, level = 'INFO '): string {
  return `${logTime(ctx.now)} ${level} [${thread}] ${logger} - ${msg}`;
}
function addrs(ctx: LineContext, component: string, port?: number): string {
  return ctx.site.of(component).map((c) => (port ? `${c.address}:${port}` : c.address)).join(',');
}
function peerIp(ctx: LineContext): string {
  return `10.${int(ctx, 10, 30)}.${int(ctx, 0, 255)}.${int(ctx, 1, 254)}`;
}
const APPS = ['cashier', 'trade-center', 'account-core', 'member-web', 'pay-gateway', 'risk-engine'];
const SERVICES = ['com.alipay.trade.facade.TradeQueryFacade:1.0', 'com.alipay.account.AccountService:1.0', 'com.alipay.member.MemberFacade:1.0', 'com.alipay.pay.PayOrderService:1.0'];
const DRM_KEYS = ['Alipay.cashier:name=com.alipay.cashier.drm.SwitchConfig,version=3.0@DRM', 'Alipay.trade:name=com.alipay.trade.drm.LimitConfig,version=3.0@DRM', 'Alipay.risk:name=com.alipay.risk.drm.RuleSwitch,version=3.0@DRM'];

function gc(ctx: LineContext): string {
  const uptime = ((ctx.now.getTime() % 86_400_000) / 1000).toFixed(3);
  const iso = ctx.now.toISOString().replace('Z', '+0000');
  const young = int(ctx, 180_000, 260_000);
  const heapBefore = int(ctx, 900_000, 1_500_000);
  const pause = (int(ctx, 4, 40) / 1000).toFixed(7);
  return `${iso}: ${uptime}: [GC pause (G1 Evacuation Pause) (young) ${young}K->${int(ctx, 8_000, 20_000)}K(${young + 40_000}K)] ${heapBefore}K->${heapBefore - young + 12_000}K(2097152K), ${pause} secs] [Times: user=0.0${int(ctx, 1, 9)} sys=0.00, real=${pause.slice(0, 4)} secs]`;
}

const commonErrorNoise = (component: string) => (ctx: LineContext) =>
  `${logTime(ctx.now)} ERROR [${component}-biz-${int(ctx, 1, 8)}] c.a.${component}.common.RetryTemplate - call timed out after 3000ms, will retry (1/3), traceId=${traceId(ctx)}\n` +
  `java.util.concurrent.TimeoutException: Waiting server-side response timeout. Address:${peerIp(ctx)}:12200 , timeout:3000ms\n` +
  `\tat com.alipay.remoting.rpc.RpcResponseResolver.preProcess(RpcResponseResolver.java:70)\n` +
  `\tat com.alipay.remoting.rpc.RpcResponseResolver.resolveResponseObject(RpcResponseResolver.java:52)`;

/** Keyed by catalog log id; a log not listed here gets generic application lines. */
export const LOG_SPECS: Record<string, LogSpec> = {
  // ---- registry -------------------------------------------------------------------------------
  'metaserver-registry-meta': {
    every: 5,
    line: (ctx) =>
      pick(ctx, [
        () => info(ctx, `MetaServerSchedule-${int(ctx, 1, 4)}`, 'c.a.s.r.s.m.r.MetaServerRegistry', `[renew] dataNodes=[${addrs(ctx, 'registry-data')}], sessionNodes=[${addrs(ctx, 'registry-session')}], leader=${ctx.site.leader()?.address ?? 'null'}`),
        () => info(ctx, 'PushSwitchTask', 'c.a.s.r.s.m.p.PushSwitchService', `[pushSwitch] stopPushDataSwitch=${ctx.site.stopPush}`),
        () => info(ctx, 'MetaNodeExchange', 'c.a.s.r.s.m.n.DataNodeService', `[DataNodeChange] notify ${ctx.site.of('registry-session').length} session servers, dataCenter=${ctx.site.dataCenter}, version=${ctx.now.getTime()}`),
      ])(),
    startup: (ctx) => [
      info(ctx, 'main', 'c.a.s.r.s.m.MetaServerApplication', `Starting MetaServerApplication on ${ctx.c.name} with PID 1`),
      info(ctx, 'main', 'c.a.s.r.s.m.b.MetaServerBootstrap', `Open meta server port 9610,9611,9612 success!`),
      info(ctx, 'main', 'c.a.s.r.s.m.b.MetaServerBootstrap', `Raft server port 9614 start success!group RegistryGroup_${ctx.site.dataCenter}`),
      info(ctx, 'main', 'c.a.s.r.s.m.b.MetaServerBootstrap', `Open http server port 9615 success!`),
      info(ctx, 'main', 'c.a.s.r.s.m.MetaServerApplication', `Started MetaServerApplication in 8.317 seconds (JVM running for 9.02)`),
    ],
  },
  'metaserver-registry-raft': {
    every: 10,
    line: (ctx) => {
      const status = ctx.site.raftStatus(ctx.c);
      const node = `<RegistryGroup_${ctx.site.dataCenter}/${ctx.c.address}:9614>`;
      if (status === 'Leader') return info(ctx, 'JRaft-NodeImpl-Disruptor-0', 'c.a.sofa.jraft.core.NodeImpl', `Node ${node} term 3 is Leader, peers=[${ctx.site.metaPeers.map((p) => `${p}:9614`).join(',')}], lastLogIndex=${18_000 + Math.floor(ctx.now.getTime() / 60_000) % 5000}`);
      if (status === 'Follower') return info(ctx, 'JRaft-FSMCaller-Disruptor-0', 'c.a.sofa.jraft.core.NodeImpl', `Node ${node} term 3 is Follower, leaderId=${ctx.site.leader()?.address ?? '0.0.0.0'}:9614`);
      return [
        info(ctx, 'JRaft-ElectionTimer', 'c.a.sofa.jraft.core.NodeImpl', `Node ${node} term 4 start vote and grant vote self, raftStatus: Candidate`, 'WARN '),
        info(ctx, 'JRaft-ElectionTimer', 'c.a.sofa.jraft.core.NodeImpl', `Node ${node} received invalid RequestVoteResponse from peers, current term 4: ERAFTTIMEDOUT heartbeat timeout, no leader`, 'ERROR'),
      ];
    },
  },
  'metaserver-registry-connect': {
    every: 30,
    line: (ctx) => info(ctx, 'Bolt-conn-event-executor-3-thread-1', 'c.a.s.r.r.b.ConnectionEventHandler', `[connect] remote=${pick(ctx, ctx.site.containers.filter((c) => c.product === 'registry')).address}:${int(ctx, 40000, 60000)} local=${ctx.c.address}:${pick(ctx, [9610, 9611, 9612])} event=CONNECT`),
  },
  'sessionserver-registry-session': {
    every: 3,
    line: (ctx) =>
      ctx.site.stopPush
        ? info(ctx, 'PushTaskExecutor', 'c.a.s.r.s.s.p.FirePushService', `[push] stopPushDataSwitch is open, skip push ${int(ctx, 2, 40)} subscribers of ${pick(ctx, SERVICES)}`)
        : info(ctx, 'PushTaskExecutor', 'c.a.s.r.s.s.p.FirePushService', `[push] dataInfoId=${pick(ctx, SERVICES)}@DEFAULT#@#SOFA, subscribers=${int(ctx, 1, 30)}, version=${ctx.now.getTime()}, cost=${int(ctx, 1, 12)}ms`),
  },
  'sessionserver-registry-exchange': {
    every: 4,
    line: (ctx) => info(ctx, `Bolt-executor-${int(ctx, 1, 16)}`, 'c.a.s.r.s.s.n.DataNodeExchanger', `send PublishDataRequest to ${pick(ctx, ctx.site.of('registry-data')).address}:9620 app=${pick(ctx, APPS)} cost ${int(ctx, 1, 9)}ms`),
  },
  'sessionserver-registry-console': {
    every: 40,
    line: (ctx) => info(ctx, 'http-nio-9603-exec-1', 'c.a.s.r.s.s.r.SessionDigestResource', `GET /digest/${pick(ctx, ['pub', 'sub'])}/data/query dataInfoId=${pick(ctx, SERVICES)} from ${peerIp(ctx)}`),
  },
  'sessionserver-registry-connect': {
    every: 20,
    line: (ctx) => info(ctx, 'Bolt-conn-event-executor-1', 'c.a.s.r.r.b.ConnectionEventHandler', `[connect] client ${peerIp(ctx)}:${int(ctx, 30000, 60000)} app=${pick(ctx, APPS)} event=${pick(ctx, ['CONNECT', 'CONNECT', 'CLOSE'])}`),
  },
  'dataserver-registry-data': {
    every: 4,
    line: (ctx) =>
      pick(ctx, [
        () => info(ctx, 'DataServerSchedule', 'c.a.s.r.s.d.c.DatumCache', `[DatumCache] dataCenter=${ctx.site.dataCenter}, datums=${int(ctx, 2100, 2200)}, publishers=${int(ctx, 8400, 8500)}`),
        () => info(ctx, `Bolt-executor-${int(ctx, 1, 16)}`, 'c.a.s.r.s.d.r.h.PublishDataHandler', `[publish] dataInfoId=${pick(ctx, SERVICES)}@DEFAULT#@#SOFA from session ${pick(ctx, ctx.site.of('registry-session')).address}, version=${ctx.now.getTime()}`),
      ])(),
  },
  'dataserver-registry-connect': {
    every: 20,
    line: (ctx) => info(ctx, 'Bolt-conn-event-executor-1', 'c.a.s.r.r.b.ConnectionEventHandler', `[connect] session ${pick(ctx, ctx.site.of('registry-session')).address}:${int(ctx, 30000, 60000)} -> ${ctx.c.address}:9620 event=CONNECT`),
  },
  // The guide: any line in decision.60dt.log means a data node was kicked out; healthy = empty.
  'dataserver-decision-60dt': { every: Infinity, line: () => undefined },
  'metaserver-gc': { every: 30, line: gc },
  'dataserver-gc': { every: 30, line: gc },
  'sessionserver-gc': { every: 30, line: gc },

  // ---- drmdata ------------------------------------------------------------------------------
  'drmdata-drmdata-heartbeat': {
    every: 2,
    line: (ctx) => {
      const fail = hasFault(ctx.site.faults, 'drmdata-push-failure', ctx.c.name) && ctx.random() < 0.5;
      return `${logTime(ctx.now)} - ${fail ? 'N' : 'Y'};${fail ? int(ctx, 3000, 3010) : int(ctx, 0, 3)}ms;${pick(ctx, ['GZ00A', 'GZ00B'])};${hex(ctx, 12).toUpperCase()};${peerIp(ctx)};${int(ctx, 200, 260)};${fail ? int(ctx, 1, 12) : 0};bolt`;
    },
  },
  'drmdata-drm-monitor': {
    every: 10,
    line: (ctx) => `${logTime(ctx.now)} - [monitorZone]${int(ctx, 10, 14)};${pick(ctx, ['DEFAULT_ZONE', 'GZ00A', 'GZ00B'])};${int(ctx, 3, 6)};${int(ctx, 30, 34)};${int(ctx, 2, 5)};`,
  },
  'drmdata-drmdata-push': {
    every: 3,
    line: (ctx) => {
      const fail = hasFault(ctx.site.faults, 'drmdata-push-failure', ctx.c.name) && ctx.random() < 0.8;
      return pushLine(ctx, fail);
    },
  },
  'drmdata-common-error': {
    every: Infinity,
    line: () => undefined,
    rare: { perSecond: 1 / 1800, line: commonErrorNoise('drmdata') },
  },
  'drmdata-drmdata-sync': { every: 15, line: (ctx) => info(ctx, 'DrmSyncTask', 'c.a.d.sync.ConfigSyncer', `sync ${int(ctx, 30, 34)} config items from drmdb, changed=${int(ctx, 0, 1)}, cost=${int(ctx, 5, 40)}ms`) },
  'drmdata-drmdata-threadpool': {
    every: 10,
    line: (ctx) => `${logTime(ctx.now)} - ${pick(ctx, ['drm-push-executor', 'drm-heartbeat-executor', 'bolt-executor'])},${int(ctx, 0, 2)},${int(ctx, 1, 6)},${int(ctx, 20, 30)},32`,
  },
  'drmdata-drmdata-default': { every: 8, line: (ctx) => info(ctx, 'main-timer', 'c.a.d.server.DrmDataServer', `clients=${int(ctx, 230, 250)}, zones=2, configItems=${int(ctx, 30, 34)}`) },
  'drmdata-drmdata-container': {
    every: 120,
    line: (ctx) => info(ctx, 'main', 'c.a.d.container.DrmContainer', 'container alive, resources=[drmdb, registry, acvip] all ready'),
    startup: (ctx) => [info(ctx, 'main', 'c.a.d.container.DrmContainer', 'DrmData container started, listening on 9880 (bolt) and 9870 (http)')],
  },
  'drmdata-app-auth': { every: 30, line: (ctx) => info(ctx, 'auth-1', 'c.a.d.auth.AppAuthFilter', `app ${pick(ctx, APPS)} instance ${hex(ctx, 12).toUpperCase()} auth passed`) },

  // ---- antscheduler --------------------------------------------------------------------------
  'antscheduler-common-error': {
    every: Infinity,
    line: () => undefined,
    rare: { perSecond: 1 / 2400, line: commonErrorNoise('antscheduler') },
  },
  // §2.2.2.1: the MQ connection failures go to /home/admin/logs/common-error.log (faultLines).
  'antscheduler-admin-common-error': { every: Infinity, line: () => undefined },
  'antscheduler-rpc-server': {
    every: 10,
    line: (ctx) => info(ctx, `SchedulerRpc-${int(ctx, 1, 8)}`, 'c.a.a.rpc.RegisterHandler', `client[${pick(ctx, APPS)}@${peerIp(ctx)}] register success, groups=1`),
    rare: { perSecond: 1 / 1200, line: (ctx) => info(ctx, 'SchedulerRpc-2', 'c.a.a.rpc.RegisterHandler', `client[${pick(ctx, APPS)}@${peerIp(ctx)}] has no auth, client register failed`, 'ERROR') },
  },
  'antscheduler-rpc-client': { every: 12, line: (ctx) => info(ctx, 'SchedulerRpcClient', 'c.a.a.rpc.TriggerClient', `trigger ${pick(ctx, APPS)}.${pick(ctx, ['settleJob', 'reconcileJob', 'cleanJob'])} ok, cost=${int(ctx, 2, 30)}ms`) },
  'antscheduler-rpc-slave': { every: 30, line: (ctx) => info(ctx, 'SlaveSync', 'c.a.a.rpc.SlaveSync', `slave heartbeat from ${peerIp(ctx)} ok`) },
  'antscheduler-job-rpc': {
    every: 6,
    line: (ctx) => info(ctx, 'JobRpc', 'c.a.a.job.RpcJobExecutor', `job ${pick(ctx, ['settleJob', 'reconcileJob', 'cleanJob'])} of ${pick(ctx, APPS)} dispatched to ${int(ctx, 1, 4)} targets`),
    rare: { perSecond: 1 / 900, line: (ctx) => info(ctx, 'JobRpc', 'c.a.a.job.RpcJobExecutor', `job reportJob of ${pick(ctx, APPS)}: no targets was found`, 'ERROR') },
  },
  // One trigger message a second (the 5-minute send volume the guide watches is ~300); one every 10 s with scheduler-send-drop.
  'antscheduler-job-msg': {
    every: 1,
    line: (ctx) => {
      if (hasFault(ctx.site.faults, 'scheduler-send-drop', ctx.c.name) && !onTick(ctx, 10)) return undefined;
      const down = ctx.site.downPorts().size > 0;
      return `${logTime(ctx.now)},${pick(ctx, ['settleJob', 'reconcileJob'])},${hex(ctx, 16)},TP_ANTSCHEDULER_TRIGGER, ${down ? 'failed' : 'success'}`;
    },
  },
  'antscheduler-job-dispatch': { every: 5, line: (ctx) => info(ctx, 'JobDispatcher', 'c.a.a.job.Dispatcher', `dispatch ${pick(ctx, ['settleJob', 'reconcileJob', 'cleanJob'])} fireTime=${logTime(ctx.now)} delay=${int(ctx, 0, 40)}ms`) },
  'antscheduler-monitor': { every: 10, line: (ctx) => `${logTime(ctx.now)},jobs=${int(ctx, 120, 140)},running=${int(ctx, 0, 6)},failed=0,delayed=0` },
  'antscheduler-antscheduler-default': { every: 8, line: (ctx) => info(ctx, 'main-timer', 'c.a.a.AntScheduler', `cluster ok, master=${ctx.c.address}, msgbroker=${addrs(ctx, 'msgbroker', 9529)}`) },
  'antscheduler-auth-audit': { every: 60, line: (ctx) => info(ctx, 'auth', 'c.a.a.auth.Audit', `user admin@${peerIp(ctx)} viewed job list`) },
  'antscheduler-health-check-common-error': { every: Infinity, line: () => undefined },

  // ---- msgbroker -----------------------------------------------------------------------------
  'msgbroker-common-error': {
    every: Infinity,
    line: () => undefined,
    rare: { perSecond: 1 / 3600, line: (ctx) => `${logTime(ctx.now)} ERROR [DispatcherThread-3] dispatcher - deliver message ${hex(ctx, 32).toUpperCase()} to group S_${pick(ctx, APPS).toUpperCase()} timeout, will redeliver` },
  },
  // Every 5 s on the clock (the guide: 12 a minute, alarm below 6); every 20 s with broker-heartbeat-slow.
  'msgbroker-msgbroker-ha-heartbeat': {
    every: 1,
    line: (ctx) =>
      onTick(ctx, hasFault(ctx.site.faults, 'broker-heartbeat-slow', ctx.c.name) ? 20 : 5)
        ? `${logTime(ctx.now)} - ServerHAHeartbeat result [OK] meta [ServerHAHeartbeatMeta[hostname=${ctx.c.name},ip=${ctx.c.address}]]`
        : undefined,
  },
  'msgbroker-msgbroker-datasource-healthy': {
    every: 10,
    line: (ctx) => `${logTime(ctx.now)} - Validate data source healthy, status [SUCCESS] url [jdbc:mysql://msgdb.demo.sofa.local:3306/msgdb?characterEncoding=utf8&connectTimeout=1000&autoReconnectForPools=true&socketTimeout=30000]`,
  },
  'msgbroker-msgbroker-receive-digest': {
    every: 1,
    line: (ctx) =>
      ctx.site.downPorts().has(`${ctx.c.name}:9529`)
        ? undefined
        : `${logTime(ctx.now)} - [(TP_F_SC,EC_${pick(ctx, ['CALLBACK', 'EVENTLOG', 'SETTLE'])},Y,${hex(ctx, 32).toUpperCase()},${hex(ctx, 32)},${pick(ctx, APPS)}-1-1,P_${pick(ctx, APPS)}_dynamic_task,1,R,2,2,${int(ctx, 200, 1500)},${ctx.c.name}-msgdb,${hex(ctx, 25)},0,-)]`,
  },
  'msgbroker-msgbroker-finish-digest': {
    every: 1,
    line: (ctx) =>
      ctx.site.downPorts().has(`${ctx.c.name}:9529`)
        ? undefined
        : `${logTime(ctx.now)} - [(${hex(ctx, 32).toUpperCase()},TP_S_1301,EC_EVENTLOG_3001,S_${pick(ctx, APPS).toUpperCase().replace(/-/g, '')}_INPUT@${peerIp(ctx)}@${ctx.now.getTime()},1)]`,
  },
  'msgbroker-msgbroker-dispatcher-failure': { every: Infinity, line: () => undefined, rare: { perSecond: 1 / 1800, line: (ctx) => `${logTime(ctx.now)} - [(${hex(ctx, 32).toUpperCase()},TP_S_1301,S_${pick(ctx, APPS).toUpperCase()},timeout,3000ms)]` } },
  'msgbroker-msgbroker-dispatcher-neglect': { every: 300, line: (ctx) => `${logTime(ctx.now)} - [(${hex(ctx, 32).toUpperCase()},TP_S_1301,no subscriber group, neglected)]` },
  'msgbroker-msgbroker-server-persistencemanager': { every: 15, line: (ctx) => `${logTime(ctx.now)} - persist batch size=${int(ctx, 10, 200)} cost=${int(ctx, 2, 20)}ms tables=[msg_0${int(ctx, 0, 7)}]` },

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

function pushLine(ctx: LineContext, fail: boolean): string {
  return `${logTime(ctx.now)} - [push]${hex(ctx, 12).toUpperCase()};${pick(ctx, DRM_KEYS)};${peerIp(ctx)};${fail ? 1 : 0}`;
}

function slowSql(ctx: LineContext, millis: number): string {
  const sql = pick(ctx, [
    "select count(job_id) from pc_batch_batch_job_instance where ((state = 'RUNNING'))",
    'select * from trade_order where gmt_create > ? order by gmt_create limit 500',
    'update cloud_load_task set status = ? where task_id in (?,?,?,?)',
  ]);
  return `${logTime(ctx.now)}-[${traceId(ctx)},0.1]Slow sql ${millis} millis, logicDsId: ${pick(ctx, ['pc_batch_globalhost', 'cloud_load', 'trade_00'])}, sql: ${sql}`;
}

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
