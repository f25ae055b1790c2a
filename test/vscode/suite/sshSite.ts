/** A real sshd plus a workspace inventory and pinned known_hosts, for in-editor tests that connect. */
import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { ensureTestUser, SSH_KEYGEN, Sshd } from '../../integration/fixtures/sshd';

export interface SshSite {
  sshd: Sshd;
  folder: vscode.Uri;
  stop(): Promise<void>;
}

/** A fresh RSA public key ("ssh-rsa AAAA…") that no server of the site holds. */
function foreignRsaKey(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-foreign-'));
  try {
    spawnSync(SSH_KEYGEN, ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', path.join(dir, 'k')]);
    return readFileSync(path.join(dir, 'k.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `downgraded` addresses are pinned with an RSA key only while the sshd offers ed25519 alone: what a
 * man in the middle with another key type looks like (OpenSSH calls it a changed key).
 */
export async function startSshSite(hosts: Record<string, string[]>, options: { downgraded?: string[]; logRoot?: string } = {}): Promise<SshSite> {
  const user = await ensureTestUser();
  const sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
  const folder = vscode.workspace.workspaceFolders![0].uri;
  const enc = new TextEncoder();
  const components = Object.entries(hosts)
    .map(([component, addresses]) => `    ${component}:\n${addresses.map((a, i) => `      - { name: ${component}-${i + 1}, host: ${a} }`).join('\n')}`)
    .join('\n');
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'sofa-ops.inventory.yaml'), enc.encode(`defaults: { port: ${sshd.port}, user: ${user.name}, identityFile: ${user.keys.plain}${options.logRoot ? `, logRoot: ${JSON.stringify(options.logRoot)}` : ''} }
products:
  registry:
${components}
`));
  const downgraded = new Set(options.downgraded ?? []);
  const rsa = downgraded.size ? foreignRsaKey() : '';
  const pinned = sshd.knownHostsFor(Object.values(hosts).flat().filter((a) => !downgraded.has(a)));
  const foreign = [...downgraded].map((a) => `[${a}]:${sshd.port} ${rsa}\n`).join('');
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'known_hosts'), enc.encode(pinned + foreign));
  await vscode.workspace.getConfiguration('sofaOps').update('ssh.knownHostsFiles', ['known_hosts'], vscode.ConfigurationTarget.Workspace);
  await vscode.commands.executeCommand('sofaOps.refreshCatalog');
  return {
    sshd,
    folder,
    async stop() {
      await vscode.commands.executeCommand('sofaOps.disconnectAll');
      await vscode.workspace.getConfiguration('sofaOps').update('ssh.knownHostsFiles', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder, 'sofa-ops.inventory.yaml'));
      await sshd.stop();
    },
  };
}
