/**
 * The demo site's shared state and the HTTP answers of its services: registry meta's health
 * check, push switch and peer list (one state for all meta nodes, as in a real raft group), data
 * and session health, msgconsole's checkService, DST-style readiness, console pages. Agents
 * forward every HTTP request here, so all containers see the same state.
 */
import { FAULTS, hasFault, type FaultInfo, type FaultName, type FaultSet } from './faults';
import { DDS_DATABASE, type SiteDatabase } from './siteDatabase';
import { DATABASES, DEMO_SSH_PORT, STORES, type ContainerSpec } from './siteModel';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type RaftStatus = 'Leader' | 'Follower' | 'Candidate';

/**
 * What OSP's `/api/admin/services/{service}/addresses` returns (§9.5.2): the addresses each
 * product's console registered (OSP itself: the Portal's, §9.4.1). A stopped container has
 * deregistered.
 */
const OSP_SERVICES: Readonly<Record<string, string>> = {
  ms: 'dsrconsole',
  scheduler: 'antschedulerconsole',
  mq: 'msgconsole',
  dds: 'ddsconsole',
  dtx: 'dtxconsole',
  dst: 'dstweb',
  dbp: 'dbp-console',
  acvip: 'acvip',
  osp: 'portal',
};

/** The service whose list osp-single-address cuts to one address. */
const SINGLE_ADDRESS_SERVICE = 'mq';

/** Pages of the consoles (the left column §3.3.1 asks to click through), by component. */
const CONSOLE_PAGES: Readonly<Record<string, string[]>> = {
  ddsconsole: ['/physical-datasource', '/logic-datasource', '/rules'],
  dsrconsole: ['/service', '/drm', '/scheduler'],
  antschedulerconsole: ['/jobs', '/triggers'],
  msgconsole: ['/topics', '/groups'],
  dtxconsole: ['/transactions', '/activities'],
  dstweb: ['/trace', '/apps'],
  dstconsole: ['/settings'],
  'dbp-console': ['/databases', '/rules', '/sql-monitor'],
  osp: ['/admin/index.html', '/admin/instances'],
  portal: ['/products', '/monitor'],
  intelliproxy: ['/login'],
};

/** The acvip-clock-skew fault's offset. */
export const CLOCK_SKEW_SECONDS = 317;

export class SiteState {
  /** `stopPushDataSwitch`: true = push to clients is stopped (the guide's "open"). */
  stopPush = false;
  dataCenter = 'DefaultDataCenter';
  /** The meta raft group's peers (addresses), changed by /manage/changePeer. */
  metaPeers: string[];
  /** The site's MariaDB, when installed and running (else the RDS are port listeners). */
  db: SiteDatabase | undefined;
  /** When kubelet-inactive stopped kubelet on a host (epoch seconds), for its `service` shim. */
  readonly kubeletStoppedAt = new Map<string, number>();

  private _faults: FaultSet = new Map();

  constructor(
    readonly containers: ContainerSpec[],
    faults: FaultSet,
  ) {
    this.metaPeers = this.of('registry-meta').map((c) => c.address);
    this.faults = faults;
  }

  get faults(): FaultSet {
    return this._faults;
  }

  set faults(faults: FaultSet) {
    this._faults = faults;
    const now = Math.floor(Date.now() / 1000);
    const hit = faults.get('kubelet-inactive') ?? new Set<string>();
    for (const name of [...this.kubeletStoppedAt.keys()]) if (!hit.has(name)) this.kubeletStoppedAt.delete(name);
    for (const name of hit) if (!this.kubeletStoppedAt.has(name)) this.kubeletStoppedAt.set(name, now);
    this.db?.setBroken(this.brokenDatabases());
  }

  /** Databases whose client configuration a fault has broken (DDS's data source). */
  brokenDatabases(): string[] {
    return (this.faults.get('dds-datasource-broken')?.size ?? 0) > 0 ? [DDS_DATABASE] : [];
  }

  of(component: string): ContainerSpec[] {
    return this.containers.filter((c) => c.component === component);
  }

