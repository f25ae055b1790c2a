/**
 * The pieces the demo's log lines are made of: the line context, the guide's Java log time, the
 * seeded random helpers, and line shapes several logs share (GC, the common-error noise, DRM push
 * digests, zdal slow SQL).
 */
import type { ContainerSpec } from './siteModel';
import type { SiteState } from './siteState';

export interface LineContext {
  c: ContainerSpec;
  site: SiteState;
  /** The container's clock (skewed by acvip-clock-skew). */
  now: Date;
  /** The whole second the pump writes for (before the sub-second jitter of `now`). */
  tick: number;
  random: () => number;
}

export interface LogSpec {
  /** Mean seconds between lines (Infinity: only when something goes wrong). */
  every: number;
  line: (ctx: LineContext) => string | string[] | undefined;
  /** A known error line, written with this probability per second. */
  rare?: { perSecond: number; line: (ctx: LineContext) => string };
  /** Lines written once each time the container starts. */
  startup?: (ctx: LineContext) => string[];
}

export const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `2026-11-02 10:04:05,123`, the guide's Java log time. */
export function logTime(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

/** Whether this second is a multiple of `seconds` on the container's clock (a steady rate, no jitter). */
export function onTick(ctx: LineContext, seconds: number): boolean {
  return ctx.tick % seconds === 0;
}

export function int(ctx: LineContext, lo: number, hi: number): number {
  return lo + Math.floor(ctx.random() * (hi - lo + 1));
}
export function pick<T>(ctx: LineContext, items: readonly T[]): T {
  return items[Math.floor(ctx.random() * items.length)];
}
export function hex(ctx: LineContext, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[Math.floor(ctx.random() * 16)];
  return s;
}
export function traceId(ctx: LineContext): string {
  return `0a${hex(ctx, 6)}${Math.floor(ctx.now.getTime())}${int(ctx, 1000, 9999)}`;
}
export function info(ctx: LineContext, thread: string, logger: string, msg: string, level = 'INFO '): string {
  return `${logTime(ctx.now)} ${level} [${thread}] ${logger} - ${msg}`;
}
export function addrs(ctx: LineContext, component: string, port?: number): string {
  return ctx.site.of(component).map((c) => (port ? `${c.address}:${port}` : c.address)).join(',');
}
export function peerIp(ctx: LineContext): string {
  return `10.${int(ctx, 10, 30)}.${int(ctx, 0, 255)}.${int(ctx, 1, 254)}`;
}
export const APPS = ['cashier', 'trade-center', 'account-core', 'member-web', 'pay-gateway', 'risk-engine'];
export const SERVICES = ['com.alipay.trade.facade.TradeQueryFacade:1.0', 'com.alipay.account.AccountService:1.0', 'com.alipay.member.MemberFacade:1.0', 'com.alipay.pay.PayOrderService:1.0'];
export const DRM_KEYS = ['Alipay.cashier:name=com.alipay.cashier.drm.SwitchConfig,version=3.0@DRM', 'Alipay.trade:name=com.alipay.trade.drm.LimitConfig,version=3.0@DRM', 'Alipay.risk:name=com.alipay.risk.drm.RuleSwitch,version=3.0@DRM'];

export function gc(ctx: LineContext): string {
  const uptime = ((ctx.now.getTime() % 86_400_000) / 1000).toFixed(3);
  const iso = ctx.now.toISOString().replace('Z', '+0000');
  const young = int(ctx, 180_000, 260_000);
  const heapBefore = int(ctx, 900_000, 1_500_000);
  const pause = (int(ctx, 4, 40) / 1000).toFixed(7);
  return `${iso}: ${uptime}: [GC pause (G1 Evacuation Pause) (young) ${young}K->${int(ctx, 8_000, 20_000)}K(${young + 40_000}K)] ${heapBefore}K->${heapBefore - young + 12_000}K(2097152K), ${pause} secs] [Times: user=0.0${int(ctx, 1, 9)} sys=0.00, real=${pause.slice(0, 4)} secs]`;
}

export const commonErrorNoise = (component: string) => (ctx: LineContext) =>
  `${logTime(ctx.now)} ERROR [${component}-biz-${int(ctx, 1, 8)}] c.a.${component}.common.RetryTemplate - call timed out after 3000ms, will retry (1/3), traceId=${traceId(ctx)}\n` +
  `java.util.concurrent.TimeoutException: Waiting server-side response timeout. Address:${peerIp(ctx)}:12200 , timeout:3000ms\n` +
  `\tat com.alipay.remoting.rpc.RpcResponseResolver.preProcess(RpcResponseResolver.java:70)\n` +
  `\tat com.alipay.remoting.rpc.RpcResponseResolver.resolveResponseObject(RpcResponseResolver.java:52)`;

export function pushLine(ctx: LineContext, fail: boolean): string {
  return `${logTime(ctx.now)} - [push]${hex(ctx, 12).toUpperCase()};${pick(ctx, DRM_KEYS)};${peerIp(ctx)};${fail ? 1 : 0}`;
}

export function slowSql(ctx: LineContext, millis: number): string {
  const sql = pick(ctx, [
    "select count(job_id) from pc_batch_batch_job_instance where ((state = 'RUNNING'))",
    'select * from trade_order where gmt_create > ? order by gmt_create limit 500',
    'update cloud_load_task set status = ? where task_id in (?,?,?,?)',
  ]);
  return `${logTime(ctx.now)}-[${traceId(ctx)},0.1]Slow sql ${millis} millis, logicDsId: ${pick(ctx, ['pc_batch_globalhost', 'cloud_load', 'trade_00'])}, sql: ${sql}`;
}
