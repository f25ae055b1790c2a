/**
 * Reading a container's resources the way the guide's corewatch metrics define them: cpu_usage
 * from two /proc/stat samples, mem_usage from /proc/meminfo, disk_usage from `df -P`, load5 from
 * /proc/loadavg. Each parser returns undefined for text it cannot read (the check is then ERROR).
 */

export interface CpuSample {
  /** All jiffies of the aggregate `cpu` line. */
  total: number;
  /** idle + iowait jiffies. */
  idle: number;
}

export function parseProcStat(text: string): CpuSample | undefined {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal guest guest_nice: guest time is already
  // counted in user/nice, so only the first eight add up to the total.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = fields[3] + (fields[4] ?? 0);
  return { total, idle };
}

/** Busy share between two samples, in percent; 0 when no time passed between them. */
export function cpuPercent(first: CpuSample, second: CpuSample): number {
  const total = second.total - first.total;
  const idle = second.idle - first.idle;
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, ((total - idle) / total) * 100));
}

/** Used memory in percent: (MemTotal - MemAvailable) / MemTotal, as `free` reports it. */
export function parseMeminfo(text: string): { percent: number; totalKb: number; availableKb: number } | undefined {
  const value = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const totalKb = value('MemTotal');
  if (!totalKb) return undefined;
  // Kernels before 3.14 have no MemAvailable: free + buffers + cache is its old estimate.
  const availableKb = value('MemAvailable') ?? (value('MemFree') ?? 0) + (value('Buffers') ?? 0) + (value('Cached') ?? 0);
  return { percent: ((totalKb - availableKb) / totalKb) * 100, totalKb, availableKb };
}

export interface DfRow {
  filesystem: string;
  percent: number;
  mountedOn: string;
}

/** `df -P` rows (POSIX format: one line per filesystem, Capacity as N%). */
export function parseDf(text: string): DfRow[] {
  const rows: DfRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6) continue;
    const pct = cols.findIndex((c) => /^\d+%$/.test(c));
    if (pct < 0) continue;
    rows.push({ filesystem: cols[0], percent: Number(cols[pct].slice(0, -1)), mountedOn: cols.slice(pct + 1).join(' ') });
  }
  return rows;
}

/** The 5-minute load average (second field of /proc/loadavg). */
export function parseLoadavg(text: string): number | undefined {
  const fields = text.trim().split(/\s+/);
  const load5 = Number(fields[1]);
  return fields.length >= 3 && Number.isFinite(load5) ? load5 : undefined;
}