  /**
   * The first healthy meta peer leads; a node hit by meta-leader-lost is a Candidate. Split brain
   * (meta-split-brain): the second healthy peer also believes it leads.
   */
  raftStatus(c: ContainerSpec): RaftStatus {
    if (!this.metaPeers.includes(c.address) || hasFault(this.faults, 'meta-leader-lost', c.name)) return 'Candidate';
    if (this.leader() === c) return 'Leader';
    const healthy = this.of('registry-meta').filter((m) => this.metaPeers.includes(m.address) && !hasFault(this.faults, 'meta-leader-lost', m.name));
    return (this.faults.get('meta-split-brain')?.size ?? 0) > 0 && healthy[1] === c ? 'Leader' : 'Follower';
  }

  leader(): ContainerSpec | undefined {
    return this.of('registry-meta').find((m) => this.metaPeers.includes(m.address) && !hasFault(this.faults, 'meta-leader-lost', m.name));
  }

  /** Ports a fault has taken down, as `name:port` (a stopped service keeps only its sshd). */
  downPorts(): Set<string> {
    const down = new Set<string>();
    for (const name of this.faults.get('msgbroker-9529-down') ?? []) down.add(`${name}:9529`);
    for (const name of this.faults.get('dstcollector-not-receiving') ?? []) down.add(`${name}:12200`);
    for (const c of this.containers) {
      if (this.serviceDown(c)) for (const l of c.listeners) if (l.port !== DEMO_SSH_PORT) down.add(`${c.name}:${l.port}`);
    }
    return down;
  }

  /** The service-down fault (or a console-down one): the container's application is stopped. */
  serviceDown(c: ContainerSpec): boolean {
    for (const [name, hit] of this.faults) if (hit.has(c.name) && (name === 'service-down' || (FAULTS[name as FaultName] as FaultInfo).stops)) return true;
    return false;
  }

  /** Whether a store (an RDS component) answers: its container is up and its account logs in. */
  storeUp(dbComponent: string): { ok: boolean; why?: string } {
    const rds = this.of(dbComponent);
    if (!rds.length) return { ok: false, why: 'no such database on this site' };
    if (rds.every((r) => this.serviceDown(r))) return { ok: false, why: `${rds.map((r) => r.name).join(', ')} down (connection refused)` };
    const status = this.db?.status.get(DATABASES[dbComponent]);
    if (status && !status.ok) return { ok: false, why: status.error };
    return { ok: true };
  }

  /** OSP's registered addresses of a service (undefined: OSP knows no such service). */
  ospAddresses(service: string): string[] | undefined {
    const component = OSP_SERVICES[service];
    if (!component) return undefined;
    const port = component === 'acvip' ? 9003 : 80;
    const list = this.of(component).filter((c) => !this.serviceDown(c)).map((c) => `${c.address}:${port}`);
    return (this.faults.get('osp-single-address')?.size ?? 0) > 0 && service === SINGLE_ADDRESS_SERVICE ? list.slice(0, 1) : list;
  }

  clockOffsetMs(c: ContainerSpec): number {
    return hasFault(this.faults, 'acvip-clock-skew', c.name) ? CLOCK_SKEW_SECONDS * 1000 : 0;
  }

