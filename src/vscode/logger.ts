/** One LogOutputChannel for the extension; each part logs under its own tag. */
import * as vscode from 'vscode';

export class Logger {
  constructor(
    private readonly channel: vscode.LogOutputChannel,
    private readonly tag: string,
  ) {}

  static createChannel(): vscode.LogOutputChannel {
    return vscode.window.createOutputChannel('SOFA Ops', { log: true });
  }

  /** Brings the log into view (the channel's own show: no command id to keep in sync). */
  show(): void {
    this.channel.show(true);
  }

  child(tag: string): Logger {
    return new Logger(this.channel, tag);
  }

  trace(message: string): void {
    this.channel.trace(`[${this.tag}] ${message}`);
  }
  info(message: string): void {
    this.channel.info(`[${this.tag}] ${message}`);
  }
  warn(message: string): void {
    this.channel.warn(`[${this.tag}] ${message}`);
  }
  error(message: string, err?: unknown): void {
    const detail = err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : err !== undefined ? String(err) : '';
    this.channel.error(`[${this.tag}] ${message}${detail ? `: ${detail}` : ''}`);
  }
}
