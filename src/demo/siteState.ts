/**
 * The demo site's shared state and the HTTP answers of its services: registry meta's health
 * check, push switch and peer list (one state for all meta nodes, as in a real raft group), data
 * and session health, msgconsole's checkService, DST-style readiness, console pages. Agents
 * forward every HTTP request here, so all containers see the same state.
 */
import { hasFault, type FaultSet } from './faults';
import { DEMO_SSH_PORT, type ContainerSpec } from './siteModel';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type RaftStatus = 'Leader' | 'Follower' | 'Candidate';

/** The acvip-clock-skew fault's offset. */
export const CLOCK_SKEW_SECONDS = 317;

export class SiteState {
  /** `stopPushDataSwitch`: true = push to clients is stopped (the guide's "open"). */
  stopPush = false;
  dataCenter = 'DefaultDataCenter';
  /** The meta raft group's peers (addresses), changed by /manage/changePeer. */
  metaPeers: string[];

  constructor(
    readonly containers: ContainerSpec[],
    public faults: FaultSet,
  ) {
    this.metaPeers = this.of('registry-meta').map((c) => c.address);
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
    for (const c of this.containers) {
      if (this.serviceDown(c)) for (const l of c.listeners) if (l.port !== DEMO_SSH_PORT) down.add(`${c.name}:${l.port}`);
    }
    return down;
  }

  /** The service-down fault: the container's application is stopped. */
  serviceDown(c: ContainerSpec): boolean {
    return hasFault(this.faults, 'service-down', c.name);
  }

  clockOffsetMs(c: ContainerSpec): number {
    return hasFault(this.faults, 'acvip-clock-skew', c.name) ? CLOCK_SKEW_SECONDS * 1000 : 0;
  }

  handleHttp(c: ContainerSpec, port: number, method: string, url: string, body: string): HttpAnswer {
    const path = url.split('?')[0].replace(/\/+$/, '') || '/';
    const route = `${port} ${path}`;
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
        return json(200, { status: 'UP', details: { sofaBootComponentHealthCheckInfo: { status: 'UP' }, diskSpace: { status: 'UP' }, [c.appName]: { status: 'UP' } } });
      case '9500 /checkService':
        return this.checkService(c);
    }
    if ((port === 80 || port === 8080) && (path === '/' || path === '/index.html')) {
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!doctype html><title>${c.appName}</title><h1>${c.appName}</h1><p>${c.name} (${c.address}) - SOFA Ops demo site</p>\n` };
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

  private checkService(c: ContainerSpec): HttpAnswer {
    const down = this.downPorts();
    const lines = [`checkService ${c.appName} (${c.name})`, 'database msgdb: passed:true', 'registry session 9600: passed:true', 'acvip 9003: passed:true'];
    for (const b of this.of('msgbroker')) {
      const isDown = down.has(`${b.name}:9529`);
      lines.push(`msgbroker ${b.name} ${b.address}:9529: passed:${!isDown}${isDown ? ' (connection refused)' : ''}`);
    }
    return { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: lines.join('\n') + '\n' };
  }
}

function json(status: number, value: unknown): HttpAnswer {
  return { status, headers: { 'content-type': 'application/json;charset=UTF-8' }, body: JSON.stringify(value) };
}
