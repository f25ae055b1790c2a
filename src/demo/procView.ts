/**
 * Each demo container's own /proc/loadavg, /proc/stat and /proc/meminfo, as LXCFS gives real
 * containers: without it every container would show this machine's load and CPU (a busy CI
 * machine would make the whole healthy site fail its load5 > 3 check). The files live in
 * `.demo/containers/NAME/proc/` and are bind-mounted over /proc inside the container (namespaces
 * mode only); they are rewritten in place twice a second, since a bind mount pins the inode.
 * The CPU counters advance by the wall-clock time since the last write, so a check that samples
 * /proc/stat a second apart sees them move even when a loaded machine delays a write.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { IDisposable } from '../core/dispose';
import type { ContainerSpec } from './siteModel';

const CPUS = 4;
const HZ = 100;
const MEM_TOTAL_KB = 8 * 1024 * 1024;

interface CpuState {
  user: number;
  system: number;
  idle: number;
  iowait: number;
  load: number;
}

export class ProcView implements IDisposable {
  private timer: NodeJS.Timeout | undefined;
  private elapsed = 0;
  private readonly cpu = new Map<string, CpuState>();
  private readonly btime = readBtime();

  constructor(
    private readonly containers: readonly ContainerSpec[],
    private readonly dirOf: (c: ContainerSpec) => string,
    private readonly random: () => number = Math.random,
    /** The metrics-unavailable fault: the container's files hold nothing readable. */
    private readonly unavailable: (c: ContainerSpec) => boolean = () => false,
  ) {}

  private readonly meminfoText = new Map<string, string>();

  /** Writes the files once (they must exist before the containers mount them), then every second. */
  start(useWorker = false): void {
    this.containers.forEach((c, i) => {
      fs.mkdirSync(this.dirOf(c), { recursive: true });
      // A few minutes of uptime, a light and steady load that differs per container.
      this.cpu.set(c.name, { user: 30_000 + i * 997, system: 9_000 + i * 331, idle: 480_000, iowait: 700, load: 0.25 + (i % 5) * 0.08 });
      this.meminfoText.set(c.name, meminfo(0.42 + (i % 4) * 0.04));
      writeInPlace(path.join(this.dirOf(c), 'meminfo'), this.meminfoText.get(c.name)!);
    });
    this.tick();
    if (useWorker) this.startWorker();
    // Four times a second: a check reads /proc/stat twice 1 s apart, and on a busy machine a
    // once-a-second rewrite can come late enough that the counters seem to stand still.
    this.timer = setInterval(() => this.tick(0.25), 250);
    this.timer.unref();
  }

  /**
   * /proc/stat from a thread of its own: the main thread serves every SSH session of the site,
   * and while 50 hosts are inspected at once it can be busy for more than the 1 s a CPU check
   * waits between its two reads.
   */
  private startWorker(): void {
    const files = this.containers.map((c) => ({ file: path.join(this.dirOf(c), 'stat'), ...this.cpu.get(c.name)! }));
    try {
      const worker = new Worker(STAT_WORKER, { eval: true, workerData: { files, btime: this.btime, cpus: CPUS, hz: HZ } });
      worker.on('error', () => (this.worker = undefined));
      worker.unref();
      this.worker = worker;
      this.postUnavailable();
    } catch {
      this.worker = undefined;
    }
  }

  /** Tells the thread which containers' counters stand still (metrics-unavailable). */
  postUnavailable(): void {
    this.worker?.postMessage(this.containers.map((c) => this.unavailable(c)));
  }

  private worker: Worker | undefined;

  /** `seconds` of CPU time pass; the load and memory move once a second. */
  tick(seconds = 1): void {
    this.elapsed += seconds;
    const slow = this.elapsed >= 1;
    if (slow) this.elapsed = 0;
    for (const c of this.containers) {
      const s = this.cpu.get(c.name)!;
      const ticks = Math.round(CPUS * HZ * seconds);
      const busy = Math.round(ticks * (0.06 + this.random() * 0.08));
      s.user += Math.round(busy * 0.7);
      s.system += busy - Math.round(busy * 0.7);
      s.iowait += this.random() < 0.3 * seconds ? 1 : 0;
      s.idle += ticks - busy;
      const dir = this.dirOf(c);
      if (this.unavailable(c)) {
        // No MemTotal, no load, and CPU counters that stand still (ps needs a well-formed
        // /proc/stat, so it stays one).
        if (slow) for (const f of ['loadavg', 'meminfo']) writeInPlace(path.join(dir, f), 'unavailable\n');
        continue;
      }
      if (!this.worker) writeInPlace(path.join(dir, 'stat'), stat(s, this.btime));
      if (!slow) continue;
      s.load = Math.min(1.2, Math.max(0.05, s.load + (this.random() - 0.5) * 0.04));
      writeInPlace(path.join(dir, 'meminfo'), this.meminfoText.get(c.name)!);
      writeInPlace(path.join(dir, 'loadavg'), `${(s.load * 1.1).toFixed(2)} ${s.load.toFixed(2)} ${(s.load * 0.9).toFixed(2)} 1/120 ${1000 + Math.floor(this.random() * 9000)}\n`);
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    void this.worker?.terminate();
    this.worker = undefined;
  }
}

