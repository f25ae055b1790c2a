/**
 * Scale benchmark: where one machine ends. One real OpenSSH sshd answers on up to 1,000 loopback
 * addresses (127.0.x.y); on 100 / 300 / 1,000 of them, in the same run, it times
 *   - `hostname`: `sofa-ops exec` against `parallel-ssh -p 200` (and `-p N`, every host at once);
 *   - a minimal inspection (memory, disk, load5: one script round trip per host): `sofa-ops inspect`
 *     against `ansible -f 50 -m raw` running the very same host script (the same data gathered);
 * with each tool's peak memory (summed over its process tree: RSS and PSS) and peak open file
 * descriptors, sampled from /proc. Prints the curve and ours/anchor ratios; exits non-zero only when
 * something fails to run or a host's answer is missing (a missed target is just a number).
 *
 *   npx tsx bench/scale.bench.ts [--sizes 100,300,1000] [--reps 1] [--no-ansible] [--no-build]
 *
 * Needs root plus Debian openssh-server, openssh-client, pssh and ansible-core (see bench/README.md).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { buildHostScript } from '../src/core/checks/hostScript';
import { DEFAULT_MAX_HANDSHAKES } from '../src/core/ssh/sshPool';
import { descendants, ensureTestUser, Sshd, type TestUser } from '../test/integration/fixtures/sshd';
import { ansibleEnv, ansibleIni, strictOptions } from './anchors';
import { median } from './stats';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'sofa-ops.js');
const PSSH = '/usr/bin/parallel-ssh';
/** GNU time: the CPU seconds of a tool's whole process tree, which shared CPUs do not inflate the way they do wall time. */
const TIME = '/usr/bin/time';
const ANSIBLE = '/usr/bin/ansible';
/** Every spawned process is killed after this long: the bench must stay bounded in time. */
const PROCESS_LIMIT_MS = 900_000;
/** /proc is sampled this often while a tool runs (a scan of every process: not free on 2 CPUs). */
const SAMPLE_MS = 200;
/** The log root the inventory gives every host; the host script runs `df -P` on it. */
const LOG_ROOT = '/tmp';
/** Seconds a connection may take to be up: sofa-ops' default (and Ansible's), given to every tool. */
const CONNECT_TIMEOUT_S = 10;

const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100,300,1000' },
    reps: { type: 'string', default: '1' },
    'no-ansible': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
});
const SIZES = opts.sizes!.split(',').map(Number);
const REPS = Number(opts.reps);
const MAX = Math.max(...SIZES);
if (SIZES.some((n) => !Number.isInteger(n) || n < 1 || n > 1000)) throw new Error('--sizes: host counts from 1 to 1000');

/** 127.0.10.1 … 127.0.13.250: away from the addresses the other benches and tests use. */
const ADDRESSES = Array.from({ length: MAX }, (_, i) => `127.0.${10 + Math.floor(i / 250)}.${1 + (i % 250)}`);
const NAMES = ADDRESSES.map((_, i) => `n${String(i + 1).padStart(4, '0')}`);

// ---------------------------------------------------------------------------------------------
// Running a tool and watching its process tree

