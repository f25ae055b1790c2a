/**
 * The one place that turns an error into what the user sees: short text in their language and the
 * action that fits (open known_hosts or the inventory at the line, show the log); the full detail
 * goes to the log. SSH failures get their text from core (sshErrorText.ts), as the CLI does.
 */
import * as vscode from 'vscode';
import { SshError } from '../core/ssh/sshErrors';
import { sshErrorAdvice, sshErrorPlace } from '../core/ssh/sshErrorText';
import type { Logger } from './logger';
import { uiTranslator } from './settings';

/** An error notification as shown, for the in-editor tests (there is no API to read notifications). */
export interface ErrorNotice {
  readonly text: string;
  readonly actions: readonly string[];
  /** Does what clicking the button does. */
  choose(action: string): Promise<void>;
}

const shownErrors = new vscode.EventEmitter<ErrorNotice>();
export const onDidShowError = shownErrors.event;

/** The SSH failure behind an error: the error itself, or the one a failed remote read carries. */
function sshErrorOf(err: unknown): SshError | undefined {
  if (err instanceof SshError) return err;
  const carried = (err as { result?: { error?: unknown } } | undefined)?.result?.error;
  return carried instanceof SshError ? carried : undefined;
}

/** One line for the user, in the editor's language for SSH failures (with a hint where one helps). */
export function userMessage(err: unknown): string {
  const ssh = sshErrorOf(err);
  if (ssh) return sshErrorAdvice(ssh, uiTranslator());
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}

/** "SOFA Ops: Open log: …", with "failed" said once: not when the text already says it. */
function headline(what: string, err: unknown, text: string): string {
  if (sshErrorOf(err) || /\bfailed\b|失败/i.test(text)) return vscode.l10n.t('SOFA Ops: {0}: {1}', what, text);
  return vscode.l10n.t('SOFA Ops: {0} failed: {1}', what, text);
}

async function openAt(file: string, line: number): Promise<void> {
  const at = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(vscode.Uri.file(file), { selection: new vscode.Range(at, at), preview: false });
}

/** Shows `text` as an error with the actions that fit `err`; "Show Log" opens the logger's own channel. */
export function showError(logger: Logger, text: string, err?: unknown, options: vscode.MessageOptions = {}): void {
  const actions = new Map<string, () => Thenable<unknown>>();
  const ssh = sshErrorOf(err);
  const place = ssh && sshErrorPlace(ssh);
  if (place) actions.set(place.of === 'known_hosts' ? vscode.l10n.t('Open known_hosts') : vscode.l10n.t('Open Inventory'), () => openAt(place.file, place.line));
  actions.set(vscode.l10n.t('Show Log'), async () => logger.show());
  const choose = async (action: string) => {
    await actions.get(action)?.();
  };
  // Not awaited: the command is over when it failed, not when the notification is dismissed
  // (a caller awaiting the command, e.g. a link in the Inspection view, would hang until then).
  void vscode.window.showErrorMessage(text, options, ...actions.keys()).then((choice) => (choice ? choose(choice) : undefined));
  shownErrors.fire({ text, actions: [...actions.keys()], choose });
}

/** Wrap a command handler: log everything, show the user one line with a way to see more. */
export function guarded<A extends unknown[]>(logger: Logger, what: string, handler: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await handler(...args);
    } catch (err) {
      logger.error(what, err);
      showError(logger, headline(what, err, userMessage(err)), err);
    }
  };
}
