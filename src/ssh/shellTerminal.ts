/** "Open Shell": an integrated terminal over an ssh2 PTY on a pooled connection; resize follows the panel. */
import * as vscode from 'vscode';
import type { ClientChannel } from 'ssh2';
import type { SshService } from './sshService';
import { userMessage } from '../vscode/errors';

export class SshShellPty implements vscode.Pseudoterminal {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writeEmitter.event;
  readonly onDidClose = this.closeEmitter.event;
  private channel: ClientChannel | undefined;
  private release: (() => void) | undefined;
  private size = { rows: 24, cols: 80 };
  private closed = false;

  constructor(
    private readonly ssh: SshService,
    readonly hostName: string,
  ) {}

  async open(initial: vscode.TerminalDimensions | undefined): Promise<void> {
    if (initial) this.size = { rows: initial.rows, cols: initial.columns };
    this.writeEmitter.fire(vscode.l10n.t('Connecting to {0}…', this.hostName) + '\r\n');
    try {
      const held = await this.ssh.acquire(this.hostName);
      this.release = held.release;
      if (this.closed) return this.dispose();
      this.channel = await held.connection.openShell({ term: 'xterm-256color', rows: this.size.rows, cols: this.size.cols, height: 0, width: 0 });
      this.channel.on('data', (data: Buffer) => this.writeEmitter.fire(data.toString('utf8')));
      this.channel.stderr.on('data', (data: Buffer) => this.writeEmitter.fire(data.toString('utf8')));
      this.channel.on('exit', (code: number | null) => this.finish(code ?? 0));
      this.channel.on('close', () => this.finish(0));
    } catch (err) {
      this.writeEmitter.fire(`\r\n\x1b[31m${userMessage(err)}\x1b[0m\r\n`);
      this.finish(1);
    }
  }

  handleInput(data: string): void {
    this.channel?.write(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    this.size = { rows: dimensions.rows, cols: dimensions.columns };
    this.channel?.setWindow(dimensions.rows, dimensions.columns, 0, 0);
  }

  close(): void {
    this.dispose();
  }

  private finish(code: number): void {
    if (this.closed) return;
    this.closeEmitter.fire(code);
    this.dispose();
  }

  private dispose(): void {
    this.closed = true;
    this.channel?.close();
    this.channel = undefined;
    this.release?.();
    this.release = undefined;
  }
}

export function openShellTerminal(ssh: SshService, hostName: string): { terminal: vscode.Terminal; pty: SshShellPty } {
  const pty = new SshShellPty(ssh, hostName);
  const terminal = vscode.window.createTerminal({ name: `SSH ${hostName}`, pty, iconPath: new vscode.ThemeIcon('remote') });
  terminal.show();
  return { terminal, pty };
}
