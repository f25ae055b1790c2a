/**
 * The guide's incidents the demo can inject (`sofa-ops demo --faults a,b@host`). Each fault has
 * the containers it hits by default; `name@container` aims it at one container instead.
 */
import { translator, type MessageArg, type Translate } from '../core/l10n';

export interface FaultInfo {
  /** Component whose containers the fault hits by default (all of them unless `first`); none: it must be aimed (`name@container`). */
  component?: string;
  first?: boolean;
  /** The hit containers' application stops, as with service-down (a console down). */
  stops?: boolean;
  /** A log directory (inside the container) the fault takes away: moved aside while on, nothing written there; back when off. */
  hidesLogs?: string;
  /** English, the bundle's key: `faultHelp(t)` gives it in the user's language. */
  summary: string;
}

export const FAULTS = {
  'msgbroker-9529-down': {
    component: 'msgbroker',
    summary: 'msgbroker stops listening on 9529: port checks fail, antscheduler logs "no available connection", msgconsole checkService reports passed:false',
  },
  'drmdata-push-failure': {
    component: 'drmdata',
    summary: 'drmdata fails to push config: "[push]...;1" lines in drmdata-push.log, N heartbeats',
  },
  'dbp-slow-sql': {
    component: 'dbp-proxy',
    summary: 'a burst of "Slow sql" lines in zdal-monitor.log and N results in sql-stat.log',
  },
  'meta-leader-lost': {
    component: 'registry-meta',
    first: true,
    summary: 'the registry meta leader loses leadership: its /health/check answers 500 (raftStatus Candidate), another meta node becomes Leader',
  },
  'meta-split-brain': {
    component: 'registry-meta',
    summary: 'split brain: two registry meta nodes both report raftStatus Leader (each /health/check still answers success:true); only the one-leader rule sees it',
  },
  'scheduler-send-drop': {
    component: 'antscheduler',
    first: true,
    summary: 'the first antscheduler sends a tenth of its trigger messages (job-msg.log: 1 line every 10 s instead of every second): the 5-minute send volume drops on the previous 5 minutes and on yesterday',
  },
  'broker-heartbeat-slow': {
    component: 'msgbroker',
    first: true,
    summary: 'the first msgbroker writes a heartbeat every 20 s instead of every 5 s (3 a minute, the guide alarms below 6) while its port and process stay up',
  },
  'acvip-clock-skew': {
    component: 'acvip',
    summary: 'the ACVIP clock runs ahead (date and log times +317 s) and the applications using it (OSP) log "Domain Not Found" (§10.4.2)',
  },
  'disk-full': {
    component: 'registry-data',
    first: true,
    summary: 'df reports 93% used for / and /home (the data filesystem) on the container',
  },
  'dsrconsole-down': {
    component: 'dsrconsole',
    stops: true,
    summary: 'the microservice console (dsrconsole, §2) is down: its 80/8341/12200 close, no java process, no new log lines',
  },
  'dds-datasource-broken': {
    component: 'ddsconsole',
    summary: "DDS's physical data source trade_00 keeps a stale password (§3.3.1): real connections to its MariaDB database fail with Access denied, :9500/checkService says passed:false, zdal-datasource.log logs the failures",
  },
  'dtxconsole-down': {
    component: 'dtxconsole',
    stops: true,
    summary: 'the DTX console (§5.4.1) is down on every instance: 80 and 8080 close, no java process',
  },
  'dstcollector-not-receiving': {
    component: 'dstcollector',
    summary: 'the tracing collector (§6) receives nothing: its 12200 closes, the DST apps log "Connection refused" to it in common-error.log, readiness reports the collector DOWN',
  },
  'dbp-console-down': {
    component: 'dbp-console',
    first: true,
    stops: true,
    summary: 'the first DBP console is down: 80/8341/9500 close (its checkService cannot be reached), no java process',
  },
  'dbp-proxy-logs-gone': {
    component: 'dbp-proxy',
    first: true,
    hidesLogs: '/home/admin/logs/zdalproxy',
    summary: 'the first DBP proxy\'s logs are gone (/home/admin/logs/zdalproxy moved aside, nothing writes there): the monitoring of §8.2.2 has no sql-stat.log, zdal-monitor.log... to collect',
  },
  'osp-single-address': {
    component: 'osp',
    summary: 'OSP keeps a single address for the mq service (/api/admin/services/mq/addresses): the 单点 (single point) case of §9.5.2',
  },
  'kubelet-inactive': {
    component: 'physical-host',
    first: true,
    summary: 'the first physical host came back from an abnormal reboot with kubelet stopped: `service kubelet status` says inactive (dead) until `service kubelet start` (§11.2)',
  },
  'host-down': {
    component: 'physical-host',
    first: true,
    summary: 'the first physical host is down (§11.1): its SSH refuses connections and ping from the other hosts gets no reply, until the fault is off',
  },
  'service-down': {
    summary: 'aimed at one container (service-down@NAME): its application stops - every port but SSH closes, the java process exits, its connections to peers close, its logs stop growing',
  },
  'metrics-unavailable': {
    summary: 'aimed at one container (metrics-unavailable@NAME): /proc/stat, /proc/meminfo, /proc/loadavg hold nothing readable and df fails',
  },
} satisfies Record<string, FaultInfo>;