  handleHttp(c: ContainerSpec, port: number, method: string, url: string, body: string): HttpAnswer | Promise<HttpAnswer> {
    const path = url.split('?')[0].replace(/\/+$/, '') || '/';
    const route = `${port} ${path}`;
    const osp = /^\/api\/admin\/services\/([^/]+)\/addresses$/.exec(path);
    if (c.component === 'osp' && port === 80 && osp) {
      const list = this.ospAddresses(osp[1]);
      return list ? json(200, { success: true, data: list }) : json(404, { success: false, message: `no such service: ${osp[1]}`, data: [] });
    }
    if (c.component === 'ddsconsole' && port === 80 && path === '/api/physical-datasource') return this.ddsDatasources(method, body);
    switch (route) {
      case '9615 /health/check':
        return this.metaHealth(c);
      case '9615 /stopPushDataSwitch/open':
      case '9615 /stopPushDataSwitch/close':
        this.stopPush = path.endsWith('/open');
        return json(200, { success: true, message: null });
      case '9615 /digest/pushSwitch':
        return json(200, { pushSwitch: this.stopPush ? 'closed' : 'open' });
      case '9615 /manage/changePeer':
        return this.changePeer(method, body);
      case '9622 /health/check':
        return json(200, { success: true, message: 'DataServerBoot server:true, dataSyncServer:true, httpServer:true, metaServerConnected:true, sessionServerConnected:true' });
      case '9603 /health/check':
        return json(200, { success: true, message: 'SessionServerBoot sessionServer:true, httpServer:true, metaConnected:true, dataConnected:true' });
      case '8080 /health/readiness':
        return this.readiness(c);
      case '9500 /checkService':
        return this.consoleCheckService(c);
    }
    const pages = CONSOLE_PAGES[c.component] ?? [];
    if (path === '/' || path === '/index.html' || pages.includes(path)) {
      if (c.component === 'ddsconsole' && path === '/physical-datasource') return this.ddsDatasourcePage(c);
      const nav = pages.map((p) => `<li><a href="${p}">${p.slice(1)}</a></li>`).join('');
      return html(`<!doctype html><title>${c.appName}</title><h1>${c.appName}</h1>${nav ? `<ul class="nav">${nav}</ul>` : ''}<p>${c.name} (${c.address}) - SOFA Ops demo site${path === '/' ? '' : ` - ${path.slice(1)}`}</p>\n`);
    }
    return json(404, { timestamp: new Date().toISOString(), status: 404, error: 'Not Found', path });
  }

  private metaHealth(c: ContainerSpec): HttpAnswer {
    const status = this.raftStatus(c);
    const ok = status !== 'Candidate';
    const message =
      `MetaServerBoot sessionRegisterServer:true, dataRegisterServerStart:true, otherMetaRegisterServerStart:true, ` +
      `httpServerStart:true, raftServerStart:true, raftClientStart:true, raftManagerStart:${ok}, raftStatus:${status}`;
    return json(ok ? 200 : 500, { success: ok, message });
  }

  private changePeer(method: string, body: string): HttpAnswer {
    if (method !== 'POST') return json(405, { success: false, message: `HTTP method ${method} is not supported by this URL; use POST` });
    const form = new URLSearchParams(body.trim());
    const list = (form.get('ipAddressList') ?? '').split(/[,，]/).map((s) => s.trim()).filter(Boolean);
    if (!list.length) return json(400, { success: false, message: 'ipAddressList is required, e.g. dataCenter=DefaultDataCenter&ipAddressList=ip1,ip2,ip3' });
    const bad = list.filter((ip) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(ip));
    if (bad.length) return json(400, { success: false, message: `invalid ip address: ${bad.join(',')}` });
    const dc = form.get('dataCenter');
    if (dc && dc !== this.dataCenter) return json(400, { success: false, message: `dataCenter ${dc} is not this cluster's (${this.dataCenter})` });
    this.metaPeers = list;
    return json(200, { success: true, message: null });
  }

  /** Spring Boot readiness: DOWN where a store (or, for DST, the collector) is not usable. */
  private readiness(c: ContainerSpec): HttpAnswer {
    const details: Record<string, { status: string; error?: string }> = { sofaBootComponentHealthCheckInfo: { status: 'UP' }, diskSpace: { status: 'UP' }, [c.appName]: { status: 'UP' } };
    for (const db of STORES[c.component] ?? []) {
      const s = this.storeUp(db);
      details[`dataSource-${DATABASES[db]}`] = s.ok ? { status: 'UP' } : { status: 'DOWN', error: s.why };
    }
    if (c.product === 'dst' && c.component !== 'dstcollector') {
      const down = this.downPorts();
      const collectors = this.of('dstcollector').filter((k) => !this.serviceDown(k) && !down.has(`${k.name}:12200`));
      details.dstCollector = collectors.length ? { status: 'UP' } : { status: 'DOWN', error: 'no collector reachable on 12200 (Connection refused)' };
    }
    const up = Object.values(details).every((d) => d.status === 'UP');
    return json(up ? 200 : 503, { status: up ? 'UP' : 'DOWN', details });
  }

