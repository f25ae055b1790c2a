/**
 * Runs runbook notebook cells over SSH with the runner's semantics (core/runbook/runbookRunner):
 * parameters asked once per run, confirm and manual steps as modal questions, per-host output
 * sections, finally cells after a failure or a cancel, audit trail in the workspace, and the
 * rollback section offered when a run fails. Untrusted workspaces run nothing. Preview Run shows
 * the run's plan (core/runbook/runPlan) without running anything.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { AuditTrail } from '../core/audit/auditTrail';
import { parseSyslogTarget } from '../core/audit/syslogForwarder';
import { Disposable } from '../core/dispose';
import type { Inventory } from '../core/inventory/inventory';
import { selectTargets } from '../core/inventory/selectors';
import { narrowTargets, type HostPrefill } from '../core/runbook/hostPrefill';
import { resolveParameter } from '../core/runbook/parameters';
import { runbookParameters, type CodeCell, type ParameterValue } from '../core/runbook/runbookFormat';
import { formatPlan, planRun, type RunPlan } from '../core/runbook/runPlan';
import { AuditUnavailableError, ParameterError, runRunbook, type RunHooks, type RunResult } from '../core/runbook/runbookRunner';
import { sshCellExecutor } from '../core/runbook/sshCellExecutor';
import type { SshService } from '../ssh/sshService';
import { showError, userMessage } from '../vscode/errors';
import { auditSyslog, uiTranslator } from '../vscode/settings';
import type { Logger } from '../vscode/logger';
import { RunOutputWriter } from './runOutput';
import { RUNBOOK_NOTEBOOK_TYPE, runbookOf } from './runbookSerializer';

/** The scheme of Preview Run's plan documents (read-only, in memory). */
const PLAN_SCHEME = 'sofa-run-plan';

export class RunbookController extends Disposable {
  private readonly controller: vscode.NotebookController;
  private executionOrder = 0;
  /** Non-secret parameter values of the last run per notebook, offered as defaults next time. */
  private readonly lastParams = new Map<string, Record<string, ParameterValue>>();
  /** Runbooks opened for a host (from triage or an inspection FAIL): its parameters and targets. */
  private readonly prefills = new Map<string, HostPrefill>();
  /** Text of the run plans Preview Run shows, by document URI, until the document is closed. */
  private readonly plans = new Map<string, string>();
  private planCount = 0;

