/**
 * The products tree's context menus on checks, ports and alerts: copy the shell command behind
 * the node (core/checks/checkCommands.ts), run just that check on one host of its component and
 * show the result, and search the logs of every host for an alert's line.
 */
import * as vscode from 'vscode';
import type { CatalogStore } from '../catalog/catalogStore';
import type { InspectionController } from '../checks/inspectionController';
import type { Catalog, Check, LogPattern, ProductCatalog } from '../core/catalog/types';
import type { CatalogNode } from '../core/catalog/catalogTree';
import { scopeOf } from '../core/catalog/nodeScope';
import { checkCommand, patternCommand, portCommand } from '../core/checks/checkCommands';
import { planFor } from '../core/checks/inspect';
import { statusWord } from '../core/checks/reports';
import { resultText, type CheckResult } from '../core/checks/types';
import { Disposable } from '../core/dispose';
import type { InventoryHost } from '../core/inventory/inventory';
import { shellQuote } from '../core/shellQuote';
import type { SshService } from '../ssh/sshService';
import { guarded } from '../vscode/errors';
import { CommandIds, ViewIds } from '../vscode/ids';
import type { Logger } from '../vscode/logger';
import { catalogLanguage } from '../vscode/settings';

/** Where a node sits in the catalog: its product, component and the log it is under. */
interface NodeRef {
  product?: ProductCatalog;
  component?: string;
  /** The log the tree shows a pattern under. */
  log?: string;
}

export class TreeItemCommands extends Disposable {
  constructor(
    private readonly store: CatalogStore,
    private readonly ssh: SshService,
    private readonly inspections: InspectionController,
    logger: Logger,
  ) {
    super();
    const t = vscode.l10n.t;
    // Code (tests) may pass what the quick pick would ask: the host's name.
    const host = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const register = (id: string, what: string, handler: (node: CatalogNode, arg?: unknown) => unknown) =>
      this.register(vscode.commands.registerCommand(id, guarded(logger, what, (node?: unknown, arg?: unknown) => {
        if (!node || typeof node !== 'object' || !('kind' in node)) throw new Error(t('Choose a node in the SOFA Ops products view first.'));
        return handler(node as CatalogNode, arg);
      })));
    register(CommandIds.copyCheckCommand, t('Copy command'), (node) => this.copyCheckCommand(node));
    register(CommandIds.runCheckOnHost, t('Run check on a host'), (node, arg) => this.runCheckOnHost(node, host(arg)));
    register(CommandIds.copyPortCommand, t('Copy command'), (node) => this.copy(portCommand([portOf(node)])));
    register(CommandIds.checkPortOnHost, t('Check port on a host'), (node, arg) => this.checkPortOnHost(node, host(arg)));
    register(CommandIds.copyPattern, t('Copy pattern'), async (node) => this.copy((await this.pattern(node)).pattern.match));
    register(CommandIds.copyPatternCommand, t('Copy command'), (node) => this.copyPatternCommand(node));
    register(CommandIds.searchPatternAcrossHosts, t('Search logs across hosts'), (node) => this.searchPattern(node));
  }

  private async copy(text: string): Promise<void> {
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(vscode.l10n.t('Copied: {0}', text.length > 80 ? `${text.slice(0, 80)}…` : text), 4000);
  }

  private async catalog(): Promise<Catalog> {
    return (await this.store.get()).catalog;
  }

  /**
   * The catalog entry a node shows, with the product that defines it: a component listed in two
   * chapters shows the other chapter's checks too, so that product may not be the node's.
   */
  private async entry<T extends { id: string }>(node: CatalogNode, of: (p: ProductCatalog) => T[], missing: (id: string) => string): Promise<{ item: T; owner: ProductCatalog; ref: NodeRef; catalog: Catalog }> {
    const catalog = await this.catalog();
    const ref = refOf(catalog, node);
    const id = scopeOf(node).entry;
    const owner = [ref.product, ...catalog.products].find((p) => p && of(p).some((x) => x.id === id));
    if (!owner) throw new Error(missing(id ?? node.label));
    return { item: of(owner).find((x) => x.id === id)!, owner, ref, catalog };
  }

  private async check(node: CatalogNode): Promise<{ check: Check; owner: ProductCatalog; catalog: Catalog }> {
    const { item, owner, catalog } = await this.entry(node, (p) => p.checks, (id) => vscode.l10n.t('The catalog has no check {0} (any more): refresh the catalog.', id));
    return { check: item, owner, catalog };
  }

  private async pattern(node: CatalogNode): Promise<{ pattern: LogPattern; ref: NodeRef; catalog: Catalog }> {
    const { item, ref, catalog } = await this.entry(node, (p) => p.patterns, (id) => vscode.l10n.t('The catalog has no log pattern {0} (any more): refresh the catalog.', id));
    return { pattern: item, ref, catalog };
  }

  private async copyCheckCommand(node: CatalogNode): Promise<void> {
    const { check, catalog } = await this.check(node);
    const command = checkCommand(catalog, check);
    if (!command) {
      void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" runs no command on a host ({1} check).', node.label, check.kind));
      return;
    }
    await this.copy(command);
  }