interface Usage {
  ms: number;
  /** User + system CPU seconds of the tool and every process it waited for (GNU time). */
  cpuS: number;
  /** CPU seconds sshd spent serving it (the listener's reaped children: connection processes, shells). */
  serverCpuS?: number;
  /** Peak of the tree's summed RSS (shared pages counted once per process), MB. */
  rssMb: number;
  /** Peak of the tree's summed PSS (shared pages split between sharers), MB. */
  pssMb: number;
  /** Peak of the tree's open file descriptors. */
  fds: number;
  /** Peak number of processes in the tree. */
  procs: number;
  /** Hosts whose answer is missing (a timeout on an overloaded machine); 0 when all answered. */
  missing?: number;
  stdout: string;
  stderr: string;
}

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function pssKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function fdCount(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Runs a whole process (what a user waits for) while sampling its tree; fails unless it exits `expectCode`. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, expectCodes = [0]): Promise<Usage> {
  return new Promise((resolve, reject) => {
    const cpuFile = path.join(os.tmpdir(), `sofa-ops-bench-scale-time-${process.pid}`);
    const t0 = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', '%U %S %M', '-o', cpuFile, cmd, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const peak = { rssKb: 0, pssKb: 0, fds: 0, procs: 0, hwmKb: 0 };
    const sample = () => {
      if (!child.pid) return;
      // Everything under GNU time (not time itself).
      const tree = descendants(child.pid);
      if (!tree.length) return;
      let rss = 0;
      let pss = 0;
      let fds = 0;
      for (const pid of tree) {
        rss += statusKb(pid, 'VmRSS');
        pss += pssKb(pid);
        fds += fdCount(pid);
      }
      // The tool's own high-water mark catches a peak between two samples.
      peak.hwmKb = Math.max(peak.hwmKb, statusKb(tree[0], 'VmHWM'));
      peak.rssKb = Math.max(peak.rssKb, rss);
      peak.pssKb = Math.max(peak.pssKb, pss);
      peak.fds = Math.max(peak.fds, fds);
      peak.procs = Math.max(peak.procs, tree.length);
    };
    const sampler = setInterval(sample, SAMPLE_MS);
    setTimeout(sample, 20);
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_LIMIT_MS);
    child.once('error', (e) => {
      clearInterval(sampler);
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearInterval(sampler);
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (!expectCodes.includes(code ?? -1)) {
        reject(new Error(`${path.basename(cmd)} ${args.slice(0, 8).join(' ')} … exited ${code}\n${stdout.slice(0, 2000)}\n${stderr.slice(-2000)}`));
        return;
      }
      // GNU time writes "Command exited with non-zero status N" first when it did; the numbers are last.
      const timeLines = fs.readFileSync(cpuFile, 'utf8').trim().split('\n');
      fs.rmSync(cpuFile, { force: true });
      const [user, sys, maxKb] = timeLines[timeLines.length - 1].split(' ').map(Number);
      // The largest single process's peak (GNU time's %M) also catches a peak between two samples.
      const hwmKb = Math.max(peak.hwmKb, maxKb || 0);
      const rssKb = Math.max(peak.rssKb, hwmKb);
      // A single process (ours) shares next to nothing: its RSS high-water mark is its peak.
      resolve({ ms, cpuS: user + sys, rssMb: rssKb / 1024, pssMb: Math.max(peak.pssKb, peak.procs === 1 ? hwmKb : 0) / 1024, fds: peak.fds, procs: peak.procs, stdout, stderr });
    });
  });
}

