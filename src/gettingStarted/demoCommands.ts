/**
 * The demo site from the editor, for the Getting Started walkthrough: "Start Demo Site" runs
 * `sofa-ops demo` in the workspace's `sofa-ops-demo/` folder (the CLI's own default) as a child of
 * the extension host and points the workspace at its inventory and pinned known_hosts; "Inject
 * Demo Fault…" writes the running site's fault set; "Stop Demo Site" ends it (so does closing the
 * window: the site leaves nothing running).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { Disposable } from '../core/dispose';
import { demoFaultsFile, DemoStartError, launchDemo, runningDemoPid, type LaunchedDemo } from '../demo/demoLauncher';
import { FAULTS } from '../demo/faults';
import type { SshService } from '../ssh/sshService';
import { guarded } from '../vscode/errors';
import { CommandIds } from '../vscode/ids';
import type { Logger } from '../vscode/logger';
import { inventoryFileSetting, useInventory } from '../vscode/settings';

/** Loopback /24s tried in turn when one is taken (another demo, or an SSH server on :2022). */
const SUBNETS = ['127.0.1', '127.0.2', '127.0.3', '127.0.4', '127.0.5'];
export const DEMO_FOLDER = 'sofa-ops-demo';

export class DemoCommands extends Disposable {
  private launched: LaunchedDemo | undefined;

  constructor(
    private readonly extensionPath: string,
    private readonly ssh: SshService,
    private readonly logger: Logger,
  ) {
    super();
    const t = vscode.l10n.t;
    this.register(vscode.commands.registerCommand(CommandIds.startDemoSite, guarded(logger, t('Start demo site'), () => this.start())));
    this.register(vscode.commands.registerCommand(CommandIds.stopDemoSite, guarded(logger, t('Stop demo site'), () => this.stop())));
    this.register(vscode.commands.registerCommand(CommandIds.injectDemoFault, guarded(logger, t('Inject demo fault'), () => this.injectFault())));
    this.register(vscode.commands.registerCommand(CommandIds.openShippedRunbook, guarded(logger, t('Open runbook'), (id?: string) => this.openShippedRunbook(id))));
    this.register({ dispose: () => void this.launched?.stop() });
  }

