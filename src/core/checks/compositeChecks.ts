/**
 * Rules judged across a group's hosts rather than on one: count-hosts (one Leader), majority-alive
 * (from the host results) and OSP's at-least-two-per-service (from its address API).
 */
import type { Bilingual } from '../catalog/types';
import { bilingual as b } from '../l10n';
import type { GroupPlan, PlannedCheck } from './checkPlan';
import { addressesFromJson, atLeastTwoPerService, majorityAlive } from './compositeRules';
import type { InspectionTransport } from './inspectionRunner';
import { probeHttp, type Forwarder } from './probes';
import { base, joined } from './resultBuilder';
import { hostsLeaf, judgeHostCount, readHostFields, type RuleContext } from './ruleChecks';
import { applicability } from './ruleModel';
import type { CheckResult } from './types';

/** The services the guide lists for OSP's address API (`/api/admin/services/{ms/mq/dds/...}/addresses`). */
const OSP_SERVICES = ['ms', 'mq', 'dds'];

export async function judgeComposite(group: GroupPlan, results: readonly CheckResult[], transport: InspectionTransport, ctx: RuleContext): Promise<CheckResult> {
  const planned: PlannedCheck = { check: group.check, product: group.product, component: group.component };
  const started = Date.now();
  const fit = applicability(group.check.appliesTo, group.hosts[0]?.versions);
  if (!fit.applies) return base(planned, undefined, 'na', b('does not apply: {0}', fit.text!), 0);
  if (group.check.rule === 'count-hosts') {
    const leaf = hostsLeaf(group.check.condition);
    if (!leaf || !group.check.http) return base(planned, undefined, 'error', b('a count-hosts rule needs http and a hosts condition'), 0);
    const answers = await readHostFields(group.check, group.hosts, (h) => transport.forwarder(h), leaf.field);
    if (answers.every((a) => a.values === undefined)) return base(planned, undefined, 'error', b('none of {0} answered {1}: {2}', group.hosts.map((h) => h.name).join(', '), group.check.http.path, answers[0]?.error ?? b('no hosts')), Date.now() - started);
    const judged = judgeHostCount(group.check, answers, ctx);
    return base(planned, undefined, judged.status, judged.text.message, Date.now() - started, { value: judged.text.value, threshold: judged.text.threshold, measured: judged.measured });
  }
  if (group.check.rule === 'majority-alive') {
    let alive = 0;
    const down: string[] = [];
    const unknown: string[] = [];
    for (const h of group.hosts) {
      const own = results.filter((r) => r.host === h.name);
      const liveness = own.filter((r) => r.kind === 'port' || r.kind === 'http' || r.kind === 'process');
      // A node we could not reach is not known to be alive: it counts against the majority.
      if (!own.length || own.every((r) => r.status === 'error')) unknown.push(h.name);
      else if (liveness.every((r) => r.status === 'pass')) alive++;
      else down.push(h.name);
    }
    if (unknown.length === group.hosts.length) return base(planned, undefined, 'error', b('none of {0} could be checked', unknown.join(', ')), 0);
    const judged = majorityAlive(alive, group.hosts.length);
    const parts = [judged.text, down.length ? b('down: {0}', down.join(', ')) : undefined, unknown.length ? b('could not check: {0}', unknown.join(', ')) : undefined].filter((x): x is Bilingual => x !== undefined);
    return base(planned, undefined, judged.verdict, joined(parts, '; '), 0, { value: judged.text, threshold: judged.threshold });
  }
  if (group.check.rule === 'at-least-two-per-service') {
    const addresses = new Map<string, string[]>();
    let answered = false;
    const silent: string[] = [];
    const unreachable: string[] = [];
    for (const h of group.hosts) {
      let forward: Forwarder;
      try {
        forward = await transport.forwarder(h);
      } catch (err) {
        unreachable.push(`${h.name}: ${(err as Error)?.message ?? String(err)}`);
        continue;
      }
      for (const service of OSP_SERVICES) {
        const probe = await probeHttp(forward, { port: 80, path: `/api/admin/services/${service}/addresses` });
        if (probe.status !== undefined) answered = true;
        else silent.push(`${h.name}: ${probe.error ?? 'no answer'}`);
        const list = probe.status === 200 ? addressesFromJson(probe.body) : undefined;
        if (list) addresses.set(service, [...(addresses.get(service) ?? []), ...list]);
      }
    }
    // Only an OSP that answers HTTP without an address list is left to the console; one that
    // does not answer at all is down (FAIL), or could not be checked (ERROR).
    if (!answered && silent.length) return base(planned, undefined, 'fail', b('OSP gives no answer on :80 ({0})', silent[0]), Date.now() - started, { value: b('no answer'), threshold: b('>= 2 per service') });
    if (!answered) return base(planned, undefined, 'error', b('none of the OSP hosts could be checked ({0})', unreachable[0] ?? b('no hosts')), Date.now() - started);
    if (!addresses.size) return base(planned, undefined, 'manual', b('OSP answers no address list on :80/api/admin/services/{ms,mq,dds}/addresses here: check it in the OSP console'), Date.now() - started);
    const judged = atLeastTwoPerService(addresses);
    return base(planned, undefined, judged.verdict, judged.text, Date.now() - started, { value: judged.text, threshold: judged.threshold });
  }
  return base(planned, undefined, 'manual', b('rule {0} is not checkable automatically', group.check.rule ?? '(none)'), 0);
}