  /**
   * A console's `checkService` (§8.3.2: `curl 127.0.0.1:9500/checkService`, trouble = a `false`):
   * its stores with a real login to MariaDB, DDS's data source, DBP's proxies.
   */
  private async consoleCheckService(c: ContainerSpec): Promise<HttpAnswer> {
    const lines = [`checkService ${c.appName} (${c.name})`];
    for (const db of STORES[c.component] ?? []) {
      if (this.db) await this.db.probe(DATABASES[db]);
      const s = this.storeUp(db);
      lines.push(`database ${DATABASES[db]}: passed:${s.ok}${s.ok ? '' : ` (${s.why})`}`);
    }
    if (c.component === 'ddsconsole') {
      const s = this.db ? await this.db.probe(DDS_DATABASE) : { ok: true, error: undefined };
      lines.push(`datasource trade_00 (${DDS_DATABASE}): passed:${s.ok}${s.ok ? '' : ` (${s.error})`}`);
    }
    if (c.component === 'msgconsole') {
      const down = this.downPorts();
      for (const b of this.of('msgbroker')) {
        const isDown = down.has(`${b.name}:9529`);
        lines.push(`msgbroker ${b.name} ${b.address}:9529: passed:${!isDown}${isDown ? ' (connection refused)' : ''}`);
      }
    }
    if (c.component === 'dbp-console') {
      const down = this.downPorts();
      for (const p of this.of('dbp-proxy')) {
        const isDown = down.has(`${p.name}:8066`);
        lines.push(`dbp-proxy ${p.name} ${p.address}:8066: passed:${!isDown}${isDown ? ' (connection refused)' : ''}`);
      }
    }
    lines.push('registry session 9600: passed:true', 'acvip 9003: passed:true');
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: lines.join('\n') + '\n' };
  }

  /** DDS's physical data sources (§3.3.1 step 2), read from its MariaDB database with its own account. */
  private async ddsDatasourcePage(c: ContainerSpec): Promise<HttpAnswer> {
    if (!this.db) return html(`<!doctype html><title>${c.appName}</title><h1>Physical data sources</h1><p>trade_00 (no MariaDB on this demo machine: not connected)</p>\n`);
    const r = await this.db.query(DDS_DATABASE, 'SELECT name, url, username FROM physical_datasource ORDER BY name');
    if (!r.ok) return html(`<!doctype html><title>${c.appName}</title><h1>Physical data sources</h1><p class="error">${escapeHtml(r.error ?? 'error')}</p>\n`, 500);
    const rows = r.rows.map((row) => `<tr>${row.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('');
    return html(`<!doctype html><title>${c.appName}</title><h1>Physical data sources</h1><table><tr><th>name</th><th>url</th><th>username</th></tr>${rows}</table>\n`);
  }

  /** GET lists, POST (name=...&url=...) adds a physical data source: a real write into DDS's database. */
  private async ddsDatasources(method: string, body: string): Promise<HttpAnswer> {
    if (!this.db) return json(503, { success: false, message: 'no MariaDB on this demo machine: the data source store is a port listener only' });
    if (method === 'GET') {
      const r = await this.db.query(DDS_DATABASE, 'SELECT name, url, username FROM physical_datasource ORDER BY name');
      return r.ok ? json(200, { success: true, data: r.rows.map(([name, url, username]) => ({ name, url, username })) }) : json(500, { success: false, message: r.error });
    }
    if (method !== 'POST') return json(405, { success: false, message: `HTTP method ${method} is not supported by this URL; use GET or POST` });
    const form = new URLSearchParams(body.trim());
    const name = form.get('name') ?? '';
    const url = form.get('url') ?? '';
    if (!/^[A-Za-z0-9_]{1,64}$/.test(name) || !/^jdbc:mysql:\/\/[^\s'"\\]{1,200}$/.test(url)) return json(400, { success: false, message: 'name (letters, digits, _) and url (jdbc:mysql://host:port/db) are required' });
    const r = await this.db.query(DDS_DATABASE, `INSERT INTO physical_datasource (name, url, username) VALUES ('${name}', '${url}', '${DDS_DATABASE}')`);
    return r.ok ? json(200, { success: true, message: null }) : json(500, { success: false, message: r.error });
  }

}

function html(body: string, status = 200): HttpAnswer {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
}

function json(status: number, value: unknown): HttpAnswer {
  return { status, headers: { 'content-type': 'application/json;charset=UTF-8' }, body: JSON.stringify(value) };
}