  /** A runbook shipped with SOFA Ops (`runbooks/<product>/<name>.runbook.md`): `id` is `product/name`, or picked from the list. */
  private async openShippedRunbook(id?: string): Promise<void> {
    const root = path.join(this.extensionPath, 'runbooks');
    const all = fs.readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) =>
      fs.readdirSync(path.join(root, d.name)).filter((f) => f.endsWith('.runbook.md')).map((f) => `${d.name}/${f.slice(0, -'.runbook.md'.length)}`),
    ).sort();
    let chosen = id;
    if (!chosen) {
      const title = (rel: string) => /^title:\s*(.+)$/m.exec(fs.readFileSync(path.join(root, `${rel}.runbook.md`), 'utf8'))?.[1]?.replace(/^["']|["']$/g, '');
      chosen = (await vscode.window.showQuickPick(all.map((rel) => ({ label: rel, description: title(rel) })), { placeHolder: vscode.l10n.t('Runbook to open'), matchOnDescription: true, ignoreFocusOut: true }))?.label;
      if (!chosen) return;
    }
    if (!all.includes(chosen)) throw new Error(vscode.l10n.t('No shipped runbook {0}', chosen));
    const notebook = await vscode.workspace.openNotebookDocument(vscode.Uri.file(path.join(root, `${chosen}.runbook.md`)));
    await vscode.window.showNotebookDocument(notebook);
  }

  /** The folder of the demo this workspace uses: the one its inventory setting points into, else ours. */
  private demoDir(): string | undefined {
    const inventory = inventoryFileSetting();
    if (inventory && fs.existsSync(path.join(path.dirname(inventory), '.demo'))) return path.dirname(inventory);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return folder && path.join(folder, DEMO_FOLDER);
  }

  private async start(): Promise<void> {
    const t = vscode.l10n.t;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!folder) throw new Error(t('Open a folder first: the demo site writes its inventory and keys into {0}/ inside it.', DEMO_FOLDER));
    const current = this.demoDir();
    const pid = current && runningDemoPid(current);
    if (current && pid) {
      const inventory = path.join(current, 'sofa-ops.inventory.yaml');
      if (inventoryFileSetting() !== inventory) await useInventory(inventory, path.join(current, 'known_hosts'));
      await this.revealProducts();
      void vscode.window.showInformationMessage(t('The demo site is already running from {0} (pid {1}).', current, pid));
      return;
    }
    const dir = path.join(folder, DEMO_FOLDER);
    const cli = path.join(this.extensionPath, 'dist', 'cli.js');
    const launched = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Starting the demo site…') }, async () => {
      let last: unknown;
      for (const subnet of SUBNETS) {
        try {
          return await launchDemo({ cli, dir, subnet });
        } catch (err) {
          last = err;
          if (!(err instanceof DemoStartError && err.addressInUse)) throw err;
          this.logger.info(`demo: ${subnet}.0/24 is taken (${err.message}); trying the next`);
        }
      }
      throw last;
    });
    this.launched = launched;
    launched.child.stderr?.on('data', (d: Buffer) => this.logger.info(`demo: ${String(d).trimEnd()}`));
    launched.child.once('exit', (code, signal) => {
      if (this.launched === launched) this.launched = undefined;
      this.logger.info(`demo site exited (${signal ?? code})`);
    });
    const { ready } = launched;
    await useInventory(ready.inventory, ready.knownHosts); // the inventory reloads on the setting change
    await this.revealProducts();
    const subnet = ready.hosts[0]?.address.replace(/\.\d+$/, '') ?? '';
    void vscode.window.showInformationMessage(t('Demo site ready: {0} containers on {1}.x, started in {2} ms. Its hosts are in the SOFA Ops tree.', ready.hosts.length, subnet, ready.ms));
  }

  private async stop(): Promise<void> {
    const t = vscode.l10n.t;
    if (!this.launched) {
      const dir = this.demoDir();
      const pid = dir && runningDemoPid(dir);
      throw new Error(pid ? t('The demo site running from {0} (pid {1}) was not started by this window: stop it where it runs (Ctrl-C, or kill {1}).', dir, pid) : t('No demo site is running.'));
    }
    await this.launched.stop();
    this.launched = undefined;
    void vscode.window.showInformationMessage(t('Demo site stopped.'));
  }

  private async injectFault(): Promise<void> {
    const t = vscode.l10n.t;
    const dir = this.demoDir();
    if (!dir || !runningDemoPid(dir)) throw new Error(t('No demo site is running: start it first (SOFA Ops: Start Demo Site).'));
    const file = demoFaultsFile(dir);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    type Item = vscode.QuickPickItem & { fault?: string; aimed?: boolean };
    const items: Item[] = [
      { label: t('None: a healthy site'), description: current ? t('now: {0}', current) : undefined, fault: '' },
      // The summary is the bundle's key (l10n/bundle.l10n.zh-cn.json), as the CLI's fault list reads it.
      ...Object.entries(FAULTS).map(([name, info]) => ({ label: name, detail: t(info.summary), fault: name, aimed: !('component' in info) })),
    ];
    const picked = await vscode.window.showQuickPick(items, { placeHolder: t('Fault to inject into the running demo site (it replaces the current set)'), matchOnDetail: true, ignoreFocusOut: true });
    if (!picked || picked.fault === undefined) return;
    let set = picked.fault;
    if (picked.aimed) {
      const hosts = (await this.ssh.inventory())?.hosts.map((h) => h.name) ?? [];
      const host = await vscode.window.showQuickPick(hosts, { placeHolder: t('Container to aim {0} at', picked.fault), ignoreFocusOut: true });
      if (!host) return;
      set = `${picked.fault}@${host}`;
    }
    fs.writeFileSync(file, `${set}\n`);
    this.logger.info(`demo faults: ${set || 'none'}`);
    void vscode.window.showInformationMessage(set ? t('Injected {0}: run the inspection to see what turns red.', set) : t('The demo site is healthy again.'));
  }

  private async revealProducts(): Promise<void> {
    await vscode.commands.executeCommand('workbench.view.extension.sofaOps');
  }
}
