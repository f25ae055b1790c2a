/**
 * Keeps the demo containers' logs growing. The main process writes them straight into each
 * container's home directory on the host (which the container sees at /home/admin), once a
 * second, so the agents stay small. A log that does not exist yet starts with 15 minutes of
 * history, so `tail -n 100` shows something on the first look.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IDisposable } from '../core/dispose';
import { faultLines, genericSpec, LOG_SPECS, type LineContext, type LogSpec } from './logLines';
import type { ContainerSpec } from './siteModel';
import type { SiteState } from './siteState';

const HISTORY_SECONDS = 15 * 60;
/** Rotate like logback's size policy: the current file moves to `.1` past this size. */
const ROTATE_BYTES = 20 * 1024 * 1024;

export class LogPump implements IDisposable {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly site: SiteState,
    /** Host path of a path inside the container. */
    private readonly hostPath: (c: ContainerSpec, containerPath: string) => string,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    const now = Date.now();
    for (const c of this.site.containers) {
      for (const log of c.logs) {
        const file = this.hostPath(c, c.logPaths.get(log.id)!);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const spec = this.spec(log.id, log.path);
        const lines: string[] = [];
        if (!fs.existsSync(file)) {
          for (let t = now - HISTORY_SECONDS * 1000; t < now; t += 1000) lines.push(...this.linesAt(c, log.id, spec, t));
        }
        if (spec.startup) lines.push(...spec.startup(this.context(c, now)));
        fs.appendFileSync(file, lines.length ? lines.join('\n') + '\n' : '');
      }
    }
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** One second of the site's life. */
  tick(): void {
    const now = Date.now();
    for (const c of this.site.containers) {
      for (const log of c.logs) {
        const lines = this.linesAt(c, log.id, this.spec(log.id, log.path), now);
        if (!lines.length) continue;
        const file = this.hostPath(c, c.logPaths.get(log.id)!);
        try {
          if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > ROTATE_BYTES) fs.renameSync(file, `${file}.1`);
          fs.appendFileSync(file, lines.join('\n') + '\n');
        } catch {
          // Someone removed the directory from inside the container: recreate it next time.
          fs.mkdirSync(path.dirname(file), { recursive: true });
        }
      }
    }
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private spec(id: string, logPath: string): LogSpec {
    return LOG_SPECS[id] ?? genericSpec(logPath);
  }

  private context(c: ContainerSpec, t: number): LineContext {
    return { c, site: this.site, now: new Date(t + this.site.clockOffsetMs(c) + Math.floor(this.random() * 1000)), random: this.random };
  }

  private linesAt(c: ContainerSpec, id: string, spec: LogSpec, t: number): string[] {
    const out: string[] = [];
    const ctx = this.context(c, t);
    if (this.random() < 1 / spec.every) push(out, spec.line(ctx));
    if (spec.rare && this.random() < spec.rare.perSecond) out.push(spec.rare.line(ctx));
    push(out, faultLines(id, ctx));
    return out;
  }
}

function push(out: string[], lines: string | string[] | undefined): void {
  if (lines === undefined) return;
  if (Array.isArray(lines)) out.push(...lines);
  else out.push(lines);
}
