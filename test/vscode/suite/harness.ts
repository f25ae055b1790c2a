/**
 * Shared helpers for the in-editor tests: the extension under test (id from package.json, so a
 * rename there is followed), its test API, polling, and the activation-time measurement that the
 * launchers print.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import manifest from '../../../package.json';
import type { CatalogSnapshot } from '../../../src/catalog/catalogStore';
import type { ProductCatalog } from '../../../src/core/catalog/types';
import type { SofaOpsApi } from '../../../src/extension';

export const EXTENSION_ID = `${manifest.publisher}.${manifest.name}`;

export const metrics: {
  /** Wall time of `await extension.activate()` seen from another extension, cold. */
  activateAwaitMs?: number;
  /** What the extension measured around its own activate() body. */
  selfReportedMs?: number;
  /** The host's own numbers (Developer: Startup Performance → Extension Activation Stats). */
  host?: { loadCodeMs: number; callActivateMs: number; finishActivateMs: number; event: string };
  alreadyActive?: boolean;
  /** Measurements tests print at the end (never asserted: tests must not depend on machine speed). */
  notes?: string[];
} = {};

/** Prints `line` with the run's closing numbers (a time measured by a test, say). */
export function note(line: string): void {
  (metrics.notes ??= []).push(line);
}

export function extension(): vscode.Extension<SofaOpsApi> {
  const ext = vscode.extensions.getExtension<SofaOpsApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this VS Code`);
  return ext;
}

export async function api(): Promise<SofaOpsApi> {
  const ext = extension();
  const exports = ext.isActive ? ext.exports : await ext.activate();
  assert.ok(exports, `${EXTENSION_ID}: activate() returned no API`);
  return exports;
}

/** Polls until `probe` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Writes `text` to `uri`, opens it as a runbook notebook and runs every cell with the SSH kernel (Run All). */
export async function runAllCells(uri: vscode.Uri, text: string): Promise<vscode.NotebookDocument> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  const notebook = await vscode.workspace.openNotebookDocument(uri);
  const editor = await vscode.window.showNotebookDocument(notebook);
  await vscode.commands.executeCommand('notebook.selectKernel', { editor, id: 'sofa-ops-runbook-ssh', extension: 'sofa-ops.sofa-ops' });
  await vscode.commands.executeCommand('notebook.execute', notebook.uri);
  return notebook;
}

export function labelOf(item: vscode.TreeItem): string {
  const label = item.label;
  return typeof label === 'string' ? label : (label?.label ?? '');
}

/** The products of the loaded catalog (`api.catalog()`); fails when none is loaded yet. */
export function productsOf(snapshot: CatalogSnapshot | undefined): ProductCatalog[] {
  assert.ok(snapshot, 'no catalog is loaded');
  return snapshot.catalog.products;
}

/**
 * Reads the host's activation stats from the "Startup Performance" document (the one
 * `Developer: Startup Performance` shows): a markdown table row per activated extension.
 */
async function hostActivationStats(): Promise<typeof metrics.host> {
  // The perf: document provider is created lazily, by the command that shows it.
  await vscode.commands.executeCommand('perfview.show');
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'perf', path: 'Startup Performance' }));
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  const row = doc
    .getText()
    .split('\n')
    .find((l) => l.startsWith('|') && l.includes(EXTENSION_ID));
  if (!row) return undefined;
  // | Extension | Eager | Load Code | Call Activate | Finish Activate | Event | By |
  const cells = row.split('|').map((c) => c.trim());
  return { loadCodeMs: Number(cells[3]), callActivateMs: Number(cells[4]), finishActivateMs: Number(cells[5]), event: cells[6] ?? '' };
}

export async function reportMetrics(): Promise<string[]> {
  let why = 'no row for the extension';
  try {
    metrics.host = await Promise.race([hostActivationStats(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000))]);
  } catch (err) {
    // Not every host serves the perf: document; the other numbers still stand.
    why = String(err);
  }
  const env = vscode.env;
  const lines: string[] = [
    `host: ${env.appName} ${vscode.version}, uiKind ${vscode.UIKind[env.uiKind]}, appHost ${env.appHost}, remoteName ${env.remoteName ?? '-'}, language ${env.language}`,
  ];
  const m = metrics;
  if (m.activateAwaitMs !== undefined) {
    lines.push(`activation: ${EXTENSION_ID} activate() awaited cold in ${m.activateAwaitMs} ms${m.alreadyActive ? ' (was already active: not a cold number)' : ''}`);
  }
  for (const line of m.notes ?? []) lines.push(line);
  if (m.selfReportedMs !== undefined) lines.push(`activation: the extension's own activate() body took ${m.selfReportedMs} ms`);
  if (m.host) {
    lines.push(
      `activation: host stats (Startup Performance): load code ${m.host.loadCodeMs} ms, call activate ${m.host.callActivateMs} ms, finish activate ${m.host.finishActivateMs} ms, event ${m.host.event}`,
    );
  } else {
    lines.push(`activation: host stats (Startup Performance) not available in this host: ${why}`);
  }
  return lines;
}
