/** A real sshd plus a workspace inventory and pinned known_hosts, for in-editor tests that connect. */
import * as vscode from 'vscode';
import { ensureTestUser, Sshd } from '../../integration/fixtures/sshd';

export interface SshSite {
  sshd: Sshd;
  folder: vscode.Uri;
  stop(): Promise<void>;
}

export async function startSshSite(hosts: Record<string, string[]>): Promise<SshSite> {
  const user = await ensureTestUser();
  const sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
  const folder = vscode.workspace.workspaceFolders![0].uri;
  const enc = new TextEncoder();
  const components = Object.entries(hosts)
    .map(([component, addresses]) => `    ${component}:\n${addresses.map((a, i) => `      - { name: ${component}-${i + 1}, host: ${a} }`).join('\n')}`)
    .join('\n');
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'sofa-ops.inventory.yaml'), enc.encode(`defaults: { port: ${sshd.port}, user: ${user.name}, identityFile: ${user.keys.plain} }
products:
  registry:
${components}
`));
  await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'known_hosts'), enc.encode(sshd.knownHostsFor(Object.values(hosts).flat())));
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
