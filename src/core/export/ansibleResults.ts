/**
 * results.json from an exported inspection playbook (ansibleInspection.ts), read back for
 * `sofa-ops inspect --from-ansible`: checked field by field (it may come from anywhere), then
 * served to the inspection runner as a transport that answers from what Ansible gathered, so the
 * catalog's rules judge it exactly as they judge a live inspection.
 */
import { Duplex } from 'stream';
import type { InventoryHost } from '../inventory/inventory';
import type { ExecResult } from '../ssh/remoteExec';
import type { ExecOutcome } from '../ssh/types';
import type { InspectionTransport } from '../checks/inspectionRunner';
import type { InspectionScope } from '../checks/types';
import { gatherCommand, gatherDigest, HTTP_TIMEOUT_SECONDS, PORT_TIMEOUT_SECONDS, probeToken, RESULTS_FORMAT, RESULTS_VERSION, type HostGather } from './ansibleInspection';

/** A results file that cannot be judged; the message names the file and the host or field. */
export class ResultsError extends Error {
  override name = 'ResultsError';
}

export interface GatheredHost {
  rc?: number;
  stdout: string;
  stderr: string;
  failed: boolean;
  unreachable: boolean;
  skipped: boolean;
  msg?: string;
}

export interface AnsibleResults {
  file: string;
  token: string;
  scope: InspectionScope;
  digests: Map<string, string>;
  hosts: Map<string, GatheredHost>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseAnsibleResults(text: string, file: string): AnsibleResults {
  const fail = (where: string, what: string): never => {
    throw new ResultsError(`${file}: ${where}: ${what}`);
  };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ResultsError(`${file}: not JSON (${(err as Error).message})`);
  }
  if (!isObject(data)) return fail('the file', 'expected a JSON object (results.json written by a playbook from sofa-ops export ansible --inspection)');
  const meta = data.sofa_ops;
  if (!isObject(meta) || meta.format !== RESULTS_FORMAT) return fail('sofa_ops.format', `expected "${RESULTS_FORMAT}": this is not the results.json of a playbook from sofa-ops export ansible --inspection`);
  if (meta.version !== RESULTS_VERSION) return fail('sofa_ops.version', `expected ${RESULTS_VERSION}, not ${JSON.stringify(meta.version)} (written by another sofa-ops version: re-export)`);
  if (typeof meta.token !== 'string' || !/^[0-9a-f]{16}$/.test(meta.token)) return fail('sofa_ops.token', 'expected 16 hex digits');
  const scope: InspectionScope = {};
  if (meta.scope !== undefined && meta.scope !== null) {
    if (!isObject(meta.scope)) return fail('sofa_ops.scope', 'expected an object');
    for (const key of ['product', 'component', 'target'] as const) {
      const v = meta.scope[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') return fail(`sofa_ops.scope.${key}`, 'expected a string');
      scope[key] = v;
    }
  }
  if (!isObject(meta.digests)) return fail('sofa_ops.digests', 'expected an object of host → sha256');
  const digests = new Map<string, string>();
  for (const [host, d] of Object.entries(meta.digests)) {
    if (typeof d !== 'string' || !/^[0-9a-f]{64}$/.test(d)) return fail(`sofa_ops.digests.${host}`, 'expected a sha256 in hex');
    digests.set(host, d);
  }
  if (!isObject(data.hosts)) return fail('hosts', 'expected an object of host → what Ansible registered');
  const hosts = new Map<string, GatheredHost>();
  for (const [host, r] of Object.entries(data.hosts)) {
    const at = (field: string) => `host ${host}, field ${field}`;
    if (!isObject(r)) return fail(`host ${host}`, 'expected an object (the registered result of the gather task)');
    const str = (field: string): string => {
      const v = r[field];
      if (v === undefined || v === null) return '';
      return typeof v === 'string' ? v : fail(at(field), `expected a string, not ${typeof v}`);
    };
    const bool = (field: string): boolean => {
      const v = r[field];
      if (v === undefined || v === null) return false;
      return typeof v === 'boolean' ? v : fail(at(field), `expected true or false, not ${JSON.stringify(v)}`);
    };
    let rc: number | undefined;
    if (r.rc !== undefined && r.rc !== null) {
      if (typeof r.rc !== 'number' || !Number.isInteger(r.rc)) return fail(at('rc'), `expected a whole number, not ${JSON.stringify(r.rc)}`);
      rc = r.rc;
    }
    // Ansible's msg is a string, except from some modules; any shape is kept as text.
    const msg = r.msg === undefined || r.msg === null ? undefined : typeof r.msg === 'string' ? r.msg : JSON.stringify(r.msg);
    hosts.set(host, { rc, stdout: str('stdout'), stderr: str('stderr'), failed: bool('failed'), unreachable: bool('unreachable'), skipped: bool('skipped'), msg });
  }
  return { file, token: meta.token, scope, digests, hosts };
}

/**
 * Each host was asked exactly what the catalog and inventory ask now (same scripts, probes and
 * requests), else the results say nothing about today's checks: refused, naming the host.
 */
export function verifyGathers(results: AnsibleResults, gathers: readonly HostGather[]): void {
  const reexport = 're-export with sofa-ops export ansible --inspection and run the playbook again';
  const wanted = new Set<string>();
  for (const g of gathers) {
    if (g.script === undefined && !g.ports.length && !g.requests.length) continue;
    wanted.add(g.host);
    const had = results.digests.get(g.host);
    if (had === undefined) throw new ResultsError(`${results.file}: host ${g.host}: not in the playbook that gathered these results (exported for another inventory or scope?): ${reexport}`);
    if (had !== gatherDigest(gatherCommand(g, results.token))) throw new ResultsError(`${results.file}: host ${g.host}: the playbook asked it other checks than the catalog and inventory give now (exported from another catalog, inventory or scope?): ${reexport}`);
  }
  const extra = [...results.digests.keys()].find((h) => !wanted.has(h));
  if (extra !== undefined) throw new ResultsError(`${results.file}: host ${extra}: gathered, but the inventory gives it no such checks now (another inventory?): ${reexport}`);
}

interface ProbeSections {
  complete: boolean;
  ports: Map<number, { rc: number; text: string }>;
  answers: Map<string, { base64: string; rc?: number }>;
}

function splitOutput(stdout: string, token: string): { script: string; probes: ProbeSections } {
  const marker = `\n@@${probeToken(token)}@@ `;
  const at = stdout.indexOf(marker);
  const script = at < 0 ? stdout : stdout.slice(0, at);
  const probes: ProbeSections = { complete: false, ports: new Map(), answers: new Map() };
  if (at < 0) return { script, probes };
  for (const part of stdout.slice(at).split(marker).slice(1)) {
    const nl = part.indexOf('\n');
    const [kind, a, b, c] = (nl < 0 ? part : part.slice(0, nl)).trim().split(' ');
    const body = nl < 0 ? '' : part.slice(nl + 1);
    if (kind === 'end') probes.complete = true;
    else if (kind === 'port') probes.ports.set(Number(a), { rc: Number(b), text: body.trim() });
    else if (kind === 'http') probes.answers.set(`${a} ${b}`, { ...probes.answers.get(`${a} ${b}`), base64: body });
    else if (kind === 'rc') {
      const key = `${a} ${b}`;
      probes.answers.set(key, { base64: probes.answers.get(key)?.base64 ?? '', rc: Number(c) });
    }
  }
  return { script, probes };
}

function hostError(kind: string, message: string): Error & { kind: string } {
  return Object.assign(new Error(message), { kind });
}

/** bash's "…: Connection refused" as the reason SOFA Ops shows for a refused channel. */
function connectReason(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
  return (/:\s*([^:]+)$/.exec(line)?.[1] ?? line) || 'refused: nothing accepts connections on it';
}

/** A transport that answers the inspection runner from results.json (verified against `gathers`). */
export function resultsTransport(results: AnsibleResults, gathers: readonly HostGather[]): InspectionTransport {
  const gatherOf = new Map(gathers.map((g) => [g.host, g]));
  const parsed = new Map<string, ReturnType<typeof splitOutput>>();
  const outputOf = (name: string, h: GatheredHost) => {
    let p = parsed.get(name);
    if (!p) parsed.set(name, (p = splitOutput(h.stdout, results.token)));
    return p;
  };
  /** Why a host has no usable output at all, or undefined. */
  const notGathered = (name: string): { kind: ExecOutcome; message: string } | undefined => {
    const h = results.hosts.get(name);
    if (!h) return { kind: 'error', message: `no result for this host in ${results.file}` };
    if (h.unreachable) return { kind: 'unreachable', message: `Ansible could not reach it: ${h.msg ?? 'unreachable'}` };
    if (h.skipped) return { kind: 'error', message: `Ansible skipped the gather task here (--limit or --tags?)` };
    return undefined;
  };
  return {
    scriptToken: () => results.token,
    exec: async (host: InventoryHost): Promise<ExecResult> => {
      const result = (outcome: ExecOutcome, stdout: string, message?: string, h?: GatheredHost): ExecResult => ({ outcome, exitCode: h?.rc ?? null, signal: null, stdout, stderr: h?.stderr ?? '', stdoutDropped: 0, stderrDropped: 0, durationMs: 0, message });
      const missing = notGathered(host.name);
      if (missing) return result(missing.kind, '', missing.message);
      const h = results.hosts.get(host.name)!;
      const { script } = outputOf(host.name, h);
      const ended = script.includes(`\n@@${results.token}@@ end\n`);
      if (h.failed && !ended) {
        const outcome: ExecOutcome = /time frame|timed out|timeout/i.test(h.msg ?? '') ? 'timeout' : 'exit';
        return result(outcome, script, `in Ansible: ${h.msg ?? `exit ${h.rc ?? '?'}`}`, h);
      }
      return result('ok', script, undefined, { ...h, rc: 0 });
    },
    forwarder: async (host: InventoryHost) => {
      const missing = notGathered(host.name);
      if (missing) throw hostError(missing.kind, missing.message);
      const h = results.hosts.get(host.name)!;
      const { probes } = outputOf(host.name, h);
      if (!probes.complete) throw hostError('error', `the probes did not finish on this host in Ansible${h.msg ? ` (${h.msg})` : ''}: ${h.stderr.trim().split('\n').pop() ?? ''}`.trim());
      const g = gatherOf.get(host.name);
      return async (_address: string, port: number) => {
        const connect = probes.ports.get(port);
        if (!connect) throw new Error(`port ${port} was not probed by the exported playbook`);
        if (connect.rc === 124) throw new Error(`no answer on ${port} within ${PORT_TIMEOUT_SECONDS * 1000} ms`);
        if (connect.rc !== 0) throw new Error(connectReason(connect.text));
        let written = '';
        return new Duplex({
          read() {},
          write(chunk: Buffer | string, _enc, done) {
            written += chunk.toString();
            done();
          },
          final(done) {
            done();
            const index = g?.requests.findIndex((r) => r.port === port && r.request === written) ?? -1;
            const answer = probes.answers.get(`${port} ${index}`);
            if (index < 0 || !answer) this.destroy(new Error(`this request to port ${port} was not gathered by the exported playbook`));
            else if (answer.rc === 97) this.destroy(new Error('connection refused'));
            else if (answer.rc === 124) this.destroy(new Error(`no HTTP answer from ${port} within ${HTTP_TIMEOUT_SECONDS * 1000} ms`));
            else {
              this.push(Buffer.from(answer.base64.replace(/\s+/g, ''), 'base64'));
              this.push(null);
            }
          },
        });
      };
    },
  };
}
