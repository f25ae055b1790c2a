/**
 * Log viewer benchmark: opening the tail of a 1 GB remote log to the first decorated window (the
 * core code the editor's provider runs, in-process: fetch the window over the pool, match it,
 * compute the decoration ranges) side by side with its anchor, `ssh host tail -n 5000 FILE`; the
 * process's memory growth while viewing (window held, decorations computed, following); and the
 * follow latency (a line appended on the host → decorated here). One real sshd on loopback;
 * runs interleaved; medians and p90s. Exits non-zero only when something fails to run.
 *
 *   npx tsx bench/logview.bench.ts [--gb 1] [--reps 15] [--follow-reps 30] [--keep]
 *
 * Needs root plus Debian openssh-server and openssh-client (see bench/README.md).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../src/core/catalog/catalogLoader';
import { markRanges } from '../src/core/logs/findingView';
import { logCatalogOf, resolveLogs } from '../src/core/logs/logCatalog';
import { compileLogMatcher } from '../src/core/logs/logMatcher';
import { scanText } from '../src/core/logs/logScanner';
import { WindowText } from '../src/core/logs/logWindow';
import { RemoteFollow, RemoteLogSource, type RemoteExec } from '../src/core/logs/remoteLogSource';
import { HostKeyVerifier } from '../src/core/ssh/hostKeys';
import { knownHostsStore } from '../src/core/ssh/sshConnection';
import { SshPool } from '../src/core/ssh/sshPool';
import type { SshTarget } from '../src/core/ssh/types';
import { ensureTestUser, Sshd, SSH } from '../test/integration/fixtures/sshd';
import { median } from './stats';

const ROOT = path.join(__dirname, '..');
const HOST = '127.0.6.1';

const { values: opts } = parseArgs({
  options: {
    gb: { type: 'string', default: '1' },
    reps: { type: 'string', default: '15' },
    'follow-reps': { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
  },
});
const REPS = Number(opts.reps);
const FOLLOW_REPS = Number(opts['follow-reps']);

const now = () => Number(process.hrtime.bigint()) / 1e6;
const p90 = (s: number[]) => [...s].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.9 * s.length) - 1)];
const mb = (bytes: number) => (bytes / (1 << 20)).toFixed(1);

function run(cmd: string, args: string[]): Promise<{ code: number | null; bytes: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, bytes, stderr }));
  });
}

async function main(): Promise<void> {
  const user = await ensureTestUser();
  const sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-logview-bench-'));
  fs.chmodSync(dir, 0o777);
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, sshd.knownHostsFor([HOST]));
  const verifier = await HostKeyVerifier.load([knownHosts]);
  const deps = { hostKeys: knownHostsStore(verifier, path.join(dir, 'product_known_hosts')), unknownHosts: { acceptUnknownHost: async () => false } };
  const target: SshTarget = { name: HOST, host: HOST, port: sshd.port, user: user.name, identityFiles: [user.keys.plain], jumps: [], keepaliveInterval: 15, keepaliveCountMax: 3, connectTimeout: 10 };
  let pool = new SshPool(deps);
  const exec: RemoteExec = (command, options) => pool.exec(target, command, options);
  const file = path.join(dir, 'registry', 'common-error.log');
  const sshArgs = ['-F', '/dev/null', '-i', user.keys.plain, '-p', String(sshd.port), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'];
  const control = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${dir}/cm`, '-o', 'ControlPersist=120'];
  try {
    // --- the log: generated on the host by the login user, with a shell loop ---------------------
    const blocks = Math.round(Number(opts.gb) * 1024);
    const t0 = now();
    const gen = await exec([
      `mkdir -p '${dir}/registry' && cd '${dir}/registry'`,
      // 1 MiB of logback lines (~180 bytes), a known error every 2,000 lines, then the block repeated.
      `awk 'BEGIN { n = 0; while (n < 1048576) { i++; if (i % 2000 == 0) m = "get server list error, url: http://sofa-registry:9603/api/servers/query"; else if (i % 700 == 0) m = "Failed trying connect to 100.81.77." (i % 250) ":9600"; else m = "register publisher success, dataId: com.alipay.test.facade.SampleService" (i % 50) ":1.0@DEFAULT, registId: " i; line = sprintf("2024-05-06 10:11:%02d,%03d INFO  DefaultServerManager#77 %-32s - %s", i % 60, i % 1000, "ServerManagerRefresh-1-thread-1", m); print line; n += length(line) + 1 } }' > block`,
      `i=0; while [ $i -lt ${blocks} ]; do cat block; i=$((i+1)); done > common-error.log && rm block`,
    ].join('\n'), { timeoutMs: 600_000 });
    if (gen.outcome !== 'ok') throw new Error(`generating the log failed: ${gen.message ?? gen.stderr}`);
    const size = fs.statSync(file).size;
    console.log(`log: ${mb(size)} MB generated on the host in ${((now() - t0) / 1000).toFixed(1)} s (${file})`);

    // --- the matcher, as the viewer compiles it once per log kind --------------------------------
    const logCatalog = logCatalogOf((await loadCatalog(path.join(ROOT, 'runbooks'))).catalog);
    const matcher = compileLogMatcher(logCatalog, resolveLogs(logCatalog, file));

    /** Ours: fetch the tail window and decorate it (what the provider + decorations do on open). */
    const openWindow = async () => {
      const source = new RemoteLogSource(exec, file);
      const window = await source.tail();
      const { findings } = scanText(matcher, window.text + window.partial);
      const marks = markRanges(findings);
      return { window, marks };
    };
    const sanity = await openWindow();
    if (sanity.window.lines !== 5000 || !sanity.marks.lines.length) throw new Error(`unexpected window: ${sanity.window.lines} lines, ${sanity.marks.lines.length} marked`);
    const anchorBytes = (await run(SSH, [...sshArgs, `${user.name}@${HOST}`, 'tail', '-n', '5000', file])).bytes;
    console.log(`window: ${sanity.window.lines} lines, ${mb(Buffer.byteLength(sanity.window.text))} MB (anchor sent ${mb(anchorBytes)} MB), ${sanity.marks.lines.length} lines marked`);

    // --- 1. first decorated window vs ssh tail ---------------------------------------------------
    const rows: Record<string, number[]> = { warmOurs: [], warmSsh: [], coldOurs: [], coldSsh: [] };
    await run(SSH, [...sshArgs, ...control, `${user.name}@${HOST}`, 'true']); // start the master
    const steps: Array<[keyof typeof rows, () => Promise<void>]> = [
      ['warmOurs', async () => void (await openWindow())],
      ['warmSsh', async () => {
        const r = await run(SSH, [...sshArgs, ...control, `${user.name}@${HOST}`, 'tail', '-n', '5000', file]);
        if (r.code !== 0) throw new Error(r.stderr);
      }],
      ['coldOurs', async () => {
        pool.dispose();
        pool = new SshPool(deps);
        await openWindow();
      }],
      ['coldSsh', async () => {
        const r = await run(SSH, [...sshArgs, `${user.name}@${HOST}`, 'tail', '-n', '5000', file]);
        if (r.code !== 0) throw new Error(r.stderr);
      }],
    ];
    for (const [, step] of steps) await step(); // warm-up
    for (let rep = 0; rep < REPS; rep++) {
      for (let k = 0; k < steps.length; k++) {
        const [label, step] = steps[(rep + k) % steps.length];
        const t = now();
        await step();
        rows[label].push(now() - t);
      }
      process.stderr.write('.');
    }
    process.stderr.write('\n');

    // --- 2. memory while viewing -----------------------------------------------------------------
    await openWindow(); // the pool is connected, the matcher compiled: what an editor session has
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        global.gc?.();
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    await settle();
    const before = process.memoryUsage();
    // Peak RSS while viewing, sampled: what the user's machine actually has to give.
    let peakRss = before.rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
    const viewing = await openWindow();
    const held = new WindowText(viewing.window, 50_000);
    await settle();
    const afterOpen = process.memoryUsage();

    // --- 3. follow: appended on the host → decorated here ---------------------------------------
    const latencies: number[] = [];
    let waiting: { marker: string; started: number; resolve: () => void } | undefined;
    const follow = new RemoteFollow(exec, file, {
      offset: viewing.window.end,
      inode: viewing.window.inode,
      onText: (text) => {
        held.append(text);
        const marks = markRanges(scanText(matcher, text).findings);
        if (waiting && text.includes(waiting.marker) && marks.lines.length) {
          latencies.push(now() - waiting.started);
          waiting.resolve();
          waiting = undefined;
        }
      },
    });
    while (follow.currentState !== 'following') await new Promise((r) => setTimeout(r, 10));
    const appendRemote = async (line: string) => {
      const r = await exec(`printf '%s\\n' '${line}' >> '${file}'`);
      if (r.outcome !== 'ok') throw new Error(r.stderr);
    };
    for (let i = 0; i < FOLLOW_REPS; i++) {
      const marker = `follow-marker-${i}`;
      const line = `2024-05-06 10:12:00,000 ERROR DefaultServerManager#103 main                             - get server list error, url: http://x/${marker}`;
      const done = new Promise<void>((resolve) => (waiting = { marker, started: now(), resolve }));
      // Timed from just before the append command: includes its own round trip, as a remote writer's would not.
      waiting!.started = now();
      await appendRemote(line);
      await done;
    }
    // Following a busy log: 20,000 more lines stream through the window (bounded at 50,000 lines).
    const burst = await exec(`awk 'BEGIN { for (i = 0; i < 20000; i++) printf "2024-05-06 10:13:00,000 INFO  DefaultServerManager#77 main                             - burst line %d\\n", i }' >> '${file}'`);
    if (burst.outcome !== 'ok') throw new Error(burst.stderr);
    while (!held.text.includes('burst line 19999')) await new Promise((r) => setTimeout(r, 20));
    clearInterval(sampler);
    await settle();
    const afterFollow = process.memoryUsage();
    peakRss = Math.max(peakRss, afterFollow.rss);
    follow.dispose();
    await follow.done;

    // --- report ----------------------------------------------------------------------------------
    const row = (label: string, s: number[], anchor?: number[]) =>
      `| ${label} | ${median(s).toFixed(1)} ms | ${p90(s).toFixed(1)} ms | ${anchor ? `${(median(s) / median(anchor)).toFixed(2)}×` : '1.00×'} | ${s.length} |`;
    console.log(`\n## Log viewer (${mb(size)} MB log, Node ${process.version}, ${os.cpus().length} CPUs)\n`);
    console.log('| row | median | p90 | ratio to anchor | n |\n|---|---|---|---|---|');
    console.log(row('ours, warm pool: tail window + matched + decoration ranges', rows.warmOurs, rows.warmSsh));
    console.log(row('`ssh` ControlMaster (warm): `tail -n 5000 FILE`', rows.warmSsh));
    console.log(row('ours, new connection each time (handshake included)', rows.coldOurs, rows.coldSsh));
    console.log(row('`ssh host tail -n 5000 FILE` (new process and connection)', rows.coldSsh));
    const growth = (a: NodeJS.MemoryUsage, b: NodeJS.MemoryUsage) =>
      `RSS +${mb(b.rss - a.rss)} MB, heap +${mb(b.heapUsed - a.heapUsed)} MB, external+buffers +${mb(b.external + b.arrayBuffers - a.external - a.arrayBuffers)} MB`;
    console.log(`\nmemory while viewing (gc ${global.gc ? 'forced' : 'not exposed: run with --expose-gc for steadier numbers'}):`);
    console.log(`- window open and decorated: ${growth(before, afterOpen)}`);
    console.log(`- after following ${FOLLOW_REPS} appended lines and a 20,000-line burst (window ${held.lines} lines): ${growth(before, afterFollow)}`);
    console.log(`- peak RSS while opening and following, sampled every 5 ms: +${mb(peakRss - before.rss)} MB over the baseline`);
    console.log(`\nfollow latency (appended on the host → decorated here), ${latencies.length} lines: median ${median(latencies).toFixed(1)} ms, p90 ${p90(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms`);
    console.log('(the editor adds its redraw throttle on top: at most 100 ms for the text, 150 ms for decorations)');
  } finally {
    pool.dispose();
    spawn(SSH, [...sshArgs, ...control, '-O', 'exit', `${user.name}@${HOST}`], { stdio: 'ignore' });
    await sshd.stop();
    if (!opts.keep) fs.rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
