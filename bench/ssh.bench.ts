/**
 * SSH benchmark: our SSH layer side by side with its anchors (OpenSSH `ssh`, an OpenSSH
 * ControlMaster, parallel-ssh, Ansible ad-hoc), all against one real sshd on loopback in the same
 * run, interleaved so machine noise hits every tool alike. Prints medians, p90s and ours/anchor
 * ratios; exits non-zero only when something fails to run (a missed target is just a number).
 *
 *   npx tsx bench/ssh.bench.ts [--reps N] [--fanout-reps N] [--ansible-reps N] [--no-build]
 *
 * Needs root plus Debian openssh-server, openssh-client, pssh and ansible-core (see bench/README.md).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { ensureTestUser, Sshd, SSH, type TestUser } from '../test/integration/fixtures/sshd';
import { ansibleEnv, ansibleIni, strictOptions } from './anchors';
import { HostKeyVerifier } from '../src/core/ssh/hostKeys';
import { runOnConnection } from '../src/core/ssh/remoteExec';
import { fanOut } from '../src/core/ssh/fanOut';
import { type ConnectionDeps, knownHostsStore, SshConnection } from '../src/core/ssh/sshConnection';
import { SshPool } from '../src/core/ssh/sshPool';
import type { SshTarget } from '../src/core/ssh/types';
import { median } from './stats';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'sofa-ops.js');
const PSSH = '/usr/bin/parallel-ssh';
const ANSIBLE = '/usr/bin/ansible';
const HOST_COUNT = 50;
const HOSTS = Array.from({ length: HOST_COUNT }, (_, i) => `127.0.2.${i + 1}`);
/** Every spawned process is killed after this long: the bench must stay bounded in time. */
const PROCESS_LIMIT_MS = 300_000;

const { values: opts } = parseArgs({
  options: {
    reps: { type: 'string', default: '20' },
    'fanout-reps': { type: 'string', default: '5' },
    'ansible-reps': { type: 'string', default: '3' },
    warmup: { type: 'string', default: '3' },
    'no-build': { type: 'boolean', default: false },
  },
});
const REPS = Number(opts.reps);
const FANOUT_REPS = Number(opts['fanout-reps']);
const ANSIBLE_REPS = Number(opts['ansible-reps']);
const WARMUP = Number(opts.warmup);

// ---------------------------------------------------------------------------------------------
// Timing and statistics

interface Series {
  label: string;
  samples: number[];
}

const series = new Map<string, Series>();
/** Rows print in this order, whatever order the steps ran in. */
function declareRows(labels: string[]): void {
  for (const label of labels) series.set(label, { label, samples: [] });
}
function record(label: string, ms: number): void {
  let s = series.get(label);
  if (!s) series.set(label, (s = { label, samples: [] }));
  s.samples.push(ms);
}

function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  // Nearest rank: p90 of 5 samples is the 5th, of 20 the 18th.
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = now();
  const value = await fn();
  return { ms: now() - t0, value };
}

