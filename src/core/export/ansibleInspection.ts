/**
 * The daily inspection as an Ansible playbook: per host one `raw` task (no Python needed there)
 * that runs the very script `sofa-ops inspect` sends in its one round trip, plus the port and HTTP
 * probes that `sofa-ops inspect` makes over SSH direct-tcpip, made from inside the host with bash's
 * /dev/tcp instead. A last play on localhost writes what every host answered to results.json, which
 * `sofa-ops inspect --from-ansible` judges with the catalog's rules (ansibleResults.ts), so the
 * rules stay in one place.
 *
 * What to gather is not computed here: the real inspection runner is run against a transport that
 * records each host's script and each connection and HTTP request it would make. The same recording
 * is made again when the results are judged, so a playbook exported from another catalog, inventory
 * or scope is recognised and refused rather than judged wrongly.
 */
import { createHash, randomBytes } from 'crypto';
import { Duplex } from 'stream';
import { stringify } from 'yaml';
import type { Catalog } from '../catalog/types';
import type { InspectionPlan } from '../checks/checkPlan';
import { runInspection, type InspectionTransport } from '../checks/inspectionRunner';
import type { InspectionScope } from '../checks/types';
import { shellQuote } from '../shellQuote';
import { Unsafe, unsafeTag } from './ansiblePlaybook';

/** The `format` of results.json. */
export const RESULTS_FORMAT = 'sofa-ops-ansible-inspection';
export const RESULTS_VERSION = 1;
/** Seconds a port probe waits for the connection, as probePort does. */
export const PORT_TIMEOUT_SECONDS = 5;
/** Seconds an HTTP probe waits for the whole answer, as probeHttp does. */
export const HTTP_TIMEOUT_SECONDS = 10;
/** Bytes of an HTTP answer kept (probeHttp keeps no more). */
const MAX_HTTP_BYTES = 256 * 1024;

/** What one host is asked: its check script (if it has scripted checks) and the probes. */
export interface HostGather {
  host: string;
  /** The script `sofa-ops inspect` sends on stdin to `bash -s`. */
  script?: string;
  /** Seconds the runner gives the script. */
  timeoutSeconds: number;
  /** Ports connected to (127.0.0.1 inside the host). */
  ports: number[];
  /** HTTP requests, exactly as probeHttp writes them, with the port. */
  requests: Array<{ port: number; request: string }>;
}

/** The probes' section marker: the script's token with a `p`, so neither can fake the other's. */
export function probeToken(token: string): string {
  return `${token}p`;
}

/** Runs the inspection runner against a recording transport: what each host would be asked. */
export async function recordGather(catalog: Catalog, plan: InspectionPlan, scope: InspectionScope, token: string): Promise<HostGather[]> {
  const byHost = new Map<string, HostGather>();
  const of = (name: string) => {
    let g = byHost.get(name);
    if (!g) byHost.set(name, (g = { host: name, timeoutSeconds: 0, ports: [], requests: [] }));
    return g;
  };
  const transport: InspectionTransport = {
    scriptToken: () => token,
    exec: async (host, _command, options) => {
      const g = of(host.name);
      g.script = String(options.stdin ?? '');
      g.timeoutSeconds = Math.ceil((options.timeoutMs ?? 0) / 1000);
      return { outcome: 'error', exitCode: null, signal: null, stdout: '', stderr: '', stdoutDropped: 0, stderrDropped: 0, durationMs: 0, message: 'recording' };
    },
    forwarder: async (host) => {
      const g = of(host.name);
      return async (_address, port) => {
        if (!g.ports.includes(port)) g.ports.push(port);
        let written = '';
        const stream = new Duplex({
          read() {},
          write(chunk: Buffer | string, _enc, done) {
            written += chunk.toString();
            done();
          },
          final(done) {
            if (written && !g.requests.some((r) => r.port === port && r.request === written)) g.requests.push({ port, request: written });
            this.push(null);
            done();
          },
        });
        return stream;
      };
    },
  };
  await runInspection(catalog, plan, transport, scope, { parallel: 1 });
  // In inventory order, whatever order the runner asked in.
  const order = new Map<string, number>();
  plan.hosts.forEach((h, i) => order.set(h.host.name, i));
  plan.composites.forEach((c) => c.hosts.forEach((h) => order.set(h.name, order.get(h.name) ?? order.size + 1000)));
  return [...byHost.values()].sort((a, b) => (order.get(a.host) ?? 0) - (order.get(b.host) ?? 0));
}

/** The bash script of a host's probes; sections `port N RC` + bash's error, `http N I` + base64 answer + `rc N I RC`. */
export function probeScript(g: HostGather, token: string): string {
  const lines = [
    `P=${probeToken(token)}`,
    `sp() { printf '\\n@@%s@@ %s\\n' "$P" "$*"; }`,
    `port() { local e; e=$(timeout ${PORT_TIMEOUT_SECONDS} bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>&1); sp port "$1" $?; printf '%s\\n' "$e"; }`,
    // exit 97: could not connect (bash's own message is not kept: the port section has it).
    `http() { sp http "$1" "$2"; timeout ${HTTP_TIMEOUT_SECONDS} bash -c 'exec 2>/dev/null; exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 97; printf %s "$2" | base64 -d >&3; head -c ${MAX_HTTP_BYTES} <&3' _ "$1" "$3" | base64; sp rc "$1" "$2" "\${PIPESTATUS[0]}"; }`,
  ];
  for (const p of g.ports) lines.push(`port ${p}`);
  g.requests.forEach((r, i) => lines.push(`http ${r.port} ${i} ${Buffer.from(r.request).toString('base64')}`));
  lines.push('sp end');
  return lines.join('\n') + '\n';
}

