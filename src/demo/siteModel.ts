/**
 * What the demo site is made of: which containers, on which loopback addresses, serving which of
 * the guide's ports, writing which of the catalog's log files, and connected to which peers.
 * Ports and log files come from the catalog, so the demo follows the guide as the catalog grows.
 */
import * as path from 'path';
import type { Catalog, Component, LogFile } from '../core/catalog/types';
import type { LinkSpec, ListenerSpec } from './agentProtocol';

export const DEMO_SSH_PORT = 2022;
export const DEMO_USER = 'admin';
export const CONTAINER_HOME = '/home/admin';

/**
 * The site's shape: product, component, how many containers at the guide's scale (its resource
 * tables: msgbroker ×4 in §4.1.3, dstweb ×4 in §6.1.3, drmdata and antscheduler ×2 in §2.1.2.1...;
 * one where the guide gives no count) and at `--scale small`. Names are `<component>-<n>`; the
 * registry comes first so its containers keep the first addresses. Products stay contiguous (the
 * inventory groups by product).
 */
export const SITE_LAYOUT: ReadonlyArray<{ product: string; component: string; count: number; small: number }> = [
  { product: 'registry', component: 'registry-meta', count: 3, small: 3 },
  { product: 'registry', component: 'registry-data', count: 3, small: 3 },
  { product: 'registry', component: 'registry-session', count: 2, small: 2 },
  { product: 'microservice', component: 'drmdata', count: 2, small: 1 },
  { product: 'microservice', component: 'antscheduler', count: 2, small: 1 },
  { product: 'microservice', component: 'dsrconsole', count: 2, small: 1 },
  { product: 'microservice', component: 'dsrconsole-db', count: 1, small: 1 },
  { product: 'microservice', component: 'antschedulerconsole', count: 1, small: 1 },
  { product: 'dds', component: 'ddsconsole', count: 2, small: 1 },
  { product: 'mq', component: 'msgbroker', count: 4, small: 2 },
  { product: 'mq', component: 'msgconsole', count: 2, small: 1 },
  { product: 'mq', component: 'msgdb', count: 2, small: 1 },
  { product: 'mq', component: 'confdb', count: 1, small: 1 },
  { product: 'dtx', component: 'dtxserver', count: 2, small: 1 },
  { product: 'dtx', component: 'dtxconsole', count: 2, small: 1 },
  { product: 'dtx', component: 'dtxdb', count: 1, small: 1 },
  { product: 'dst', component: 'dstweb', count: 4, small: 1 },
  { product: 'dst', component: 'dstcollector', count: 1, small: 1 },
  { product: 'dst', component: 'dstconsole', count: 1, small: 1 },
  { product: 'dst', component: 'accatracecloud-db', count: 1, small: 1 },
  { product: 'dbp', component: 'dbp-proxy', count: 2, small: 1 },
  { product: 'dbp', component: 'dbp-console', count: 2, small: 1 },
  { product: 'acvip', component: 'acvip', count: 2, small: 1 },
  { product: 'acvip', component: 'acvip-metadata-rds', count: 1, small: 1 },
  { product: 'cloud-platform', component: 'osp', count: 1, small: 1 },
  { product: 'cloud-platform', component: 'intelliproxy', count: 1, small: 1 },
  { product: 'cloud-platform', component: 'portal', count: 1, small: 1 },
  // §11.2's runbook pings the rebooted host from another machine of the same network.
  { product: 'physical-host', component: 'physical-host', count: 2, small: 2 },
];

export type SiteScale = 'guide' | 'small';

/**
 * Catalog components with no container, and why: the guide's own outside parts (the users'
 * applications, the SLS service) and ids that name the same servers as the registry's.
 */
export const NOT_ON_SITE: Readonly<Record<string, string>> = {
  'ms-client': 'the users\' applications (SDK side of §2), not part of the middleware site',
  'registry-client': 'the users\' applications (SDK side of §7)',
  'registry-test': 'a test client the guide runs from an application (§7.3.4)',
  'dst-als-sls': 'ALS/SLS is an external log service the guide lists as a dependency (§6.1.2)',
  sessionserver: 'the §2 name of registry-session: same containers (registry-session-N)',
  dataserver: 'the §2 name of registry-data: same containers (registry-data-N)',
  metaserver: 'the §2 name of registry-meta: same containers (registry-meta-N)',
};

