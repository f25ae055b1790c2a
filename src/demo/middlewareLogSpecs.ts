/**
 * Log lines of the middleware servers (§2 DRM data and AntScheduler, §4 msgbroker, §7 registry)
 * in the guide's formats: heartbeat `Y;0ms;...`, `[monitorZone]...`, `[push]...;0`,
 * ServerHAHeartbeat, receive/finish digests... Keyed by catalog log id (logLines.ts merges them).
 */
import { hasFault } from './faults';
import { addrs, APPS, gc, hex, info, int, logTime, onTick, peerIp, pick, pushLine, SERVICES, commonErrorNoise, type LogSpec } from './logFormat';

export const MIDDLEWARE_LOG_SPECS: Record<string, LogSpec> = {
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
};