interface ProcResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a whole process (what a user waits for), failing the bench if it does not exit `expectCode`. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, expectCode = 0): Promise<ProcResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_LIMIT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code !== expectCode) reject(new Error(`${path.basename(cmd)} ${args.join(' ')} exited ${code}\n${stdout}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** Runs each step once per repetition, rotating the order so no tool always goes first. */
async function interleaved(reps: number, steps: Array<[string, () => Promise<number>]>, warmup: number): Promise<void> {
  for (let i = 0; i < warmup; i++) for (const [, step] of steps) await step();
  for (let rep = 0; rep < reps; rep++) {
    for (let k = 0; k < steps.length; k++) {
      const [label, step] = steps[(rep + k) % steps.length];
      record(label, await step());
    }
    process.stderr.write('.');
  }
  process.stderr.write('\n');
}

// ---------------------------------------------------------------------------------------------
// Set-up: sshd, user, known_hosts, inventories, environments

interface Fixture {
  sshd: Sshd;
  user: TestUser;
  dir: string;
  knownHosts: string;
  sofaInventory: string;
  psshHosts: string;
  ansibleInventory: string;
  ansibleConfig: string;
  home: string;
}

async function setUp(): Promise<Fixture> {
  const user = await ensureTestUser();
  const sshd = await Sshd.start({ maxStartups: '200:30:400', maxSessions: 64, hostKeyTypes: ['ed25519'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-bench-'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(path.join(home, '.sofa-ops'), { recursive: true });
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, sshd.knownHostsFor(HOSTS));

  const sofaInventory = path.join(dir, 'bench.inventory.yaml');
  fs.writeFileSync(sofaInventory, [
    'defaults:',
    `  port: ${sshd.port}`,
    `  user: ${user.name}`,
    `  identityFile: ${user.keys.plain}`,
    'hosts:',
    ...HOSTS.map((h, i) => `  - { name: h${String(i + 1).padStart(2, '0')}, host: ${h}, groups: [bench] }`),
    '',
  ].join('\n'));

  const psshHosts = path.join(dir, 'pssh-hosts');
  fs.writeFileSync(psshHosts, HOSTS.join('\n') + '\n');

  const ansibleInventory = path.join(dir, 'ansible-inventory.ini');
  fs.writeFileSync(ansibleInventory, ansibleIni(HOSTS, { user: user.name, port: sshd.port, key: user.keys.plain, knownHosts }));
  // An empty ansible.cfg so no system or user config changes what we measure.
  const ansibleConfig = path.join(dir, 'ansible.cfg');
  fs.writeFileSync(ansibleConfig, '');
  return { sshd, user, dir, knownHosts, sofaInventory, psshHosts, ansibleInventory, ansibleConfig, home };
}

/** The same strict, config-free OpenSSH options for every OpenSSH-based anchor. */
function openSshOptions(sshd: Sshd, user: TestUser, knownHosts: string): string[] {
  return ['-i', user.keys.plain, '-p', String(sshd.port), ...strictOptions(knownHosts)];
}

/** No agent, no user config: HOME and SOFA_OPS_HOME point at the bench's temp dir. */
function isolatedEnv(f: Fixture, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: f.home, SOFA_OPS_HOME: path.join(f.home, '.sofa-ops'), SSH_AUTH_SOCK: '', ...extra };
}

function targetFor(f: Fixture, host: string): SshTarget {
  return {
    name: host,
    host,
    port: f.sshd.port,
    user: f.user.name,
    identityFiles: [f.user.keys.plain],
    jumps: [],
    keepaliveInterval: 15,
    keepaliveCountMax: 3,
    connectTimeout: 10,
  };
}

async function connectionDeps(f: Fixture): Promise<ConnectionDeps> {
  const verifier = await HostKeyVerifier.load([f.knownHosts]);
  return {
    hostKeys: knownHostsStore(verifier, path.join(f.home, '.sofa-ops', 'known_hosts')),
    unknownHosts: { acceptUnknownHost: async () => false },
  };
}

function expectOk(result: { outcome: string; message?: string }, what: string): void {
  if (result.outcome !== 'ok') throw new Error(`${what}: ${result.outcome} ${result.message ?? ''}`);
}

// ---------------------------------------------------------------------------------------------
// 1. Cold connect + `true`

const L = {
  cliCold: '1a sofa-ops exec (process, cold)',
  sshCold: '1  ssh host true (process, cold)',
  nodeBare: '1a   breakdown: node -e 0',
  cliHelp: '1a   breakdown: sofa-ops exec --help',
  cliInventory: '1a   breakdown: sofa-ops exec, no SSH',
  poolCold: '1b SshPool fresh connect + exec (in-process)',
  poolColdConnect: '1b   breakdown: connect (TCP+kex+auth)',
  poolColdExec: '1b   breakdown: first exec on it',
  poolWarm: '2  SshPool.exec on live connection',
  muxClient: '2  ssh ControlMaster=no via live master',
  warmNoDelay: '2   runOnConnection, TCP_NODELAY on',
  warmNagle: '2   runOnConnection, TCP_NODELAY off',
  cliFan: '3  sofa-ops exec --parallel 50 (process)',
  poolFan: '3  fanOut 50 fresh pool (in-process)',
  pssh: '3  parallel-ssh -p 50',
  ansibleRaw: '3  ansible -f 50 -m raw',
  ansibleCommand: '3  ansible -f 50 -m command (pipelining)',
};

async function benchCold(f: Fixture, deps: ConnectionDeps): Promise<void> {
  const host = HOSTS[0];
  const env = isolatedEnv(f);
  const cliArgs = [CLI, 'exec', '--inventory', f.sofaInventory, '--target', 'h01', '--known-hosts', f.knownHosts, '--', 'true'];
  const sshArgs = [...openSshOptions(f.sshd, f.user, f.knownHosts), '-l', f.user.name, host, 'true'];
  const target = targetFor(f, host);
  process.stderr.write(`1. cold connect + true (${REPS} reps)\n`);
  await interleaved(REPS, [
    [L.cliCold, async () => (await timed(() => run(process.execPath, cliArgs, env))).ms],
    [L.sshCold, async () => (await timed(() => run(SSH, sshArgs, env))).ms],
    [L.nodeBare, async () => (await timed(() => run(process.execPath, ['-e', '0'], env))).ms],
    [L.cliHelp, async () => (await timed(() => run(process.execPath, [CLI, 'exec', '--help'], env))).ms],
    // Loads and validates the inventory, then stops at the selector (exit 2): everything but SSH.
    [L.cliInventory, async () => (await timed(() => run(process.execPath, [CLI, 'exec', '--inventory', f.sofaInventory, '--target', 'no-such-host', '--', 'true'], env, 2))).ms],
    [L.poolCold, async () => {
      const pool = new SshPool(deps);
      try {
        const t0 = now();
        await pool.connection(target);
        const t1 = now();
        expectOk(await pool.exec(target, 'true'), 'cold exec');
        const t2 = now();
        record(L.poolColdConnect, t1 - t0);
        record(L.poolColdExec, t2 - t1);
        return t2 - t0;
      } finally {
        pool.dispose();
      }
    }],
  ], WARMUP);
  // The breakdown rows were also recorded during warm-up: keep only the measured repetitions.
  for (const label of [L.poolColdConnect, L.poolColdExec]) series.get(label)!.samples.splice(0, WARMUP);
}

// ---------------------------------------------------------------------------------------------
// 2. Pooled exec on a live connection

/** A connection whose TCP socket has Nagle's algorithm on, fed in through the `via` hook. */
async function connectionWithNagle(target: SshTarget, deps: ConnectionDeps): Promise<SshConnection> {
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: target.host, port: target.port, noDelay: false });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  const via = { forwardOut: async () => socket } as unknown as SshConnection;
  return SshConnection.open(target, deps, via);
}

async function benchPooled(f: Fixture, deps: ConnectionDeps): Promise<void> {
  const host = HOSTS[1];
  const env = isolatedEnv(f);
  const controlPath = path.join(f.dir, 'mux.sock');
  const base = [...openSshOptions(f.sshd, f.user, f.knownHosts), '-l', f.user.name];
  // -f: background after authentication, so the master is ready when this returns.
  await run(SSH, [...base, '-M', '-N', '-f', '-o', `ControlPath=${controlPath}`, '-o', 'ControlPersist=no', host], env);
  const target = targetFor(f, host);
  const pool = new SshPool(deps);
  const direct = await SshConnection.open(target, deps);
  const nagle = await connectionWithNagle(target, deps);
  try {
    await pool.connection(target);
    process.stderr.write(`2. pooled exec of true (${REPS} reps)\n`);
    await interleaved(REPS, [
      [L.poolWarm, async () => {
        const { ms, value } = await timed(() => pool.exec(target, 'true'));
        expectOk(value, 'pooled exec');
        return ms;
      }],
      [L.muxClient, async () => (await timed(() => run(SSH, [...base, '-o', `ControlPath=${controlPath}`, '-o', 'ControlMaster=no', host, 'true'], env))).ms],
      [L.warmNoDelay, async () => {
        const { ms, value } = await timed(() => runOnConnection(direct, 'true'));
        expectOk(value, 'exec with TCP_NODELAY');
        return ms;
      }],
      [L.warmNagle, async () => {
        const { ms, value } = await timed(() => runOnConnection(nagle, 'true'));
        expectOk(value, 'exec without TCP_NODELAY');
        return ms;
      }],
    ], WARMUP);
    if (pool.size !== 1) throw new Error(`the pool reconnected during the pooled bench (${pool.size} connections)`);
  } finally {
    pool.dispose();
    direct.close();
    nagle.close();
    spawnSync(SSH, [...base, '-o', `ControlPath=${controlPath}`, '-O', 'exit', host], { env, stdio: 'ignore' });
  }
}

// ---------------------------------------------------------------------------------------------
// 3. `hostname` on 50 hosts, cold

function checkHostnames(label: string, stdout: string, count: number): void {
  const me = os.hostname();
  const seen = stdout.split('\n').filter((l) => l.trim() === me).length;
  if (seen < count) throw new Error(`${label}: expected ${count} hostname lines, got ${seen}\n${stdout.slice(0, 2000)}`);
}

async function benchFanOut(f: Fixture, deps: ConnectionDeps): Promise<void> {
  const env = isolatedEnv(f);
  const cliArgs = [CLI, 'exec', '--inventory', f.sofaInventory, '--target', 'bench', '--parallel', '50', '--known-hosts', f.knownHosts, '--json', '--', 'hostname'];
  const psshArgs = ['-p', '50', '-h', f.psshHosts, '-l', f.user.name, '-t', '120', '-i',
    ...openSshOptions(f.sshd, f.user, f.knownHosts).flatMap((o) => ['-x', o]), 'hostname'];
  const targets = HOSTS.map((h) => targetFor(f, h));
  const ansibleEnvironment = ansibleEnv(isolatedEnv(f), { config: f.ansibleConfig, tempDir: f.dir });
  const ansible = (module: string, pipelining: boolean) => async () => {
    const { ms, value } = await timed(() => run(ANSIBLE, ['all', '-i', f.ansibleInventory, '-f', '50', '-m', module, '-a', 'hostname', '-o'],
      { ...ansibleEnvironment, ANSIBLE_PIPELINING: pipelining ? 'True' : 'False' }));
    const ok = value.stdout.split('\n').filter((l) => / \| (CHANGED|SUCCESS) /.test(l)).length;
    if (ok !== HOST_COUNT) throw new Error(`ansible -m ${module}: ${ok}/${HOST_COUNT} hosts ok\n${value.stdout.slice(0, 2000)}\n${value.stderr.slice(0, 2000)}`);
    return ms;
  };
  process.stderr.write(`3. hostname on ${HOST_COUNT} hosts (${FANOUT_REPS} reps)\n`);
  await interleaved(FANOUT_REPS, [
    [L.cliFan, async () => {
      const { ms, value } = await timed(() => run(process.execPath, cliArgs, env));
      const results = JSON.parse(value.stdout) as Array<{ outcome: string; stdout: string }>;
      if (results.length !== HOST_COUNT || results.some((r) => r.outcome !== 'ok')) throw new Error(`sofa-ops exec: not all hosts ok\n${value.stdout.slice(0, 2000)}`);
      checkHostnames('sofa-ops exec', results.map((r) => r.stdout).join(''), HOST_COUNT);
      return ms;
    }],
    [L.pssh, async () => {
      const { ms, value } = await timed(() => run(PSSH, psshArgs, env));
      const ok = (value.stdout.match(/\[SUCCESS\]/g) ?? []).length;
      if (ok !== HOST_COUNT) throw new Error(`parallel-ssh: ${ok}/${HOST_COUNT} hosts ok\n${value.stdout.slice(0, 2000)}`);
      checkHostnames('parallel-ssh', value.stdout, HOST_COUNT);
      return ms;
    }],
    [L.poolFan, async () => {
      const pool = new SshPool(deps);
      try {
        const { ms, value } = await timed(() => fanOut(pool, targets, 'hostname', { parallel: 50 }));
        value.forEach((r) => expectOk(r, `fanOut ${r.target.host}`));
        return ms;
      } finally {
        pool.dispose();
      }
    }],
  ], 1);
  if (ANSIBLE_REPS > 0) {
    process.stderr.write(`3. ansible ad-hoc (${ANSIBLE_REPS} reps each, no warm-up)\n`);
    await interleaved(ANSIBLE_REPS, [[L.ansibleRaw, ansible('raw', false)], [L.ansibleCommand, ansible('command', true)]], 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function fmt(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function report(): void {
  const rows: string[][] = [['', 'median', 'p90', 'n']];
  for (const s of series.values()) if (s.samples.length) rows.push([s.label, fmt(median(s.samples)), fmt(quantile(s.samples, 0.9)), String(s.samples.length)]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log('\nTimings (ms unless marked s)');
  rows.forEach((r) => console.log(line(r)));

  const m = (label: string) => (series.get(label)?.samples.length ? median(series.get(label)!.samples) : NaN);
  const ratios: Array<[string, string, string, number]> = [
    ['1a cold, whole process: sofa-ops exec / ssh', L.cliCold, L.sshCold, 0.8],
    ['1b cold, in-process: SshPool / ssh', L.poolCold, L.sshCold, 0.8],
    ['2  pooled: SshPool.exec / ssh via ControlMaster', L.poolWarm, L.muxClient, 0.6],
    ['2  TCP_NODELAY on / off', L.warmNoDelay, L.warmNagle, NaN],
    ['3  50 hosts, whole process: sofa-ops / parallel-ssh', L.cliFan, L.pssh, 0.5],
    ['3  50 hosts, in-process fanOut / parallel-ssh', L.poolFan, L.pssh, 0.5],
    ['3  50 hosts: sofa-ops / ansible -m raw', L.cliFan, L.ansibleRaw, NaN],
    ['3  50 hosts: sofa-ops / ansible -m command', L.cliFan, L.ansibleCommand, NaN],
  ];
  console.log('\nRatios of medians (ours / anchor)');
  for (const [what, ours, anchor, target] of ratios) {
    const r = m(ours) / m(anchor);
    if (!Number.isFinite(r)) continue;
    const verdict = Number.isNaN(target) ? '' : `  target <= ${target}x: ${r <= target ? 'met' : 'MISSED'}`;
    console.log(`${what.padEnd(54)} ${r.toFixed(2)}x${verdict}`);
  }
  console.log(`\n1a breakdown (medians): node itself ${fmt(m(L.nodeBare))}; + bundle and exec module ${fmt(m(L.cliHelp) - m(L.nodeBare))}; ` +
    `+ inventory load and validation ${fmt(m(L.cliInventory) - m(L.cliHelp))}; + SSH connect, exec, exit ${fmt(m(L.cliCold) - m(L.cliInventory))} ` +
    `(in-process SshPool: ${fmt(m(L.poolCold))}).`);
  // Both are bimodal: a 40 ms delayed-ACK stall either happens or not (see bench/README.md).
  for (const label of [L.poolColdExec, L.warmNagle]) {
    const samples = series.get(label)?.samples ?? [];
    if (samples.length) console.log(`${label.trim()}: ${samples.filter((x) => x >= 30).length} of ${samples.length} runs took >= 30 ms (a delayed-ACK stall)`);
  }
  console.log(`Load average at the end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} (2+ on this machine means other work shared the CPUs).`);
}

async function main(): Promise<void> {
  if (!opts['no-build']) {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  for (const bin of [PSSH, ...(ANSIBLE_REPS > 0 ? [ANSIBLE] : [])]) {
    if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: apt-get install -y pssh ansible-core`);
  }
  const f = await setUp();
  try {
    const deps = await connectionDeps(f);
    console.log(`sshd ${f.sshd.port} on 0.0.0.0, user ${f.user.name}, node ${process.version}, ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    declareRows(Object.values(L));
    await benchCold(f, deps);
    await benchPooled(f, deps);
    await benchFanOut(f, deps);
    report();
  } finally {
    await f.sshd.stop();
    fs.rmSync(f.dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  },
);
