/**
 * The checks a host answers over its pooled SSH connection's direct-tcpip channels: ports and
 * HTTP endpoints, probed from the host itself. An sshd that forbids forwarding makes them ERROR.
 */
import type { Bilingual } from '../catalog/types';
import { bilingual as b } from '../l10n';
import type { InventoryHost } from '../inventory/inventory';
import type { PlannedCheck } from './checkPlan';
import { bodyCondition } from './conditions';
import type { InspectionTransport } from './inspectionRunner';
import { probeHttp, probePort, type Forwarder } from './probes';
import { base, joined, outcomeWord } from './resultBuilder';
import type { CheckResult } from './types';

/** The sshd itself forbids direct-tcpip (AllowTcpForwarding no): the port was not checked. */
const FORWARDING_REFUSED = /prohibited/i;

export async function runProbes(host: InventoryHost, checks: PlannedCheck[], transport: InspectionTransport): Promise<CheckResult[]> {
  if (!checks.length) return [];
  const started = Date.now();
  let forward: Forwarder;
  try {
    forward = await transport.forwarder(host);
  } catch (err) {
    const e = err as { kind?: string; message?: string };
    return checks.map((c) => base(c, host.name, 'error', b('{0}: {1}', outcomeWord(e.kind), e.message ?? String(err)), Date.now() - started));
  }
  return Promise.all(
    checks.map(async (planned) => {
      const { check } = planned;
      const t0 = Date.now();
      if (check.kind === 'port') {
        const ports = check.ports ?? [];
        if (!ports.length) return base(planned, host.name, 'error', b('the check names no port'), 0);
        const probes = await Promise.all(ports.map((p) => probePort(forward, p)));
        const closed = ports.map((p, i) => ({ p, probe: probes[i] })).filter((x) => !x.probe.open);
        const prohibited = closed.find((x) => FORWARDING_REFUSED.test(x.probe.detail));
        if (prohibited) return base(planned, host.name, 'error', b("the host's sshd refuses port forwarding ({0}): allow TCP forwarding for port checks", prohibited.probe.detail), Date.now() - t0);
        const listening = b('{0} listening', ports.join(', '));
        const value: Bilingual = closed.length ? joined(closed.map((x) => b('{0}: {1}', x.p, b(x.probe.detail)))) : listening;
        return base(planned, host.name, closed.length ? 'fail' : 'pass', closed.length ? b('not listening: {0}', value) : value, Date.now() - t0, { value, threshold: listening });
      }
      const h = check.http!;
      const probe = await probeHttp(forward, h);
      const wantStatus = h.expectStatus;
      const threshold = [wantStatus ? `HTTP ${wantStatus}` : 'HTTP 2xx', h.expectBody].filter(Boolean).join(', ');
      if (probe.status === undefined && FORWARDING_REFUSED.test(probe.error ?? '')) {
        return base(planned, host.name, 'error', b("the host's sshd refuses port forwarding ({0}): allow TCP forwarding for HTTP checks", probe.error ?? ''), probe.durationMs);
      }
      if (probe.status === undefined) {
        const why = probe.error ? b(probe.error) : b('no answer');
        return base(planned, host.name, 'fail', b('{0}: {1}', `GET :${h.port}${h.path}`, why), probe.durationMs, { value: why, threshold });
      }
      const statusOk = wantStatus ? probe.status === wantStatus : probe.status >= 200 && probe.status < 300;
      const body = h.expectBody ? bodyCondition(h.expectBody, probe.body) : { ok: true, detail: '', text: undefined };
      const ok = statusOk && body.ok;
      const value: Bilingual = body.text ? b('{0}, {1}', `HTTP ${probe.status}`, body.text) : { en: `HTTP ${probe.status}`, zh: `HTTP ${probe.status}` };
      return base(planned, host.name, ok ? 'pass' : 'fail', b('{0}: {1}', value, probe.body.replace(/\s+/g, ' ').slice(0, 240)), probe.durationMs, { value, threshold });
    }),
  );
}
