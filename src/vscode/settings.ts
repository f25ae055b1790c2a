/** Typed reads of the extension's settings; always read fresh so changes apply without reload. */
import * as vscode from 'vscode';
import { langForLocale } from '../core/catalog/text';
import type { Lang } from '../core/catalog/types';
import { SettingKeys } from './ids';

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SettingKeys.section);
}

/** The catalog language: the setting, or the UI language when it says "auto". */
export function catalogLanguage(): Lang {
  const value = config().get<string>(SettingKeys.language, 'auto');
  return value === 'zh' || value === 'en' ? value : langForLocale(vscode.env.language);
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

export function affectsSofaSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return event.affectsConfiguration(SettingKeys.section);
}
