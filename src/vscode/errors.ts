/** The one place that turns an error into short user text; the full detail goes to the log. */
import * as vscode from 'vscode';
import type { Logger } from './logger';

export function userMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0];
  return String(err);
}

/** Wrap a command handler: log everything, show the user one line with a way to see more. */
export function guarded<A extends unknown[]>(logger: Logger, what: string, handler: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await handler(...args);
    } catch (err) {
      logger.error(what, err);
      const showLog = vscode.l10n.t('Show Log');
      // Not awaited: the command is over when it failed, not when the notification is dismissed
      // (a caller awaiting the command, e.g. a link in the Inspection view, would hang until then).
      void vscode.window.showErrorMessage(vscode.l10n.t('SOFA Ops: {0} failed: {1}', what, userMessage(err)), showLog).then((choice) => {
        if (choice === showLog) void vscode.commands.executeCommand('workbench.action.output.show.sofa-ops.sofa-ops.SOFA Ops');
      });
    }
  };
}
