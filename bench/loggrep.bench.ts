/**
 * Cross-host log search benchmark, side by side with its anchors in the same run, interleaved:
 *   A. `sofa-ops logs grep LITERAL` over N loopback hosts × an M MB log vs
 *      `parallel-ssh -p N -i grep -n -F LITERAL` on the same hosts and file;
 *   B. a one-minute `--since/--until` window from a big log vs `ssh host "awk '…range…' FILE"`
 *      and vs streaming the file (`ssh host cat FILE | awk '…range…'` here), plus our memory growth.
 * Every host of the real sshd fixture reads the same file (they share this machine's disk and
 * page cache, for us and for the anchors alike). Prints medians and ours/anchor ratios.
 *
 *   npx tsx bench/loggrep.bench.ts [--hosts 50] [--mb 200] [--big-mb 1024] [--reps 3] [--no-build]
 *
 * Needs root, openssh-server/-client and pssh (see bench/README.md).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { ensureTestUser, Sshd, SSH } from '../test/integration/fixtures/sshd';
import { loadCatalog } from '../src/core/catalog/catalogLoader';
import { loadInventory } from '../src/core/inventory/inventory';
import { grepOnHosts } from '../src/core/logs/hostGrep';
import { logCatalogOf } from '../src/core/logs/logCatalog';
import { parseWindow } from '../src/core/logs/timeWindow';
import { HostKeyVerifier } from '../src/core/ssh/hostKeys';
import { knownHostsStore } from '../src/core/ssh/sshConnection';
import { SshPool } from '../src/core/ssh/sshPool';
import type { SshTarget } from '../src/core/ssh/types';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'sofa-ops.js');
const PSSH = '/usr/bin/parallel-ssh';
const { values: opts } = parseArgs({
  options: {
    hosts: { type: 'string', default: '50' },
    mb: { type: 'string', default: '200' },
    'big-mb': { type: 'string', default: '1024' },
    reps: { type: 'string', default: '3' },
    'no-build': { type: 'boolean', default: false },
  },
});
const N = Number(opts.hosts);
const MB = Number(opts.mb);
const BIG_MB = Number(opts['big-mb']);
const REPS = Number(opts.reps);
const HOSTS = Array.from({ length: N }, (_, i) => `127.0.8.${i + 1}`);
const LITERAL = 'get server list error, url: http://sofa-registry:9603/api/servers/query';

/** Logback lines 10 ms apart from 2026-11-02 00:00, a known error every 1,000th line, a stack trace every 500th. */
function generate(file: string, mb: number): void {
  const program = `BEGIN { for (i = 0; bytes < limit; i++) { t = int(i / 100); d = 2 + int(t / 86400); ms = (i % 100) * 10
    ts = sprintf("2026-11-%02d %02d:%02d:%02d,%03d", d, int(t / 3600) % 24, int(t / 60) % 60, t % 60, ms)
    if (i % 1000 == 999) l = ts " ERROR DefaultServerManager#103 main - ${LITERAL}"
    else l = ts " INFO  DefaultServerManager#77 main - register publisher success, dataId: com.alipay.test.SampleService:1.0@DEFAULT, n " i
    print l; bytes += length(l) + 1
    if (i % 500 == 0) { print "java.lang.IllegalStateException: boom " i; print "\\tat com.alipay.Foo.bar(Foo.java:12)"; bytes += 70 } } }`;
  const r = spawnSync('sh', ['-c', `awk -v limit=${mb * 1024 * 1024} '${program.replace(/'/g, `'\\''`)}' > "$1"`, 'sh', file], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`generating ${file} failed`);
  fs.chmodSync(file, 0o644);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; code: number | null; bytes: number; stderr: string }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, code, bytes, stderr }));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('run as root (the sshd fixture needs it)');
  if (!fs.existsSync(PSSH)) throw new Error(`${PSSH} is missing: apt-get install -y pssh`);
  if (!opts['no-build']) spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const user = await ensureTestUser();
  const sshd = await Sshd.start({ maxStartups: '200:30:400', maxSessions: 64, hostKeyTypes: ['ed25519'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-loggrep-bench-'));
  fs.chmodSync(dir, 0o755);
  try {
    const home = path.join(dir, 'home');
    fs.mkdirSync(path.join(home, '.sofa-ops'), { recursive: true });
    const knownHosts = path.join(dir, 'known_hosts');
    fs.writeFileSync(knownHosts, sshd.knownHostsFor(HOSTS));
    const log = path.join(dir, 'app.log');
    const big = path.join(dir, 'big.log');
    console.log(`generating ${MB} MB and ${BIG_MB} MB logs in ${dir}…`);
    generate(log, MB);
    generate(big, BIG_MB);
    const inventory = path.join(dir, 'inventory.yaml');
    fs.writeFileSync(inventory, ['defaults:', `  port: ${sshd.port}`, `  user: ${user.name}`, `  identityFile: ${user.keys.plain}`, `  logRoot: ${dir}`, 'hosts:', ...HOSTS.map((h, i) => `  - { name: h${i + 1}, host: ${h}, groups: [bench] }`), ''].join('\n'));
    const psshHosts = path.join(dir, 'pssh-hosts');
    fs.writeFileSync(psshHosts, HOSTS.join('\n') + '\n');
    const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: home, SOFA_OPS_HOME: path.join(home, '.sofa-ops'), SSH_AUTH_SOCK: '' };
    const sshOpts = ['-F', '/dev/null', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-i', user.keys.plain, '-p', String(sshd.port)];
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

    // A. one literal over N hosts × MB.
    const ours: number[] = [];
    const pssh: number[] = [];
    let oursBytes = 0;
    let psshBytes = 0;
    for (let rep = 0; rep <= REPS; rep++) {
      const a = await run(process.execPath, [CLI, 'logs', 'grep', LITERAL, '--host', 'bench', '--inventory', inventory, '--known-hosts', knownHosts, '--log', './app.log'], env);
      if (a.code !== 0) throw new Error(`sofa-ops logs grep: exit ${a.code}\n${a.stderr}`);
      const b = await run(PSSH, ['-p', String(N), '-h', psshHosts, '-l', user.name, '-t', '300', '-x', sshOpts.map(q).join(' '), '-i', `LC_ALL=C grep -a -n -F -e ${q(LITERAL)} -- ${q(log)}`], env);
      if (b.code !== 0) throw new Error(`parallel-ssh: exit ${b.code}\n${b.stderr.slice(0, 2000)}`);
      if (rep === 0) continue; // warm-up
      ours.push(a.ms);
      pssh.push(b.ms);
      oursBytes = a.bytes;
      psshBytes = b.bytes;
    }
    const matches = Number(spawnSync('grep', ['-c', '-F', LITERAL, log], { encoding: 'utf8' }).stdout.trim());
    console.log(`\nA. one literal, ${N} hosts × ${MB} MB (${matches} matching lines per host), ${REPS} runs, median s`);
    console.log(`   sofa-ops logs grep            ${(median(ours) / 1000).toFixed(2)}  runs ${ours.map((x) => (x / 1000).toFixed(2)).join(' ')}  stdout ${oursBytes} B`);
    console.log(`   parallel-ssh -p ${N} -i grep -n ${(median(pssh) / 1000).toFixed(2)}  runs ${pssh.map((x) => (x / 1000).toFixed(2)).join(' ')}  stdout ${psshBytes} B`);
    console.log(`   ratio ${(median(ours) / median(pssh)).toFixed(2)}× (target ≤ 1.3×)`);

    // B. a one-minute window in the middle of the big log, one host.
    const size = fs.statSync(big).size;
    const midLine = spawnSync('sh', ['-c', `tail -c +${Math.floor(size / 2)} -- "$1" | grep -m1 -E '^2026-'`, 'sh', big], { encoding: 'utf8' }).stdout;
    const minute = midLine.slice(0, 16); // 2026-11-02 HH:MM
    const next = new Date(`${minute.replace(' ', 'T')}:00Z`);
    next.setUTCMinutes(next.getUTCMinutes() + 1);
    const until = next.toISOString().slice(0, 16).replace('T', ' ');
    const since = minute;
    const window = parseWindow(since, until);
    const s = window.since!.replace('.', ',');
    const u = window.until!.replace('.', ',');
    const awkProgram = `/^20[0-9][0-9]-/ { c = substr($0, 1, 23) } c >= s && c < u { print NR ":" $0 }`;
    const oursB: number[] = [];
    const awkB: number[] = [];
    const streamB: number[] = [];
    let linesOurs = 0;
    let linesAwk = 0;
    for (let rep = 0; rep <= REPS; rep++) {
      const a = await run(process.execPath, [CLI, 'logs', 'grep', '^', '--regex', '--since', since, '--until', until, '--host', 'h1', '--inventory', inventory, '--known-hosts', knownHosts, '--log', './big.log'], env);
      if (a.code !== 0) throw new Error(`sofa-ops logs grep window: exit ${a.code}\n${a.stderr}`);
      const b = await run(SSH, [...sshOpts, '-l', user.name, HOSTS[0], `LC_ALL=C awk -v s=${q(s)} -v u=${q(u)} ${q(awkProgram)} ${q(big)}`], env);
      const c = await run('sh', ['-c', `"$0" "$@" | LC_ALL=C awk -v s=${q(s)} -v u=${q(u)} ${q(awkProgram)}`, SSH, ...sshOpts, '-l', user.name, HOSTS[0], `cat ${q(big)}`], env);
      if (rep === 0) {
        linesOurs = a.bytes;
        linesAwk = b.bytes;
        continue;
      }
      oursB.push(a.ms);
      awkB.push(b.ms);
      streamB.push(c.ms);
    }
    // Memory growth of the search itself, in-process (the CLI's is Node's start-up plus this).
    const catalog = logCatalogOf((await loadCatalog(path.join(ROOT, 'runbooks'))).catalog);
    const { inventory: inv } = await loadInventory(inventory);
    const verifier = await HostKeyVerifier.load([knownHosts]);
    const pool = new SshPool({ hostKeys: knownHostsStore(verifier, path.join(home, '.sofa-ops', 'known_hosts')), unknownHosts: { acceptUnknownHost: async () => false } });
    const t: SshTarget = { name: 'h1', host: HOSTS[0], port: sshd.port, user: user.name, identityFiles: [user.keys.plain], jumps: [], keepaliveInterval: 15, keepaliveCountMax: 3, connectTimeout: 10 };
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const [r] = await grepOnHosts((tt, c, o) => pool.exec(tt, c, o), catalog, inv.hosts.slice(0, 1), [t], { log: big, query: { pattern: '^', regex: true, window } });
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    pool.dispose();
    console.log(`\nB. one minute (${since} – ${until}) of a ${(size / 1e6).toFixed(0)} MB log, one host, ${REPS} runs, median s`);
    console.log(`   sofa-ops logs grep --since/--until   ${(median(oursB) / 1000).toFixed(2)}  runs ${oursB.map((x) => (x / 1000).toFixed(2)).join(' ')}  stdout ${linesOurs} B`);
    console.log(`   ssh host "awk range" FILE             ${(median(awkB) / 1000).toFixed(2)}  runs ${awkB.map((x) => (x / 1000).toFixed(2)).join(' ')}  stdout ${linesAwk} B`);
    console.log(`   ssh host cat FILE | awk range (stream) ${(median(streamB) / 1000).toFixed(2)}  runs ${streamB.map((x) => (x / 1000).toFixed(2)).join(' ')}`);
    console.log(`   ratio to awk ${(median(oursB) / median(awkB)).toFixed(2)}× (target ≤ 2×), to streaming ${(median(oursB) / median(streamB)).toFixed(2)}× (target ≤ 0.2×)`);
    console.log(`   in-process: ${r.matches} lines, ${r.transferred} bytes transferred, RSS growth ${((peak - rss0) / 1e6).toFixed(1)} MB (target < 50 MB)`);
  } finally {
    await sshd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