/** CPU seconds of the reaped children of `pid` (utime+stime of the dead ones: /proc/PID/stat cutime, cstime). */
function childrenCpuS(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of stat(5), counted from 1 with pid and comm as 1 and 2.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Runs a step and charges it the sshd CPU it caused (connection processes are reaped a moment after). */
async function withServerCpu(f: Fixture, go: () => Promise<Usage>): Promise<Usage> {
  const before = childrenCpuS(f.sshd.pid);
  const u = await go();
  const deadline = Date.now() + 5000;
  // Wait for the listener's children to be gone (reaped), so their CPU is counted.
  while (descendants(f.sshd.pid).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  u.serverCpuS = childrenCpuS(f.sshd.pid) - before;
  return u;
}

// ---------------------------------------------------------------------------------------------
// Set-up: one sshd, the login user, known_hosts and per-size inventories for every tool

interface Fixture {
  sshd: Sshd;
  user: TestUser;
  dir: string;
  home: string;
  knownHosts: string;
  catalog: string;
  ansibleConfig: string;
  /** The host script `sofa-ops inspect` sends for the bench catalog, for Ansible to run as is. */
  hostScript: string;
}

/** The minimal check set: one product, one component, three resource checks (no CPU: it sleeps 1 s). */
const BENCH_CATALOG = `product:
  id: bench
  section: "0"
  name: { zh: 基准, en: Bench }
  summary: { zh: 规模基准的最小巡检, en: The scale bench's minimal inspection }
components:
  - id: bench-node
    section: "0"
    name: { zh: 基准节点, en: Bench node }
    role: { zh: 被巡检的主机, en: A host being inspected }
    ports: []
checks:
${['memory', 'disk', 'load5'].map((r) => `  - id: bench-${r}
    section: "0"
    kind: resource
    resource: ${r}
    components: [bench-node]
    title: { zh: ${r}, en: ${r} }
    threshold: { op: ">", value: ${r === 'load5' ? 10000 : 100}, text: { zh: "${r} 过高", en: "${r} too high" } }
    passWhen: { zh: 不过高, en: not too high }`).join('\n')}
`;

async function setUp(): Promise<Fixture> {
  const user = await ensureTestUser();
  // MaxStartups above the widest fan-out (parallel-ssh -p 1000): no tool loses connections to
  // sshd's random early drop. MaxSessions does not matter: every tool opens one channel per host.
  const sshd = await Sshd.start({ maxStartups: '2000:30:4000', hostKeyTypes: ['ed25519'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-bench-scale-'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(path.join(home, '.sofa-ops'), { recursive: true });
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, sshd.knownHostsFor(ADDRESSES));
  const catalog = path.join(dir, 'catalog');
  fs.mkdirSync(path.join(catalog, 'bench'), { recursive: true });
  fs.writeFileSync(path.join(catalog, 'bench', 'catalog.yaml'), BENCH_CATALOG);
  const ansibleConfig = path.join(dir, 'ansible.cfg');
  fs.writeFileSync(ansibleConfig, '');
  // The same request runScripted builds for resource checks only; the token only marks sections.
  const hostScript = buildHostScript({ resources: true, processes: false, logRoot: LOG_ROOT, commands: [], logs: [] }, '0123456789abcdef');
  const f: Fixture = { sshd, user, dir, home, knownHosts, catalog, ansibleConfig, hostScript };
  for (const n of SIZES) writeInventories(f, n);
  return f;
}

const files = (f: Fixture, n: number) => ({
  sofa: path.join(f.dir, `sofa-${n}.inventory.yaml`),
  pssh: path.join(f.dir, `pssh-${n}.hosts`),
  ansible: path.join(f.dir, `ansible-${n}.ini`),
});

function writeInventories(f: Fixture, n: number): void {
  const out = files(f, n);
  fs.writeFileSync(out.sofa, [
    `defaults: { port: ${f.sshd.port}, user: ${f.user.name}, identityFile: ${f.user.keys.plain}, logRoot: ${LOG_ROOT} }`,
    'products:',
    '  bench:',
    '    bench-node:',
    ...ADDRESSES.slice(0, n).map((a, i) => `      - { name: ${NAMES[i]}, host: ${a} }`),
    '',
  ].join('\n'));
  fs.writeFileSync(out.pssh, ADDRESSES.slice(0, n).join('\n') + '\n');
  fs.writeFileSync(out.ansible, ansibleIni(ADDRESSES.slice(0, n), { user: f.user.name, port: f.sshd.port, key: f.user.keys.plain, knownHosts: f.knownHosts }));
}

function isolatedEnv(f: Fixture, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: f.home, SOFA_OPS_HOME: path.join(f.home, '.sofa-ops'), SSH_AUTH_SOCK: '', ...extra };
}

function ansibleEnvFor(f: Fixture): NodeJS.ProcessEnv {
  // As in bench/ssh.bench.ts; raw needs no pipelining.
  return { ...ansibleEnv(isolatedEnv(f), { config: f.ansibleConfig, tempDir: f.dir }), ANSIBLE_PIPELINING: 'False', ANSIBLE_TIMEOUT: String(CONNECT_TIMEOUT_S) };
}

// ---------------------------------------------------------------------------------------------
// The tools

/** `optional`: a failure is reported as a row (the issue asks for -p 1000 "if it completes"). */
type Step = { label: string; size: number; go: () => Promise<Usage>; optional?: boolean; warmUp?: boolean };

function countLines(text: string, re: RegExp): number {
  return text.split('\n').filter((l) => re.test(l)).length;
}

/** Nothing answered is a broken set-up (the bench fails); a few hosts missing is a result, shown as a column. */
function need(label: string, got: number, n: number, u: Usage): void {
  if (got === 0) throw new Error(`${label}: 0/${n} hosts answered\n${u.stdout.slice(0, 1500)}\n${u.stderr.slice(-1500)}`);
  if (got < n) process.stderr.write(`(${label}: ${n - got} of ${n} hosts missing) `);
  u.missing = Math.max(u.missing ?? 0, n - got);
}

function steps(f: Fixture, n: number): Step[] {
  const inv = files(f, n);
  const env = isolatedEnv(f);
  const me = os.hostname();
  const exec = (parallel: number): Step => ({
    label: `sofa-ops exec --parallel ${parallel} -- hostname`,
    size: n,
    warmUp: true,
    go: async () => {
      const u = await run(process.execPath, [CLI, 'exec', '--inventory', inv.sofa, '--target', 'bench-node', '--parallel', String(parallel), '--timeout', '300', '--known-hosts', f.knownHosts, '--json', '--', 'hostname'], env, [0, 1]);
      const results = JSON.parse(u.stdout) as Array<{ outcome: string; stdout: string }>;
      need('sofa-ops exec', results.filter((r) => r.outcome === 'ok' && r.stdout.trim() === me).length, n, u);
      return u;
    },
  });
  const pssh = (p: number): Step => ({
    label: `parallel-ssh -p ${p} -i hostname`,
    size: n,
    optional: p > 200,
    go: async () => {
      const u = await run(PSSH, ['-p', String(p), '-h', inv.pssh, '-l', f.user.name, '-t', '600', '-i',
        ...['-i', f.user.keys.plain, '-p', String(f.sshd.port), ...strictOptions(f.knownHosts), '-o', `ConnectTimeout=${CONNECT_TIMEOUT_S}`].flatMap((o) => ['-x', o]), 'hostname'], env, [0, 1, 2, 3, 4, 5]);
      need('parallel-ssh', (u.stdout.match(/\[SUCCESS\]/g) ?? []).length, n, u);
      need('parallel-ssh (hostname lines)', countLines(u.stdout, new RegExp(`^${me}$`)), n, u);
      return u;
    },
  });
  const inspect: Step = {
    label: 'sofa-ops inspect --parallel 50 (memory, disk, load5)',
    size: n,
    warmUp: true,
    go: async () => {
      const report = path.join(f.dir, `inspect-${n}.json`);
      const u = await run(process.execPath, [CLI, 'inspect', '--inventory', inv.sofa, '--catalog', f.catalog, '--parallel', '50', '--known-hosts', f.knownHosts, '--report', 'json', '--out', report], env, [0, 1]);
      const results = (JSON.parse(fs.readFileSync(report, 'utf8')) as { results: Array<{ status: string; host?: string }> }).results;
      need('sofa-ops inspect (3 passes per host)', results.filter((r) => r.status === 'pass').length / 3, n, u);
      return u;
    },
  };
  const ansible: Step = {
    label: 'ansible -f 50 -m raw (same host script)',
    size: n,
    go: async () => {
      const u = await run(ANSIBLE, ['all', '-i', inv.ansible, '-f', '50', '-m', 'raw', '-a', f.hostScript, '-o'], ansibleEnvFor(f), [0, 1, 2, 3, 4]);
      // -o prints one line per host; the script's last section marker proves it ran to the end.
      need('ansible -m raw', countLines(u.stdout, / \| CHANGED \| rc=0 \|.*@@0123456789abcdef@@ end/), n, u);
      return u;
    },
  };
  const list: Step[] = [exec(200), exec(32), pssh(200)];
  if (n > 200) list.push(pssh(n));
  list.push(inspect);
  if (!opts['no-ansible']) list.push(ansible);
  return list;
}

// ---------------------------------------------------------------------------------------------
// Report

const results = new Map<string, Usage[]>();
const failures: string[] = [];
/** A required step failed: the bench still finishes and prints everything, then exits 1. */
let failed = false;
const keyOf = (label: string, size: number) => `${size}\t${label}`;
function med(label: string, size: number, field: 'ms' | 'cpuS' | 'serverCpuS' | 'rssMb' | 'pssMb' | 'fds' | 'procs'): number {
  const xs = results.get(keyOf(label, size));
  return xs?.length ? median(xs.map((u) => u[field] ?? NaN)) : NaN;
}

function report(): void {
  const rows: string[][] = [['hosts', 'tool', 'wall s', 'CPU s', 'sshd CPU s', 'hosts/s', 'peak RSS MB', 'peak PSS MB', 'PSS KB/host', 'peak fds', 'procs', 'missing', 'n']];
  for (const [key, xs] of results) {
    const [size, label] = key.split('\t');
    const n = Number(size);
    const ms = median(xs.map((u) => u.ms));
    const pss = median(xs.map((u) => u.pssMb));
    rows.push([size, label, (ms / 1000).toFixed(2), median(xs.map((u) => u.cpuS)).toFixed(2), median(xs.map((u) => u.serverCpuS ?? NaN)).toFixed(2), (n / (ms / 1000)).toFixed(0), median(xs.map((u) => u.rssMb)).toFixed(0), pss.toFixed(0),
      (pss * 1024 / n).toFixed(0), String(median(xs.map((u) => u.fds))), String(median(xs.map((u) => u.procs))), String(Math.max(...xs.map((u) => u.missing ?? 0))), String(xs.length)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  console.log('\nPer tool and host count (medians; memory and fds summed over the process tree, sampled every 200 ms)');
  for (const r of rows) console.log(r.map((cell, c) => (c === 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));

  console.log('\nRatios (ours / anchor): wall time, and client CPU time (what shared cores distort least)');
  for (const n of SIZES) {
    const pairs: Array<[string, string, number]> = [
      ['sofa-ops exec --parallel 200 -- hostname', 'parallel-ssh -p 200 -i hostname', n === 1000 ? 0.5 : NaN],
      ['sofa-ops exec --parallel 32 -- hostname', 'parallel-ssh -p 200 -i hostname', NaN],
      ['sofa-ops exec --parallel 200 -- hostname', `parallel-ssh -p ${n} -i hostname`, NaN],
      ['sofa-ops inspect --parallel 50 (memory, disk, load5)', 'ansible -f 50 -m raw (same host script)', n === 1000 ? 0.5 : NaN],
    ];
    for (const [ours, anchor, target] of pairs) {
      const r = med(ours, n, 'ms') / med(anchor, n, 'ms');
      const c = med(ours, n, 'cpuS') / med(anchor, n, 'cpuS');
      // Client and server CPU together over the cores: the wall time of an otherwise idle machine can be no less.
      const floor = (label: string) => (med(label, n, 'cpuS') + med(label, n, 'serverCpuS')) / os.cpus().length;
      if (!Number.isFinite(r)) continue;
      const verdict = Number.isNaN(target) ? '' : `  target <= ${target}x (wall): ${r <= target ? 'met' : 'MISSED'}`;
      console.log(`${String(n).padStart(5)} hosts: ${`${ours} / ${anchor}`.padEnd(96)} wall ${r.toFixed(2)}x  CPU ${c.toFixed(2)}x  ` +
        `CPU-bound floor ${floor(ours).toFixed(1)} / ${floor(anchor).toFixed(1)} s = ${(floor(ours) / floor(anchor)).toFixed(2)}x${verdict}`);
    }
  }
  for (const line of failures) console.log(line);
  console.log(`\nsofa-ops: at most ${DEFAULT_MAX_HANDSHAKES} handshakes in flight (default --handshakes), each host's connection closed when it is done.`);
  console.log(`Load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (2+ on this 2-CPU machine means other work shared the CPUs).`);
}

async function main(): Promise<void> {
  if (!opts['no-build']) {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  for (const bin of [PSSH, TIME, ...(opts['no-ansible'] ? [] : [ANSIBLE])]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: apt-get install -y pssh time ansible-core`);
  }
  const f = await setUp();
  try {
    console.log(`sshd ${f.sshd.port} on 0.0.0.0 (${ADDRESSES[0]} … ${ADDRESSES[MAX - 1]}), user ${f.user.name}, node ${process.version}, ${os.cpus().length} CPUs, ` +
      `fd limit ${spawnSync('sh', ['-c', 'ulimit -n']).stdout.toString().trim()}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (const n of SIZES) {
      const list = steps(f, n);
      // One untimed run of each sofa-ops command per inventory: the parsed inventory, catalog and
      // ssh_config caches are warm, as for an operator who runs it twice (bench/README.md, SSH).
      for (const step of list.filter((s) => s.warmUp)) {
        process.stderr.write(`${n} hosts: warm-up ${step.label}\n`);
        await step.go().catch((err) => process.stderr.write(`warm-up failed: ${String((err as Error).message).split('\n')[0]}\n`));
      }
      for (let rep = 0; rep < REPS; rep++) {
        // Rotate the order each repetition so no tool always runs first.
        for (let k = 0; k < list.length; k++) {
          const step = list[(rep + k) % list.length];
          process.stderr.write(`${n} hosts: ${step.label} … `);
          let u: Usage;
          try {
            u = await withServerCpu(f, step.go);
          } catch (err) {
            if (!step.optional) failed = true;
            failures.push(`${n} hosts: ${step.label} did not complete: ${String((err as Error).message).split('\n').slice(0, 3).join(' | ')}`);
            process.stderr.write('did not complete\n');
            continue;
          }
          process.stderr.write(`${(u.ms / 1000).toFixed(2)} s, CPU ${u.cpuS.toFixed(2)} s, sshd CPU ${(u.serverCpuS ?? NaN).toFixed(2)} s, PSS ${u.pssMb.toFixed(0)} MB, ${u.fds} fds (load ${os.loadavg()[0].toFixed(1)})\n`);
          const key = keyOf(step.label, step.size);
          results.set(key, [...(results.get(key) ?? []), u]);
        }
      }
    }
    report();
    if (failed) throw new Error('a required step failed (see "did not complete" above)');
  } finally {
    await f.sshd.stop();
    fs.rmSync(f.dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
