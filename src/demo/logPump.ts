/**
 * Keeps the demo containers' logs growing. The main process writes them straight into each
 * container's home directory on the host (which the container sees at /home/admin), once a
 * second, so the agents stay small. A log that does not exist yet starts with 15 minutes of
 * history, so `tail -n 100` shows something on the first look. When the demo runs as root the
 * containers' homes belong to the containers' own uids, and a root process writing by path into
 * a tree its container controls could be sent anywhere by a symlink: then the lines go to the
 * container's agent (`writer`), which appends them as the container's user.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { IDisposable } from '../core/dispose';
import { hiddenLogDirs } from './faults';
import { type LineContext, type LogSpec } from './logFormat';
import { faultLines, genericSpec, LOG_SPECS } from './logLines';
import type { ContainerSpec } from './siteModel';
import type { SiteState } from './siteState';

const HISTORY_SECONDS = 15 * 60;
/** Rotate like logback's size policy: the current file moves to `.1` past this size. */
export const ROTATE_BYTES = 20 * 1024 * 1024;

/** Appends `text` to a log (a path inside the container), rotating it past ROTATE_BYTES. */
export type LogWriter = (c: ContainerSpec, containerPath: string, text: string) => void;

export class LogPump implements IDisposable {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly site: SiteState,
    /** Host path of a path inside the container. */
    private readonly hostPath: (c: ContainerSpec, containerPath: string) => string,
    private readonly random: () => number = Math.random,
    /** Set: every write goes through it (root's demo); unset: straight into the host files. */
    private readonly writer?: LogWriter,
  ) {}

  start(): void {
    const now = Date.now();
    for (const c of this.site.containers) {
      for (const log of c.logs) {
        const containerPath = c.logPaths.get(log.id)!;
        const file = this.hostPath(c, containerPath);
        const spec = this.spec(log.id, log.path);
        const lines: string[] = [];
        if (!present(file)) {
          for (let t = now - HISTORY_SECONDS * 1000; t < now; t += 1000) lines.push(...this.linesAt(c, log.id, spec, t));
        }
        if (spec.startup) lines.push(...spec.startup(this.context(c, now)));
        const text = lines.length ? lines.join('\n') + '\n' : '';
        if (this.writer) {
          this.writer(c, containerPath, text);
          continue;
        }
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.appendFileSync(file, text);
      }
    }
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** One second of the site's life. */
  tick(): void {
    const now = Date.now();
    for (const c of this.site.containers) {
      // A stopped service writes nothing.
      if (this.site.serviceDown(c)) continue;
      const hidden = hiddenLogDirs(this.site.faults, c.name);
      for (const log of c.logs) {
        if (hidden.some((dir) => c.logPaths.get(log.id)!.startsWith(`${dir}/`))) continue;
        const lines = this.linesAt(c, log.id, this.spec(log.id, log.path), now);
        if (!lines.length) continue;
        if (this.writer) {
          this.writer(c, c.logPaths.get(log.id)!, lines.join('\n') + '\n');
          continue;
        }
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
    return { c, site: this.site, now: new Date(t + this.site.clockOffsetMs(c) + Math.floor(this.random() * 1000)), tick: Math.floor(t / 1000), random: this.random };
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

/** Whether something is at `file` (lstat: a look only, never through a link the container made). */
function present(file: string): boolean {
  try {
    return fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true; // a file where a directory should be: leave it to the writer to report
  }
}