  private async copyPatternCommand(node: CatalogNode): Promise<void> {
    const { pattern, ref, catalog } = await this.pattern(node);
    await this.copy(patternCommand(catalog, pattern, ref.log ? [ref.log] : pattern.logs));
  }

  /** A host from `candidates`: the one named, or the operator's pick. */
  private async pickHost(candidates: InventoryHost[], given: string | undefined, placeHolder: string): Promise<InventoryHost | undefined> {
    if (given) {
      const named = candidates.find((h) => h.name === given);
      if (!named) throw new Error(vscode.l10n.t('{0} is not one of the hosts this applies to: {1}', given, candidates.map((h) => h.name).join(', ')));
      return named;
    }
    const picked = await vscode.window.showQuickPick(
      candidates.map((h) => ({ label: h.name, description: `${h.host}:${h.port}`, detail: h.component, host: h })),
      { placeHolder, matchOnDescription: true },
    );
    return picked?.host;
  }

  private async runCheckOnHost(node: CatalogNode, given?: string): Promise<CheckResult | undefined> {
    const { check, owner, catalog } = await this.check(node);
    const inventory = await this.ssh.inventory();
    if (!inventory?.hosts.length) throw new Error(vscode.l10n.t('No inventory hosts: add a sofa-ops.inventory.yaml to the workspace (or set sofaOps.inventoryFile).'));
    const scope = { product: owner.product.id, check: check.id };
    const candidates = planFor(catalog, inventory, scope).hosts.map((h) => h.host);
    if (!candidates.length) throw new Error(vscode.l10n.t('No inventory host runs "{0}": it applies to {1}.', node.label, check.components.join(', ')));
    const host = await this.pickHost(candidates, given, vscode.l10n.t('Host to run "{0}" on', node.label));
    if (!host) return undefined;
    const inspection = await this.inspections.run({ ...scope, target: host.name });
    const result = inspection?.results.find((r) => r.checkId === check.id && r.host === host.name);
    await vscode.commands.executeCommand(`${ViewIds.inspection}.focus`);
    if (result) this.say(result, node.label, host.name);
    return result;
  }

  private say(result: CheckResult, label: string, host: string): void {
    const lang = catalogLanguage();
    const text = vscode.l10n.t('{0} on {1}: {2} — {3}', label, host, statusWord(result.status, lang), resultText(result, 'message', lang) ?? '');
    if (result.status === 'fail' || result.status === 'error') void vscode.window.showWarningMessage(text);
    else void vscode.window.showInformationMessage(text);
  }

  /** The port check of the node's component that covers the port, run on a host; else `ss` there. */
  private async checkPortOnHost(node: CatalogNode, given?: string): Promise<void> {
    const port = portOf(node);
    const catalog = await this.catalog();
    const ref = refOf(catalog, node);
    const portCheck = ref.product?.checks.find((c) => c.kind === 'port' && c.ports?.includes(port) && (!ref.component || c.components.includes(ref.component)));
    if (portCheck) {
      await this.runCheckOnHost({ ...node, kind: 'check', scope: { ...scopeOf(node), entry: portCheck.id } }, given);
      return;
    }
    const hosts = (await this.ssh.inventory())?.hosts.filter((h) => !h.notSsh && (!ref.component || h.component === ref.component || h.groups.includes(ref.component))) ?? [];
    if (!hosts.length) throw new Error(vscode.l10n.t('No inventory host serves {0}.', ref.component ?? node.label));
    const host = await this.pickHost(hosts, given, vscode.l10n.t('Host to check port {0} on', port));
    if (!host) return;
    const command = `${portCommand([port])} | grep -q ${shellQuote(`:${port}`)}`;
    const r = await this.ssh.exec(host.name, command, { timeoutMs: 15_000 });
    if (r.outcome === 'ok') void vscode.window.showInformationMessage(vscode.l10n.t('Port {0} is listening on {1}.', port, host.name));
    else if (r.outcome === 'exit') void vscode.window.showWarningMessage(vscode.l10n.t('Port {0} is not listening on {1}.', port, host.name));
    else throw new Error(vscode.l10n.t('Could not check port {0} on {1}: {2}', port, host.name, r.message ?? r.outcome));
  }

  private async searchPattern(node: CatalogNode): Promise<void> {
    const { pattern, ref, catalog } = await this.pattern(node);
    const log = ref.log ?? pattern.logs[0];
    const logNode: CatalogNode | undefined = log ? { id: `log:${log}`, kind: 'log', label: catalog.products.flatMap((p) => p.logs).find((l) => l.id === log)?.name ?? log, scope: { product: ref.product?.product.id, log }, children: [] } : undefined;
    await vscode.commands.executeCommand(CommandIds.searchLogsAcrossHosts, logNode, pattern.regex ? `/${pattern.match}/` : pattern.match);
  }
}

/** The node's product, component and log, as the tree scoped it. */
function refOf(catalog: Catalog, node: CatalogNode): NodeRef {
  const { product, component, log } = scopeOf(node);
  return { product: catalog.products.find((p) => p.product.id === product), component, log };
}

function portOf(node: CatalogNode): number {
  const port = Number(scopeOf(node).entry);
  if (!Number.isInteger(port) || port <= 0) throw new Error(vscode.l10n.t('"{0}" is not a port.', node.label));
  return port;
}