export type FaultName = keyof typeof FAULTS;

/** Active faults: fault name → names of the containers it hits. */
export type FaultSet = Map<FaultName, Set<string>>;

/** A bad fault set; `template` and `args` let a front end say it in the user's language. */
export class FaultParseError extends Error {
  readonly args: MessageArg[];
  constructor(readonly template: string, ...args: MessageArg[]) {
    super(translator('en')(template, ...args));
    this.args = args;
  }
}

/** The fault list as help shows it: name and summary, in `t`'s language. */
export function faultHelp(t: Translate = translator('en')): string {
  return Object.entries(FAULTS)
    .map(([name, f]) => `  ${name.padEnd(22)} ${t(f.summary)}`)
    .join('\n');
}

/** The fault list in both languages, for a message worded later in either. */
function faultList(): MessageArg {
  return { en: faultHelp(translator('en')), zh: faultHelp(translator('zh')) };
}

/** Parses `a,b@container`; containers are {name, component} of the site. */
export function parseFaults(text: string | undefined, containers: ReadonlyArray<{ name: string; component: string }>): FaultSet {
  const set: FaultSet = new Map();
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, target] = item.split('@', 2) as [string, string | undefined];
    if (!(name in FAULTS)) throw new FaultParseError('unknown fault "{0}"; known faults:\n{1}', name, faultList());
    const info: FaultInfo = FAULTS[name as FaultName];
    if (!info.component && !target) throw new FaultParseError('fault "{0}" needs a container: {0}@NAME (containers: {1})', name, containers.map((c) => c.name).join(', '));
    let hit = containers.filter((c) => c.component === info.component);
    if (info.first) hit = hit.slice(0, 1);
    if (target) {
      const one = containers.find((c) => c.name === target);
      if (!one) throw new FaultParseError('fault "{0}": no container named "{1}" (containers: {2})', name, target, containers.map((c) => c.name).join(', '));
      hit = [one];
    }
    const names = set.get(name as FaultName) ?? new Set<string>();
    for (const c of hit) names.add(c.name);
    set.set(name as FaultName, names);
  }
  return set;
}

/** Every log directory some fault can take away. */
export const HIDABLE_LOG_DIRS = [...new Set(Object.values(FAULTS).flatMap((f: FaultInfo) => (f.hidesLogs ? [f.hidesLogs] : [])))];

/** The log directories the active faults take away from a container (see FaultInfo.hidesLogs). */
export function hiddenLogDirs(faults: FaultSet, container: string): string[] {
  return [...faults].flatMap(([name, hit]) => {
    const dir = (FAULTS[name] as FaultInfo).hidesLogs;
    return dir && hit.has(container) ? [dir] : [];
  });
}

export function hasFault(faults: FaultSet, name: FaultName, container: string): boolean {
  return faults.get(name)?.has(container) ?? false;
}