  constructor(
    private readonly ssh: SshService,
    private readonly logger: Logger,
  ) {
    super();
    this.controller = this.register(vscode.notebooks.createNotebookController('sofa-ops-runbook-ssh', RUNBOOK_NOTEBOOK_TYPE, vscode.l10n.t('SOFA Ops (SSH)')));
    this.controller.supportedLanguages = ['shellscript'];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = vscode.l10n.t('Runs cells on their target containers over SSH');
    this.controller.executeHandler = (cells, notebook) => this.execute(cells, notebook);
    this.register(vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, { provideTextDocumentContent: (uri) => this.plans.get(uri.toString()) }));
    this.register(vscode.workspace.onDidCloseTextDocument((doc) => this.plans.delete(doc.uri.toString())));
  }

  /** Runs of `notebook` from now on offer the host's parameter values and narrow cells that select it. */
  setPrefill(notebook: vscode.Uri, prefill: HostPrefill | undefined): void {
    if (prefill) this.prefills.set(notebook.toString(), prefill);
    else this.prefills.delete(notebook.toString());
    // Opened for a host: the host's values win over what the last run was given.
    this.lastParams.delete(notebook.toString());
  }

  prefillOf(notebook: vscode.Uri): HostPrefill | undefined {
    return this.prefills.get(notebook.toString());
  }

  /**
   * What a run of `notebook` would do, connecting nowhere: its parameters asked as a run asks them,
   * then the plan beside the notebook (each host's command, secrets as ***, and why a step cannot
   * run as written). Runs nothing, so an untrusted workspace may preview too.
   */
  async previewRun(notebook = vscode.window.activeNotebookEditor?.notebook): Promise<{ plan: RunPlan; document: vscode.TextDocument } | undefined> {
    if (notebook?.notebookType !== RUNBOOK_NOTEBOOK_TYPE) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a runbook notebook to preview its run.'));
      return undefined;
    }
    const { runbook } = runbookOf(notebook);
    const params = await this.askParameters(notebook, runbookParameters(runbook));
    if (!params) return undefined;
    const plan = planRun(runbook, params, this.targetResolver(notebook, await this.ssh.inventory()));
    const title = runbook.frontMatter?.meta?.title ?? path.basename(notebook.uri.fsPath);
    // A read-only document of its own scheme: nothing to save, nothing asked when it is closed.
    const uri = vscode.Uri.from({ scheme: PLAN_SCHEME, path: `/${path.basename(notebook.uri.fsPath).replace(/\.runbook\.md$/, '')}.plan.md`, query: String(++this.planCount) });
    this.plans.set(uri.toString(), `# ${vscode.l10n.t('Run plan: {0}', title)}\n\n${vscode.l10n.t('Nothing was run. Each host\'s command with this run\'s values (secrets as ***):')}\n\n${formatPlan(plan, uiTranslator())}`);
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: true });
    if (plan.problems) void vscode.window.showWarningMessage(vscode.l10n.t('{0} step(s) would not run as written: see "error:" in the plan.', plan.problems));
    return { plan, document };
  }

  /** One run: trust gate, parameters, the runner with the notebook's hooks, then the rollback offer. */
  private async execute(cells: vscode.NotebookCell[], notebook: vscode.NotebookDocument): Promise<void> {
    const { runbook, indexOf } = runbookOf(notebook);
    const notebookCellOf = (runbookIndex: number) => notebook.cellAt(indexOf.indexOf(runbookIndex));
    const runnable = notebook.getCells().filter((c) => c.kind === vscode.NotebookCellKind.Code && c.document.languageId === 'shellscript');
    const runAll = runnable.every((c) => cells.includes(c));
    const only = runAll ? undefined : cells.map((c) => indexOf[c.index]).filter((i) => i >= 0 && runbook.cells[i].kind === 'code');

    if (!this.trusted(cells)) return;
    const params = await this.askParameters(notebook, runbookParameters(runbook));
    if (!params) return;

    const inventory = await this.ssh.inventory();
    const abort = new AbortController();
    const output = new RunOutputWriter(this.controller, notebookCellOf, () => ++this.executionOrder, abort);
    const folder = vscode.workspace.getWorkspaceFolder(notebook.uri) ?? vscode.workspace.workspaceFolders?.[0];
    const audit = folder ? this.auditTrail(path.join(folder.uri.fsPath, '.sofa-ops', 'audit.jsonl')) : undefined;
    const runbookName = folder ? path.relative(folder.uri.fsPath, notebook.uri.fsPath) : notebook.uri.fsPath;
    const hooks: RunHooks = {
      resolveTargets: this.targetResolver(notebook, inventory),
      execute: sshCellExecutor(() => this.ssh.pool(), (hosts) => Promise.all(hosts.map((h) => this.ssh.target(h)))),
      confirm: confirmStep,
      manual: manualStep,
      ...output.hooks(),
    };

    try {
      const result = await runRunbook(runbook, hooks, { params, only, signal: abort.signal, audit, runbookName });
      this.reportAuditGaps(result);
      if (runAll) await this.offerRollback(result, (rollback) => this.execute(rollback.map(notebookCellOf), notebook));
    } catch (err) {
      const message =
        err instanceof ParameterError ? vscode.l10n.t('Parameters: {0}', err.message)
        : err instanceof AuditUnavailableError ? vscode.l10n.t('The audit trail {0} cannot be written ({1}); nothing was run.', err.file, err.reason)
        : userMessage(err);
      this.logger.error('runbook run failed', err);
      for (const cell of cells) if (!output.started(indexOf[cell.index])) this.fail(cell, message);
    } finally {
      audit?.close();
    }
  }

  /** Untrusted workspaces run nothing: every requested cell says why instead. */
  private trusted(cells: vscode.NotebookCell[]): boolean {
    if (vscode.workspace.isTrusted) return true;
    for (const cell of cells) this.fail(cell, vscode.l10n.t('This workspace is not trusted: SOFA Ops connects to no host and runs nothing until you trust it.'));
    return false;
  }

  /** Selector → host names of the inventory, narrowed to the host the notebook was opened for. */
  private targetResolver(notebook: vscode.NotebookDocument, inventory: Inventory | undefined): (selector: string) => string[] {
    return (selector) => {
      if (!inventory) throw new Error(vscode.l10n.t('No inventory in this workspace: add sofa-ops.inventory.yaml or set sofaOps.inventoryFile.'));
      return narrowTargets(selectTargets(inventory, selector).map((h) => h.name), this.prefills.get(notebook.uri.toString()));
    };
  }

  /** Steps that ran but are missing from the trail: said loudly and first. */
  private reportAuditGaps(result: RunResult): void {
    if (!result.auditErrors?.length) return;
    this.logger.error(`audit trail incomplete: ${result.auditErrors.join('; ')}`);
    showError(this.logger, vscode.l10n.t('SOFA Ops: the audit trail is incomplete: {0} record(s) could not be written ({1}).', result.auditErrors.length, result.auditErrors[0]), undefined, { modal: true });
  }

  /** A failed Run All offers the rollback section (never after a cancel: the operator stopped on purpose). */
  private async offerRollback(result: RunResult, runRollback: (cells: number[]) => Promise<void>): Promise<void> {
    if (result.ok || result.cancelled || !result.rollbackCells.length) return;
    const rollback = vscode.l10n.t('Run Rollback Section');
    const answer = await vscode.window.showWarningMessage(vscode.l10n.t('The runbook failed. Run its rollback section ({0} steps)?', result.rollbackCells.length), rollback);
    if (answer === rollback) await runRollback(result.rollbackCells);
  }

  /**
   * The workspace's trail, copied to the syslog collector of `sofaOps.audit.syslog` when set. The
   * key is the same per-user 0600 file the CLI uses (not SecretStorage), so `sofa-ops audit verify`
   * checks what the editor wrote. A bad collector setting is reported and the run keeps its local trail.
   */
  private auditTrail(file: string): AuditTrail {
    const url = auditSyslog();
    let syslog;
    try {
      syslog = url ? parseSyslogTarget(url) : undefined;
    } catch (err) {
      this.logger.warn((err as Error).message);
      void vscode.window.showWarningMessage(vscode.l10n.t('SOFA Ops: audit records are not copied to syslog: {0}', (err as Error).message));
    }
    return new AuditTrail(file, undefined, {
      syslog,
      onForwardError: (message) => {
        this.logger.warn(message);
        void vscode.window.showWarningMessage(vscode.l10n.t('SOFA Ops: {0}', message));
      },
    });
  }

  /** Asks each declared parameter once per run, validating as the user types; undefined if cancelled. */
  private async askParameters(notebook: vscode.NotebookDocument, decls: ReturnType<typeof runbookParameters>): Promise<Record<string, ParameterValue> | undefined> {
    const remembered = { ...this.prefills.get(notebook.uri.toString())?.params, ...this.lastParams.get(notebook.uri.toString()) };
    const values: Record<string, ParameterValue> = {};
    for (const [name, decl] of Object.entries(decls)) {
      const fallback = remembered[name] ?? decl.default;
      if (decl.type === 'enum' && decl.allowed?.length) {
        const picked = await vscode.window.showQuickPick(decl.allowed.map(String), { title: name, placeHolder: decl.description ?? name });
        if (picked === undefined) return undefined;
        values[name] = picked;
        continue;
      }
      const value = await vscode.window.showInputBox({
        title: vscode.l10n.t('Runbook parameter {0}', name),
        prompt: decl.description,
        value: decl.secret || fallback === undefined ? '' : String(fallback),
        password: !!decl.secret,
        ignoreFocusOut: true,
        validateInput: (text) => {
          const result = resolveParameter(name, decl, text === '' ? undefined : text);
          return 'error' in result ? result.error : undefined;
        },
      });
      if (value === undefined) return undefined;
      if (value !== '') values[name] = value;
    }
    this.lastParams.set(notebook.uri.toString(), Object.fromEntries(Object.entries(values).filter(([n]) => !decls[n].secret)));
    return values;
  }

  private fail(cell: vscode.NotebookCell, message: string): void {
    const execution = this.controller.createNotebookCellExecution(cell);
    execution.executionOrder = ++this.executionOrder;
    execution.start(Date.now());
    void execution.replaceOutput(new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name: 'SOFA Ops', message })]));
    execution.end(false, Date.now());
  }
}