/** The one command `raw` runs on the host: each script decoded from base64 and fed to `bash -s` on stdin, as SOFA Ops sends it. */
export function gatherCommand(g: HostGather, token: string): string {
  const feed = (script: string) => `printf %s ${shellQuote(Buffer.from(script).toString('base64'))} | base64 -d | bash -s`;
  const parts: string[] = [];
  if (g.script !== undefined) parts.push(feed(g.script));
  if (g.ports.length || g.requests.length) parts.push(feed(probeScript(g, token)));
  return parts.join('; ');
}

export function gatherDigest(command: string): string {
  return createHash('sha256').update(command).digest('hex');
}

/** Seconds for a host's whole task: the script's own limit plus every probe's. */
function taskTimeout(g: HostGather): number {
  return g.timeoutSeconds + g.ports.length * PORT_TIMEOUT_SECONDS + g.requests.length * HTTP_TIMEOUT_SECONDS + 10;
}

/**
 * Linux caps one argument at 128 KiB (MAX_ARG_STRLEN) and raw's command reaches the host as the
 * login shell's `-c` argument: a longer one would fail there, so it is refused here.
 */
export const MAX_RAW_COMMAND = 120 * 1024;

export class InspectionExportError extends Error {
  override name = 'InspectionExportError';
}

export interface InspectionExport {
  playbook: string;
  hosts: number;
  checks: number;
}

const KEEP = ['rc', 'stdout', 'stderr', 'failed', 'unreachable', 'msg', 'skipped'];

export async function exportInspectionToAnsible(catalog: Catalog, plan: InspectionPlan, scope: InspectionScope, inventoryFile: string, token = randomBytes(8).toString('hex')): Promise<InspectionExport> {
  const gathers = (await recordGather(catalog, plan, scope, token)).filter((g) => g.script !== undefined || g.ports.length || g.requests.length);
  for (const g of gathers) {
    const length = gatherCommand(g, token).length;
    if (length > MAX_RAW_COMMAND) throw new InspectionExportError(`host ${g.host}: its checks make a ${Math.round(length / 1024)} KiB command, over the ${MAX_RAW_COMMAND / 1024} KiB one command line carries: narrow the export (--product, --component, --target)`);
  }
  const commands = Object.fromEntries(gathers.map((g) => [g.host, new Unsafe(gatherCommand(g, token))]));
  const digests = Object.fromEntries(gathers.map((g) => [g.host, gatherDigest(gatherCommand(g, token))]));
  const what = scope.product ? `product ${scope.product}` : 'every product';
  const meta = { format: RESULTS_FORMAT, version: RESULTS_VERSION, token, scope, inventory: new Unsafe(inventoryFile), digests };
  const missing = "{'unreachable': true, 'msg': 'no result was registered for this host (not in the inventory, or the play did not reach it)'}";
  const content = [
    '{%- set out = {} -%}',
    '{%- for h in sofa_ops_meta.digests -%}',
    `{%- set r = (hostvars[h]['sofa_ops_gathered'] if h in hostvars and 'sofa_ops_gathered' in hostvars[h] else ${missing}) -%}`,
    `{%- set _ = out.update({h: r | dict2items | selectattr('key', 'in', ${JSON.stringify(KEEP).replace(/"/g, "'")}) | items2dict}) -%}`,
    '{%- endfor -%}',
    "{{ {'sofa_ops': sofa_ops_meta, 'hosts': out} | to_nice_json }}",
  ].join('\n');
  const plays = [
    {
      name: `SOFA Ops inspection (巡检), ${what}: gather · sofa-ops export ansible --inspection`,
      hosts: 'all',
      gather_facts: false,
      vars: {
        // raw's stdout must be the script's bytes: no pseudo-terminal (CRLF, stderr merged in).
        ansible_ssh_use_tty: false,
        sofa_ops_gather: commands,
      },
      tasks: [
        {
          name: 'Gather · the inspection script and probes, one round trip per host',
          'ansible.builtin.raw': '{{ sofa_ops_gather[inventory_hostname] }}',
          when: 'inventory_hostname in sofa_ops_gather',
          register: 'sofa_ops_gathered',
          changed_when: false,
          // Judged by sofa-ops inspect --from-ansible, never here: a host that fails or cannot be
          // reached is an ERROR there, and the others are still gathered and written.
          ignore_errors: true,
          ignore_unreachable: true,
          timeout: Math.max(0, ...gathers.map(taskTimeout)),
          tags: ['sofa-ops', 'inspection'],
        },
      ],
    },
    {
      name: 'SOFA Ops inspection: write results.json for sofa-ops inspect --from-ansible',
      hosts: 'localhost',
      gather_facts: false,
      vars: { sofa_ops_meta: meta },
      tasks: [
        {
          name: 'Write the gathered data',
          'ansible.builtin.copy': {
            dest: "{{ sofa_ops_results | default(playbook_dir ~ '/results.json') }}",
            content: content,
            mode: '0600',
          },
          tags: ['sofa-ops', 'inspection'],
        },
      ],
    },
  ];
  const header =
    `# Exported by "sofa-ops export ansible --inspection" (${what}) for ${inventoryFile}; re-export instead of editing.\n` +
    '# Needs no Python on the hosts (raw). Writes results.json beside this file (or -e sofa_ops_results=PATH);\n' +
    '# judge it with: sofa-ops inspect --from-ansible results.json --inventory INVENTORY\n';
  const checks = plan.hosts.reduce((n, h) => n + h.checks.length, 0) + plan.composites.length;
  return { playbook: header + stringify(plays, { customTags: [unsafeTag], lineWidth: 0, aliasDuplicateObjects: false }), hosts: gathers.length, checks };
}