/** Databases (RDS) of the site: component → MariaDB database it serves on 3306. */
export const DATABASES: Readonly<Record<string, string>> = {
  'dsrconsole-db': 'dsrconsole',
  msgdb: 'msgdb',
  confdb: 'confdb',
  dtxdb: 'dtxdb',
  'accatracecloud-db': 'accatracecloud_db',
  'acvip-metadata-rds': 'acvip_meta',
};

/** Components whose stores are those databases (links to 3306, `checkService` of the store). */
export const STORES: Readonly<Record<string, string[]>> = {
  dsrconsole: ['dsrconsole-db'],
  antschedulerconsole: ['dsrconsole-db'],
  msgbroker: ['msgdb'],
  msgconsole: ['msgdb', 'confdb'],
  dtxserver: ['dtxdb'],
  dtxconsole: ['dtxdb'],
  dstweb: ['accatracecloud-db'],
  dstcollector: ['accatracecloud-db'],
  acvip: ['acvip-metadata-rds'],
};

/** Ports that answer HTTP (the guide's checks curl them); every other catalog port is plain TCP. */
const HTTP_PORTS: Record<string, number[]> = {
  'registry-meta': [9615, 8080],
  'registry-data': [9622, 8080],
  'registry-session': [9603, 8080],
  drmdata: [80],
  dsrconsole: [80, 8341],
  antschedulerconsole: [8080],
  ddsconsole: [80, 8341, 9500],
  msgconsole: [80, 9500],
  dtxconsole: [80, 8080],
  dstweb: [80, 8341, 8080],
  dstcollector: [8080],
  dstconsole: [80, 8080],
  'dbp-console': [80, 8341, 9500],
  osp: [80, 8080],
  intelliproxy: [80],
  portal: [80, 8080],
};

/**
 * Ports beyond a component's resource table: §6.5.2 curls
 * 127.0.0.1:8080/health/readiness and greps 12200 on every DST app.
 */
const EXTRA_PORTS: Record<string, number[]> = {
  // §2.1.2.1 gives dsrconsole's MySQL no port (N/A): MySQL's own.
  'dsrconsole-db': [3306],
  dstweb: [8080],
  dstcollector: [8080],
  dstconsole: [8080, 12200],
};

/** Components that are not a Java application: what `ps` shows for them instead. */
const PROCESS_COMMANDS: Record<string, string> = {
  'physical-host': '/usr/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime=docker',
};
const DB_COMMAND = '/u01/mysql/bin/mysqld --defaults-file=/u01/my3306/my.cnf --basedir=/u01/mysql --datadir=/u01/my3306/data --port=3306';

/** The guide's components that are also known under another id in the catalog (same logs). */
const LOG_ALIASES: Record<string, string[]> = {
  'registry-meta': ['metaserver'],
  'registry-data': ['dataserver'],
  'registry-session': ['sessionserver'],
};

export interface ContainerSpec {
  name: string;
  /** 127.0.1.N: the SSH address outside, the container's own address inside. */
  address: string;
  product: string;
  component: string;
  /** 1-based position within its component. */
  index: number;
  appName: string;
  tags: string[];
  zone: string;
  listeners: ListenerSpec[];
  logs: LogFile[];
  /** Absolute path of each log inside the container (relative catalog paths are under the home). */
  logPaths: Map<string, string>;
  /** The application's JVM command line (mysqld, kubelet for the RDS and hosts), for `ps`. */
  javaCommand: string;
}

/** The demo's loopback /24 by default; another (e.g. 127.0.42) lets two sites or test runs coexist. */
export const DEFAULT_SUBNET = '127.0.1';

export function buildSite(catalog: Catalog, subnet = DEFAULT_SUBNET, scale: SiteScale = 'guide'): ContainerSpec[] {
  const containers: ContainerSpec[] = [];
  let n = 0;
  for (const layout of SITE_LAYOUT) {
    const { product, component } = layout;
    const count = scale === 'small' ? layout.small : layout.count;
    const productCatalog = catalog.products.find((p) => p.product.id === product);
    const comp = productCatalog?.components.find((c) => c.id === component);
    if (!comp) throw new Error(`the catalog has no component ${product}/${component}; the demo site needs it`);
    const ids = new Set([component, ...(LOG_ALIASES[component] ?? [])]);
    const logs = catalog.products.flatMap((p) => p.logs).filter((l) => l.components.some((c) => ids.has(c)));
    const unique = dedupeByPath(logs);
    for (let i = 1; i <= count; i++) {
      n++;
      const zone = i % 2 === 1 ? 'GZ00A' : 'GZ00B';
      containers.push({
        name: `${component}-${i}`,
        address: `${subnet}.${n}`,
        product,
        component,
        index: i,
        appName: comp.appName ?? component,
        tags: [i % 2 === 1 ? 'dc-a' : 'dc-b', `zone=${zone}`],
        zone,
        listeners: listenersFor(comp),
        logs: unique,
        logPaths: new Map(unique.map((l) => [l.id, containerLogPath(l.path)])),
        javaCommand: PROCESS_COMMANDS[component] ?? (DATABASES[component] ? DB_COMMAND : javaCommandFor(component, comp.appName ?? component, zone)),
      });
    }
  }
  return containers;
}

