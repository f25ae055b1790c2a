/**
 * Lines as the demo's containers write them, picked without running the site: what a user would
 * paste from a demo log (benches and tests of triage use them). Each sample is one entry's first
 * line with the container and catalog log it came from; `known: true` picks the rare error lines
 * and the lines faults add, which the catalog is expected to explain.
 */
import type { Catalog } from '../core/catalog/types';
import { parseFaults } from './faults';
import type { LineContext } from './logFormat';
import { faultLines, genericSpec, LOG_SPECS } from './logLines';
import { buildSite, type ContainerSpec } from './siteModel';
import { SiteState } from './siteState';

export interface LogSample {
  container: ContainerSpec;
  logId: string;
  line: string;
}

export interface SampleOptions {
  count: number;
  random: () => number;
  /** Only the known error lines (rare lines and fault lines), not the healthy chatter. */
  known?: boolean;
  /** Faults on, as `sofa-ops demo --faults` takes them (e.g. "drmdata-push-failure"). */
  faults?: string;
  now?: Date;
}

export function sampleLines(catalog: Catalog, options: SampleOptions): LogSample[] {
  const containers = buildSite(catalog);
  const site = new SiteState(containers, parseFaults(options.faults, containers));
  const sources = containers.flatMap((c) => c.logs.map((log) => ({ c, log, spec: LOG_SPECS[log.id] ?? genericSpec(log.path) })));
  const out: LogSample[] = [];
  const now = options.now ?? new Date(Date.UTC(2026, 10, 2, 3, 12, 0));
  for (let attempts = 0; out.length < options.count && attempts < options.count * 200; attempts++) {
    const { c, log, spec } = sources[Math.floor(options.random() * sources.length)];
    const at = new Date(now.getTime() + attempts * 997);
    const ctx: LineContext = { c, site, now: at, tick: Math.floor(at.getTime() / 1000), random: options.random };
    const texts: Array<string | string[] | undefined> = options.known ? [spec.rare?.line(ctx), faultLines(log.id, ctx)] : [spec.line(ctx)];
    for (const text of texts) {
      const first = (Array.isArray(text) ? text[text.length - 1] : text)?.split('\n')[0];
      if (first && out.length < options.count) out.push({ container: c, logId: log.id, line: first });
    }
  }
  return out;
}