/** A destructive step: a modal whose default button does not run it. */
async function confirmStep(_cell: CodeCell, question: string, hosts: string[], command: string): Promise<boolean> {
  // The dialog's first button is the one Enter presses: make it the one that does not run
  // (VS Code adds its own Cancel as well), so running is a deliberate click on Run.
  const skip: vscode.MessageItem = { title: vscode.l10n.t("Don't Run") };
  const run: vscode.MessageItem = { title: vscode.l10n.t('Run') };
  const detail = vscode.l10n.t('Targets ({0}): {1}', hosts.length, hosts.join(', ')) + `\n\n$ ${clipCommand(command)}`;
  const answer = await vscode.window.showWarningMessage(question, { modal: true, detail }, skip, run);
  return answer === run;
}

/** A step done in another console: done when the operator says so. */
async function manualStep(cell: CodeCell, instructions: string): Promise<boolean> {
  const done = vscode.l10n.t('Mark as Done');
  const answer = await vscode.window.showInformationMessage(vscode.l10n.t('Manual step "{0}"', cell.options.name ?? `line ${cell.line}`), { modal: true, detail: instructions }, done);
  return answer === done;
}

/** A command for a dialog: at most 12 lines and 1,200 characters, with what was cut said. */
export function clipCommand(command: string): string {
  const lines = command.split('\n');
  let text = lines.slice(0, 12).join('\n');
  if (text.length > 1200) text = `${text.slice(0, 1200)}…`;
  const cut = lines.length - Math.min(lines.length, 12);
  return cut ? `${text}\n${vscode.l10n.t('… {0} more line(s)', cut)}` : text;
}
