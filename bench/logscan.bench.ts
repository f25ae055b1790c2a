/**
 * Log-scanning benchmark: `sofa-ops logs scan --count FILE` side by side with its anchor, GNU
 * `grep -F -c -f literals.txt FILE`, over the same generated log with the same literals (the
 * literal text of every catalog pattern that applies to a log the catalog does not know: the
 * "full pattern set"). Runs are interleaved so machine noise hits both alike; prints medians and
 * the ratio. The target (issue 6) is ours ≤ 1.5× grep. Exits non-zero only when something fails
 * to run or the two disagree on the count.
 *
 *   npx tsx bench/logscan.bench.ts [--mb 200] [--reps 5] [--no-build] [--keep] [--naive] [--dense]
 *
 * The log is generated deterministically (same bytes every run): SOFA layouts (logback client
 * lines, registry-server lines, digests, heartbeats), Java stack traces, Chinese text, and the
 * catalog's known messages at a low rate (about 1 line in 5,000), plus look-alikes that must not count.
 * `--dense` puts a known line at about 1 line in 6 (issue 14: a broker log full of healthy heartbeats),
 * where the cost is per hit line, not per byte.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../src/core/catalog/catalogLoader';
import { logCatalogOf } from '../src/core/logs/logCatalog';
import { compileLogMatcher } from '../src/core/logs/logMatcher';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'sofa-ops.js');

const { values: opts } = parseArgs({
  options: {
    mb: { type: 'string', default: '200' },
    reps: { type: 'string', default: '5' },
    'no-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    naive: { type: 'boolean', default: false },
    // Known lines dense (about 1 in 6, mostly a broker's healthy heartbeat) instead of rare.
    dense: { type: 'boolean', default: false },
  },
});

function xorshift(seed: number): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Writes `bytes` of realistic log to `file`; returns how many known-message lines it holds. Known
 * lines come at `knownRate` per line; with `dense`, four in five of them are a broker's healthy
 * `ServerHAHeartbeat result [OK]` line in its own layout (§4.3.1.1), the rest the other messages.
 */
