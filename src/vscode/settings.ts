/** Typed reads of the extension's settings; always read fresh so changes apply without reload. */
import * as path from 'path';
import * as vscode from 'vscode';
import { langForLocale } from '../core/catalog/text';
import type { Lang } from '../core/catalog/types';
import type { Translate } from '../core/l10n';
import { SettingKeys } from './ids';

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SettingKeys.section);
}

/** The catalog language: the setting, or the UI language when it says "auto". */
export function catalogLanguage(): Lang {
  const value = config().get<string>(SettingKeys.language, 'auto');
  return value === 'zh' || value === 'en' ? value : langForLocale(vscode.env.language);
}

/**
 * The editor's own strings as core's Translate, for text core words in English (runner messages,
 * run plans, SSH failures): vscode.l10n.t in the display language, text in both languages picked
 * for it.
 */
export function uiTranslator(): Translate {
  const lang = langForLocale(vscode.env.language);
  return (message, ...args) => vscode.l10n.t(message, ...args.map((a) => (typeof a === 'object' ? (lang === 'zh' ? a.zh : a.en) || a.en : a)));
}

/** Extra catalog folders from the workspace (relative paths resolve against the first folder). */
export function extraCatalogPaths(): string[] {
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return config()
    .get<string[]>(SettingKeys.catalogPaths, [])
    .map((p) => (base && !p.startsWith('/') && !/^[a-z]:/i.test(p) ? vscode.Uri.joinPath(vscode.Uri.file(base), p).fsPath : p));
}

/** The syslog collector audit records are copied to (`tcp://host:port`), or undefined for none. */
export function auditSyslog(): string | undefined {
  return config().get<string>(SettingKeys.auditSyslog, '').trim() || undefined;
}

/** A setting of SOFA Ops, by its key under `sofaOps.` (SettingKeys). */
export type SettingKey = Exclude<(typeof SettingKeys)[keyof typeof SettingKeys], typeof SettingKeys.section>;

/**
 * Runs `handler` when one of `keys` changes, and only then: each part reloads what its own
 * settings feed (the catalog its folders, SSH the inventory…), not everything on any change.
 */
export function onSettingChange(keys: readonly SettingKey[], handler: () => void): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (keys.some((key) => e.affectsConfiguration(`${SettingKeys.section}.${key}`))) handler();
  });
}

/** Whether passphrases and passwords may be kept in SecretStorage (`sofaOps.ssh.rememberSecrets`). */
export function rememberSecretsSetting(): boolean {
  return config().get<boolean>(SettingKeys.rememberSecrets, false);
}

/** Minutes between periodic inspections (`sofaOps.inspection.intervalMinutes`); 0 for none. */
export function inspectionIntervalSetting(): number {
  const minutes = config().get<number>(SettingKeys.inspectionInterval, 0);
  return Number.isFinite(minutes) && minutes > 0 ? minutes : 0;
}

function workspaceBase(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}

function resolved(file: string): string {
  const base = workspaceBase();
  return path.isAbsolute(file) || !base ? file : path.join(base, file);
}

/** `sofaOps.inventoryFile`, absolute (relative paths resolve against the first folder), or undefined when unset. */
export function inventoryFileSetting(): string | undefined {
  const value = config().get<string>(SettingKeys.inventoryFile, '').trim();
  return value ? resolved(value) : undefined;
}

/** `sofaOps.ssh.knownHostsFiles`, absolute. */
export function knownHostsFilesSetting(): string[] {
  return config().get<string[]>(SettingKeys.knownHostsFiles, []).map(resolved);
}

/** Points this workspace at an inventory and its pinned known_hosts (the demo site's, say). */
export async function useInventory(inventory: string, knownHosts: string): Promise<void> {
  await config().update(SettingKeys.inventoryFile, inventory, vscode.ConfigurationTarget.Workspace);
  await config().update(SettingKeys.knownHostsFiles, [knownHosts], vscode.ConfigurationTarget.Workspace);
}
