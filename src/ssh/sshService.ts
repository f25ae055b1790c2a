/**
 * The editor's SSH entry point: the workspace inventory (with problems in the Problems panel),
 * one connection pool for the window, strict host keys, and Workspace Trust: an untrusted
 * workspace connects nowhere.
 */
import * as vscode from 'vscode';
import { Disposable } from '../core/dispose';
import type { Inventory } from '../core/inventory/inventory';
import { loadInventoryCached } from '../core/inventory/inventoryCache';
import type { ExecOptions, ExecResult } from '../core/ssh/remoteExec';
import { knownHostsStore, type SshConnection } from '../core/ssh/sshConnection';
import { SshError } from '../core/ssh/sshErrors';
import { SshPool } from '../core/ssh/sshPool';
import { loadHostKeyVerifier, productKnownHostsFile, targetsForHosts } from '../core/ssh/targets';
import type { SshTarget } from '../core/ssh/types';
import { SettingKeys } from '../vscode/ids';
import { publishProblems } from '../vscode/diagnostics';
import type { Logger } from '../vscode/logger';
import { inventoryFileSetting, knownHostsFilesSetting, onSettingChange } from '../vscode/settings';
import { EditorCredentialPrompter, EditorUnknownHostPolicy } from './editorPrompts';

/** Looked for in the first workspace folder when the setting is empty. */
const DEFAULT_INVENTORY_NAMES = ['sofa-ops.inventory.yaml', 'inventory.yaml', 'inventory.yml', 'inventory.ini', 'hosts'];

export class UntrustedWorkspaceError extends Error {
  constructor() {
    super(vscode.l10n.t('This workspace is not trusted: SOFA Ops connects to no host and runs nothing until you trust it.'));
  }
}

export class SshService extends Disposable {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Inventory reloaded or a connection opened/closed. */
  readonly onDidChange = this.changed.event;
  private readonly diagnostics = this.register(vscode.languages.createDiagnosticCollection('sofa-ops-inventory'));
  /** Malformed known_hosts lines (file:line): ssh skips them silently; we show them. */
  private readonly knownHostsDiagnostics = this.register(vscode.languages.createDiagnosticCollection('sofa-ops-known-hosts'));
  private loaded: Promise<Inventory | undefined> | undefined;
  private poolPromise: Promise<SshPool> | undefined;
  private readonly connected = new Set<string>();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly logger: Logger,
    /** Parsed inventories by content (the extension's global storage): a 5,000-host YAML costs ~0.25 s of CPU to parse. */
    private readonly cacheDir?: string,
  ) {
    super();
    const watcher = this.register(vscode.workspace.createFileSystemWatcher(`**/{${DEFAULT_INVENTORY_NAMES.join(',')},*.inventory.yaml}`));
    for (const event of [watcher.onDidChange, watcher.onDidCreate, watcher.onDidDelete]) this.register(event(() => this.reload()));
    this.register(onSettingChange([SettingKeys.inventoryFile], () => this.reload()));
    this.register(onSettingChange([SettingKeys.knownHostsFiles], () => void this.resetPool()));
    this.register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()));
    this.register({ dispose: () => void this.resetPool() });
  }

  /** The workspace inventory, or undefined when there is none. Problems go to the Problems panel. */
  inventory(): Promise<Inventory | undefined> {
    this.loaded ??= this.loadInventory();
    return this.loaded;
  }

  reload(): void {
    this.loaded = undefined;
    this.changed.fire();
  }

  isConnected(hostName: string): boolean {
    return this.connected.has(hostName);
  }

  async target(hostName: string): Promise<SshTarget> {
    const inventory = await this.inventory();
    const host = inventory?.hosts.find((h) => h.name === hostName);
    if (!inventory || !host) throw new SshError('error', hostName, { reason: 'not-in-inventory', inventory: inventory?.file });
    return targetsForHosts(inventory, [host])[0];
  }

  async exec(hostName: string, command: string, options?: ExecOptions): Promise<ExecResult> {
    const pool = await this.trustedPool();
    return pool.exec(await this.target(hostName), command, options);
  }

  /** A connection held for interactive use; call release() when the terminal closes. */
  async acquire(hostName: string): Promise<{ connection: SshConnection; release(): void }> {
    const pool = await this.trustedPool();
    return pool.acquire(await this.target(hostName));
  }

  async resetPool(): Promise<void> {
    const pool = this.poolPromise;
    this.poolPromise = undefined;
    (await pool?.catch(() => undefined))?.dispose();
    this.connected.clear();
    this.changed.fire();
  }

  /** The window's pool, for fan-out; rejects in an untrusted workspace. */
  pool(): Promise<SshPool> {
    return this.trustedPool();
  }

  private trustedPool(): Promise<SshPool> {
    if (!vscode.workspace.isTrusted) return Promise.reject(new UntrustedWorkspaceError());
    this.poolPromise ??= this.createPool();
    return this.poolPromise;
  }

  private async createPool(): Promise<SshPool> {
    const verifier = await loadHostKeyVerifier(knownHostsFilesSetting());
    for (const p of verifier.problems) this.logger.warn(`known_hosts ${p.file}:${p.line}: ${p.message}`);
    publishProblems(this.knownHostsDiagnostics, verifier.problems, 'SOFA Ops known_hosts');
    const pool = new SshPool({
      hostKeys: knownHostsStore(verifier, productKnownHostsFile()),
      unknownHosts: new EditorUnknownHostPolicy(),
      prompter: new EditorCredentialPrompter(this.secrets),
      log: (message) => this.logger.info(message),
    });
    pool.onDidChangeConnection((target, isConnected) => {
      if (isConnected) this.connected.add(target.name);
      else this.connected.delete(target.name);
      this.logger.info(`${target.name} ${isConnected ? 'connected' : 'disconnected'}`);
      this.changed.fire();
    });
    return pool;
  }

  private async loadInventory(): Promise<Inventory | undefined> {
    this.diagnostics.clear();
    const file = await this.inventoryFile();
    if (!file) return undefined;
    const { inventory, problems } = await loadInventoryCached(file, {}, this.cacheDir);
    publishProblems(this.diagnostics, problems, 'SOFA Ops inventory');
    this.logger.info(`inventory ${file}: ${inventory.hosts.length} hosts, ${problems.length} problems`);
    return inventory;
  }

  private async inventoryFile(): Promise<string | undefined> {
    const configured = inventoryFileSetting();
    if (configured) return configured;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) return undefined;
    for (const name of DEFAULT_INVENTORY_NAMES) {
      const uri = vscode.Uri.joinPath(folder, name);
      try {
        await vscode.workspace.fs.stat(uri);
        return uri.fsPath;
      } catch {
        // try the next name
      }
    }
    return undefined;
  }
}