function generateLog(file: string, bytes: number, messages: string[], knownRate: number, dense: boolean): number {
  const rnd = xorshift(20261126);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const time = (sep: string) =>
    `2026-11-${pad(1 + Math.floor(rnd() * 28), 2)} ${pad(Math.floor(rnd() * 24), 2)}:${pad(Math.floor(rnd() * 60), 2)}:${pad(Math.floor(rnd() * 60), 2)}${sep}${pad(Math.floor(rnd() * 1000), 3)}`;
  const ip = () => `100.81.${Math.floor(rnd() * 255)}.${Math.floor(rnd() * 255)}`;
  const threads = ['main', 'SOFA-BOLT-BIZ-4-5-T12', 'registry-client-worker-3', 'msgWorkTP-6646123-1-thread-1', 'SessionServerThread-3', 'pool-2-thread-7', 'DrmHeartbeatExecutor-1'];
  const classes = ['DefaultRegistryClient#88', 'DefaultServerManager#103', 'ClientConnection#142', 'DefaultObserverHandler#67', 'DrmClient#212', 'TaskDispatcher#57'];
  const loggers = ['DataChangeRequestHandler', 'SessionRegistry', 'DecisionLogger', 'MetaServerManager', 'RaftServer'];
  const infos = [
    () => `register publisher success, dataId: com.alipay.test.facade.SampleService${Math.floor(rnd() * 50)}:1.0@DEFAULT, registId: ${Math.floor(rnd() * 1e9).toString(16)}`,
    () => `receive subscriber data, dataId: com.alipay.sofa.rpc.HelloService:1.0@DEFAULT, segment: registry-session-1, version: ${Math.floor(rnd() * 1e10)}`,
    () => `Heartbeat to server ${ip()}:9600 ok, cost ${Math.floor(rnd() * 20)}ms`,
    () => `Subscriber notify task completed in ${Math.floor(rnd() * 50)} ms, ${Math.floor(rnd() * 9)} providers`,
    () => `sync data from ${ip()}:9601 finished, size ${Math.floor(rnd() * 1e5)} bytes`,
    () => `服务注册成功，dataId: com.alipay.demo.Service${Math.floor(rnd() * 50)}:1.0@DEFAULT，耗时 ${Math.floor(rnd() * 30)} 毫秒`,
    () => `connection pool stats active=${Math.floor(rnd() * 32)} idle=${Math.floor(rnd() * 8)} max=32 refused=0`,
    () => `GET /health/check 200 ${Math.floor(rnd() * 5)}ms`,
    // Look-alikes: near the known messages, but not them.
    () => `get server list success, ${Math.floor(rnd() * 5)} servers`,
    () => `Connection established to ${ip()}:9529, no available slots reported`,
    () => `client registered, appName: demo-${Math.floor(rnd() * 10)}`,
  ];
  const line = (): string => {
    const r = rnd();
    if (r < 0.45) return `${time(',')} INFO  ${pick(classes).padEnd(26)} ${pick(threads).padEnd(32)} - ${pick(infos)()}`;
    if (r < 0.8) return `[${time(',')}][INFO][${pick(threads)}][${pick(loggers)}] - ${pick(infos)()}`;
    if (r < 0.88) return `${time('.')},,0ad1348f${Math.floor(rnd() * 1e12)},0.1.d6502e1f,6fafc09cd670fa39,1e4cf860680dad98,_NOTIFYTEST,sofa30,P-P-helloworld-pub-group,01,${Math.floor(rnd() * 4000)}B,${Math.floor(rnd() * 30)}ms,msgbroker.rz00b.alipay.net,0,msgWorkTP-6646123-1-thread-1,mark=T&uid=a2&`;
    if (r < 0.96) return `${rnd() < 0.99 ? 'Y' : 'N'};${Math.floor(rnd() * 5)}ms;GZ00B;UX8YY6AL9CHS;${ip()};240;0;bolt`;
    if (r < 0.99) return `${time(',')} - [(TP_F_SC,EC_CALLBACK,Y,A92375EEE5858C29C5BB28E7F32D6226,908c3094334272a5845073adc9b9887a,ifcfluxbatch-1-1,P_fcfluxbatch_dynamic_task,1,R,2,2,611,dms-1-1-msgdb,64514a5515277576589056997,0,-)]`;
    return [
      `${time(',')} WARN  ${pick(classes).padEnd(26)} ${pick(threads).padEnd(32)} - retry later`,
      'java.util.concurrent.TimeoutException: wait response timeout',
      '\tat com.alipay.remoting.rpc.RpcResponseResolver.preProcess(RpcResponseResolver.java:93)',
      '\tat com.alipay.remoting.rpc.RpcRemoting.invokeSync(RpcRemoting.java:188)',
      '\t... 23 more',
    ].join('\n');
  };
  const out = fs.openSync(file, 'w');
  let written = 0;
  let known = 0;
  let parts: string[] = [];
  let size = 0;
  while (written < bytes) {
    let text: string;
    if (rnd() < knownRate) {
      known++;
      text = dense && rnd() < 0.8
        ? `${time(',')} - ServerHAHeartbeat result [OK] meta [ServerHAHeartbeatMeta[hostname=dms-1-${1 + Math.floor(rnd() * 4)},ip=${ip()}]]`
        : `${time(',')} ERROR ${pick(classes).padEnd(26)} ${pick(threads).padEnd(32)} - ${pick(messages)} (${ip()})`;
    } else text = line();
    parts.push(text, '\n');
    size += text.length + 1;
    if (size > 1 << 20) {
      const buf = Buffer.from(parts.join(''));
      fs.writeSync(out, buf);
      written += buf.length;
      parts = [];
      size = 0;
    }
  }
  fs.closeSync(out);
  return known;
}

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): { seconds: number; stdout: string } {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.error) throw r.error;
  // logs scan exits 1 when it found error lines; grep exits 1 when it found none.
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!opts['no-build']) {
    const b = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('npm run build failed');
  }
  const { catalog, problems } = await loadCatalog(path.join(ROOT, 'runbooks'));
  if (problems.length) throw new Error(`catalog has ${problems.length} problem(s)`);
  const logCatalog = logCatalogOf(catalog);
  // A file the catalog does not know gets every pattern that identifies a message by its text.
  const matcher = compileLogMatcher(logCatalog, []);
  const literalOnly = matcher.patterns.filter((p) => !p.regex).map((p) => p.pattern.match);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-logscan-'));
  const log = path.join(dir, 'sofa-mixed.log');
  const literalsFile = path.join(dir, 'literals.txt');
  fs.writeFileSync(literalsFile, matcher.literals.join('\n') + '\n');
  const env = { ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache'), LANG: 'C' };
  try {
    const mb = Number(opts.mb);
    let t = Date.now();
    if (opts.dense && !literalOnly.includes('ServerHAHeartbeat result [OK]')) throw new Error('the catalog no longer has the heartbeat pattern --dense is built on');
    const known = generateLog(log, mb * 1024 * 1024, literalOnly, opts.dense ? 1 / 6 : 0.0002, opts.dense);
    const bytes = fs.statSync(log).size;
    console.log(`generated ${(bytes / 1e6).toFixed(0)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s: ${known} known-message lines`);
    console.log(`patterns: ${matcher.patterns.length} (${matcher.literals.length} literals for ${matcher.patterns.length - matcher.linePatterns.length} of them), shortest literal ${Math.min(...matcher.literals.map((l) => Buffer.byteLength(l)))} bytes`);
    spawnSync('cat', [log], { stdio: ['ignore', 'ignore', 'ignore'] }); // page cache warm for both

    t = Date.now();
    const cold = time('node', [CLI, 'logs', 'scan', '--count', '--json', log], env);
    const ours = JSON.parse(cold.stdout) as { total: number };
    const grepCount = Number(time('grep', ['-F', '-c', '-f', literalsFile, log], env).stdout.trim());
    console.log(`first run (catalog cache cold): ${cold.seconds.toFixed(3)} s; count ours ${ours.total}, grep ${grepCount}`);
    if (ours.total !== grepCount) throw new Error(`counts differ: ours ${ours.total}, grep ${grepCount}`);

    const reps = Number(opts.reps);
    const oursTimes: number[] = [];
    const grepTimes: number[] = [];
    const naiveTimes: number[] = [];
    const naiveScript = `const fs=require('fs');const lits=fs.readFileSync(${JSON.stringify(literalsFile)},'utf8').split('\\n').filter(Boolean);` +
      `const re=new RegExp(lits.map(l=>l.replace(/[.*+?^\${}()|[\\]\\\\]/g,'\\\\$&')).join('|'));let n=0,carry='';` +
      `const fd=fs.openSync(${JSON.stringify(log)},'r');const buf=Buffer.alloc(4<<20);let r;` +
      `while((r=fs.readSync(fd,buf,0,buf.length,null))>0){const lines=(carry+buf.toString('utf8',0,r)).split('\\n');carry=lines.pop();for(const l of lines)if(re.test(l))n++;}if(carry&&re.test(carry))n++;console.log(n);`;
    for (let i = 0; i < reps; i++) {
      oursTimes.push(time('node', [CLI, 'logs', 'scan', '--count', log], env).seconds);
      grepTimes.push(time('grep', ['-F', '-c', '-f', literalsFile, log], env).seconds);
      if (opts.naive && i < 3) naiveTimes.push(time('node', ['-e', naiveScript], env).seconds);
    }
    const o = median(oursTimes);
    const g = median(grepTimes);
    const rows = [
      ['sofa-ops logs scan --count', o, oursTimes],
      ['grep -F -c -f literals.txt', g, grepTimes],
      ...(naiveTimes.length ? [['one combined JS RegExp per line (naive)', median(naiveTimes), naiveTimes] as const] : []),
    ] as const;
    console.log(`\n${(bytes / 1e6).toFixed(0)} MB, ${reps} interleaved runs, medians (node ${process.version}, ${os.cpus().length} CPUs, ${spawnSync('grep', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]})`);
    console.log('| tool | median s | ratio to grep | runs |');
    console.log('|---|---|---|---|');
    for (const [name, m, all] of rows) console.log(`| ${name} | ${m.toFixed(3)} | ${(m / g).toFixed(2)}× | ${all.map((x) => x.toFixed(3)).join(' ')} |`);
    console.log(`\nours / grep = ${(o / g).toFixed(2)}× (target ≤ 1.5×) ${o / g <= 1.5 ? 'MET' : 'MISSED'}`);
  } finally {
    if (opts.keep) console.log(`kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