function dedupeByPath(logs: LogFile[]): LogFile[] {
  const seen = new Set<string>();
  return logs.filter((l) => {
    const p = containerLogPath(l.path);
    if (seen.has(p)) return false;
    seen.add(p);
    return true;
  });
}

/** Catalog paths are absolute, `~/...`, or relative to the admin home (`logs/auth-audit.log`). */
export function containerLogPath(p: string): string {
  if (p.startsWith('/')) return path.posix.normalize(p);
  if (p.startsWith('~/')) return path.posix.join(CONTAINER_HOME, p.slice(2));
  return path.posix.join(CONTAINER_HOME, p);
}

function listenersFor(comp: Component): ListenerSpec[] {
  const http = new Set(HTTP_PORTS[comp.id] ?? []);
  const ports = new Set([...comp.ports.map((p) => p.port), ...(EXTRA_PORTS[comp.id] ?? [])]);
  ports.add(DEMO_SSH_PORT);
  // A database's 3306 is relayed to the demo's MariaDB (when installed; a plain listener otherwise).
  const kind = (port: number): ListenerSpec['kind'] => (http.has(port) ? 'http' : DATABASES[comp.id] && port === 3306 ? 'mysql' : 'tcp');
  return [...ports].sort((a, b) => a - b).map((port) => ({ port, kind: kind(port) }));
}

/** Jars named as the guide's `ps` checks look for them (10.5.2: `ps -ef | grep acvip-web`). */
const JAR_NAMES: Record<string, string> = { acvip: 'acvip-web' };

function javaCommandFor(component: string, appName: string, zone: string): string {
  return [
    '/opt/taobao/java/bin/java -server -Xms2g -Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=200',
    `-Xloggc:/home/admin/logs/gc.log -Dapp.name=${appName} -Dspring.application.name=${component}`,
    `-Dlogging.path=/home/admin/logs -Dcom.alipay.ldc.zone=${zone} -jar /home/admin/release/run/${JAR_NAMES[component] ?? component}.jar`,
  ].join(' ');
}

/** Connections each container keeps open to its peers, as the guide's netstat checks expect. */
export function linksFor(c: ContainerSpec, site: ContainerSpec[], down: ReadonlySet<string>): LinkSpec[] {
  const of = (component: string) => site.filter((s) => s.component === component);
  const links: LinkSpec[] = [];
  const add = (peers: ContainerSpec[], port: number) => {
    for (const p of peers) if (!down.has(`${p.name}:${port}`)) links.push({ host: p.address, port });
  };
  switch (c.component) {
    case 'registry-session':
      add(of('registry-data'), 9620);
      add(of('registry-meta').slice(0, 1), 9610);
      break;
    case 'registry-data':
      add(of('registry-meta').slice(0, 1), 9611);
      break;
    case 'registry-meta':
      add(of('registry-meta').filter((m) => m !== c), 9614);
      break;
    case 'acvip':
      break;
    case 'physical-host':
      break;
    default:
      if (DATABASES[c.component]) break;
      add(of('acvip'), 9003);
      add(of('registry-session'), 9600);
      if (c.component === 'antscheduler' || c.component === 'msgconsole') add(of('msgbroker'), 9529);
      // A DBP proxy's back end (§8.4.4 "与后端 db 实例通信"): DDS's physical database trade_00, at the
      // address DDS's data source names (jdbc:mysql://127.0.0.1:3306/...), the demo's MariaDB behind it.
      if (c.component === 'dbp-proxy') links.push({ host: '127.0.0.1', port: 3306, database: true });
  }
  // Each store once, from every instance (a connection pool's first connection).
  for (const db of STORES[c.component] ?? []) for (const p of of(db).slice(0, 1)) if (!down.has(`${p.name}:3306`)) links.push({ host: p.address, port: 3306, database: true });
  return links;
}
