/**
 * How SSH asks the person in front of the editor: a modal showing the SHA256 fingerprint of an
 * unknown host, password/passphrase boxes that never echo, and SecretStorage to remember secrets
 * when the user opted in. Nothing here logs a secret.
 */
import * as vscode from 'vscode';
import type { CredentialPrompter, UnknownHostPolicy } from '../core/ssh/types';
import { rememberSecretsSetting } from '../vscode/settings';

export class EditorUnknownHostPolicy implements UnknownHostPolicy {
  async acceptUnknownHost(host: string, _port: number, keyType: string, fingerprint: string): Promise<boolean> {
    const trust = vscode.l10n.t('Trust and Connect');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('The authenticity of host {0} cannot be established.', host),
      {
        modal: true,
        detail: vscode.l10n.t('{0} key fingerprint is {1}.\nCompare it with the fingerprint the host owner gave you. If you trust it, SOFA Ops records it in its own known_hosts.', keyType, fingerprint),
      },
      trust,
    );
    return choice === trust;
  }
}

type SecretRequest = Parameters<NonNullable<CredentialPrompter['recall']>>[0];

export class EditorCredentialPrompter implements CredentialPrompter {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async prompt(request: Parameters<CredentialPrompter['prompt']>[0]): Promise<string | undefined> {
    return vscode.window.showInputBox({
      title: vscode.l10n.t('SOFA Ops: {0}', request.host),
      prompt: request.message,
      password: !request.echo,
      ignoreFocusOut: true,
    });
  }

  async remember(request: SecretRequest, secret: string): Promise<void> {
    if (!rememberSecretsSetting()) return;
    await this.secrets.store(secretKey(request), secret);
  }

  async recall(request: SecretRequest): Promise<string | undefined> {
    return rememberSecretsSetting() ? this.secrets.get(secretKey(request)) : undefined;
  }

  async forget(request: SecretRequest): Promise<void> {
    await this.secrets.delete(secretKey(request));
  }
}


function secretKey(request: SecretRequest): string {
  // Passphrases belong to the key file (any host), passwords to the host.
  return request.kind === 'passphrase' ? `sofaOps.passphrase:${request.identityFile}` : `sofaOps.password:${request.host}`;
}
