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

/** The site's shape: product, component, how many containers. Names are `<component>-<n>`. */
export const SITE_LAYOUT: ReadonlyArray<{ product: string; component: string; count: number }> = [
  { product: 'registry', component: 'registry-meta', count: 3 },
  { product: 'registry', component: 'registry-data', count: 3 },
  { product: 'registry', component: 'registry-session', count: 2 },
  { product: 'microservice', component: 'drmdata', count: 1 },
  { product: 'microservice', component: 'antscheduler', count: 1 },
  { product: 'mq', component: 'msgbroker', count: 2 },
  { product: 'mq', component: 'msgconsole', count: 1 },
  { product: 'dtx', component: 'dtxserver', count: 1 },
  { product: 'dbp', component: 'dbp-proxy', count: 1 },
  { product: 'acvip', component: 'acvip', count: 1 },
  { product: 'cloud-platform', component: 'osp', count: 1 },
];

/** Ports that answer HTTP (the guide's checks curl them); every other catalog port is plain TCP. */
const HTTP_PORTS: Record<string, number[]> = {
  'registry-meta': [9615, 8080],
  'registry-data': [9622, 8080],
  'registry-session': [9603, 8080],
  drmdata: [80],
  msgconsole: [80, 9500],
  osp: [80, 8080],
};

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
  /** The application's JVM command line, for `ps`. */
  javaCommand: string;
}

/** The demo's loopback /24 by default; another (e.g. 127.0.42) lets two sites or test runs coexist. */
export const DEFAULT_SUBNET = '127.0.1';

export function buildSite(catalog: Catalog, subnet = DEFAULT_SUBNET): ContainerSpec[] {
  const containers: ContainerSpec[] = [];
  let n = 0;
  for (const { product, component, count } of SITE_LAYOUT) {
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
        javaCommand: javaCommandFor(component, comp.appName ?? component, zone),
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
  const ports = new Set(comp.ports.map((p) => p.port));
  ports.add(DEMO_SSH_PORT);
  return [...ports].sort((a, b) => a - b).map((port) => ({ port, kind: http.has(port) ? 'http' : 'tcp' }));
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
    default:
      add(of('acvip'), 9003);
      add(of('registry-session'), 9600);
      if (c.component === 'antscheduler' || c.component === 'msgconsole') add(of('msgbroker'), 9529);
  }
  return links;
}