/** The thread of startWorker: the same counters and format as stat() below, four times a second. */
const STAT_WORKER = `
const fs = require('fs');
const { parentPort, workerData } = require('worker_threads');
const { files, btime, cpus, hz } = workerData;
let unavailable = files.map(() => false);
parentPort.on('message', (m) => { unavailable = m; });
const line = (s, name, div) => name + ' ' + Math.round(s.user / div) + ' 0 ' + Math.round(s.system / div) + ' ' + Math.round(s.idle / div) + ' ' + Math.round(s.iowait / div) + ' 0 0 0 0 0';
function text(s) {
  const lines = [line(s, 'cpu ', 1)];
  for (let i = 0; i < cpus; i++) lines.push(line(s, 'cpu' + i, cpus));
  lines.push('intr 0', 'ctxt 0', 'btime ' + btime, 'processes 120', 'procs_running 1', 'procs_blocked 0');
  return lines.join('\\n') + '\\n';
}
function write(file, t) {
  let fd;
  try { fd = fs.openSync(file, 'r+'); } catch { try { fs.writeFileSync(file, t); } catch {} return; }
  try {
    const old = fs.fstatSync(fd).size;
    let buf = Buffer.from(t);
    if (buf.length < old) buf = Buffer.concat([buf.subarray(0, buf.length - 1), Buffer.alloc(old - buf.length, ' '), Buffer.from('\\n')]);
    fs.writeSync(fd, buf, 0, buf.length, 0);
  } catch {} finally { fs.closeSync(fd); }
}
setInterval(() => {
  files.forEach((s, i) => {
    if (unavailable[i]) return;
    const ticks = Math.round(cpus * hz * 0.25);
    const busy = Math.round(ticks * (0.06 + Math.random() * 0.08));
    s.user += Math.round(busy * 0.7);
    s.system += busy - Math.round(busy * 0.7);
    s.iowait += Math.random() < 0.075 ? 1 : 0;
    s.idle += ticks - busy;
    write(s.file, text(s));
  });
}, 250);
`;

function stat(s: CpuState, btime: number): string {
  const line = (name: string, div: number) => `${name} ${Math.round(s.user / div)} 0 ${Math.round(s.system / div)} ${Math.round(s.idle / div)} ${Math.round(s.iowait / div)} 0 0 0 0 0`;
  const lines = [line('cpu ', 1)];
  for (let i = 0; i < CPUS; i++) lines.push(line(`cpu${i}`, CPUS));
  lines.push('intr 0', 'ctxt 0', `btime ${btime}`, 'processes 120', 'procs_running 1', 'procs_blocked 0');
  return lines.join('\n') + '\n';
}

function meminfo(usedShare: number): string {
  const available = Math.round(MEM_TOTAL_KB * (1 - usedShare));
  const kb = (name: string, value: number) => `${`${name}:`.padEnd(16)}${String(value).padStart(8)} kB`;
  return [
    kb('MemTotal', MEM_TOTAL_KB), kb('MemFree', Math.round(available * 0.6)), kb('MemAvailable', available),
    kb('Buffers', 65_536), kb('Cached', Math.round(available * 0.35)), kb('SwapCached', 0), kb('SwapTotal', 0), kb('SwapFree', 0),
    kb('Shmem', 16_384), kb('SReclaimable', 32_768),
  ].join('\n') + '\n';
}

function readBtime(): number {
  try {
    return Number(/^btime (\d+)/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]) || Math.floor(Date.now() / 1000) - 3600;
  } catch {
    return Math.floor(Date.now() / 1000) - 3600;
  }
}

/**
 * Rewrites a file without truncating it first (a reader must never see it empty): one write at
 * offset 0, padded with spaces up to the old length when the new text is shorter.
 */
function writeInPlace(file: string, text: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch {
    fs.writeFileSync(file, text);
    return;
  }
  try {
    const old = fs.fstatSync(fd).size;
    let buf = Buffer.from(text);
    if (buf.length < old) buf = Buffer.concat([buf.subarray(0, buf.length - 1), Buffer.alloc(old - buf.length, ' '), Buffer.from('\n')]);
    fs.writeSync(fd, buf, 0, buf.length, 0);
  } finally {
    fs.closeSync(fd);
  }
}
