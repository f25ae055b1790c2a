/**
 * The ssh arguments an Ansible inventory may pass (ansible_ssh_args, _common_args, _extra_args),
 * read the way Ansible splits them (shlex) and ssh reads them (the first value wins): the
 * ProxyJump they set, and the options SOFA Ops cannot honour because they change where, as whom
 * or with which key ssh connects.
 */
import { pyShlexSplit } from './pythonLiteral';

/** ssh options that change the destination, the login or the key: Ansible passes them, we cannot. */
const UNSUPPORTED_SSH_OPTIONS = new Set(['port', 'user', 'hostname', 'proxycommand', 'identityfile', 'identitiesonly', 'certificatefile', 'include', 'hostkeyalias', 'userknownhostsfile', 'globalknownhostsfile']);

/** Read ansible_ssh_*_args as Ansible splits them (shlex) and as ssh reads them (first value wins). */
export function readSshArgs(args: string): { proxyJump?: string; unsupported: string[]; error?: string } {
  let tokens: string[];
  try {
    tokens = pyShlexSplit(args, false).map((t) => t.trim()).filter((t) => t);
  } catch (err) {
    return { unsupported: [], error: `cannot split the arguments: ${(err as Error).message}` };
  }
  let proxyJump: string | undefined;
  const unsupported: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const flag = /^-([pliFJo])(.*)$/s.exec(t);
    if (!flag) continue;
    const value = flag[2] || tokens[++i] || '';
    if (flag[1] === 'J') proxyJump ??= value;
    else if (flag[1] === 'o') {
      const m = /^([A-Za-z]+)\s*(?:=\s*|\s+)(.*)$/s.exec(value.trim());
      if (!m) continue;
      const key = m[1].toLowerCase();
      if (key === 'proxyjump') proxyJump ??= m[2].trim();
      else if (UNSUPPORTED_SSH_OPTIONS.has(key)) unsupported.push(`-o ${m[1]}`);
    } else unsupported.push(`-${flag[1]}`);
  }
  return { proxyJump, unsupported };
}

/** `-J hop`, `-Jhop`, `-o ProxyJump=hop`, `-oProxyJump=hop`, `-o "ProxyJump hop"` in ssh arguments. */
export function proxyJumpFromSshArgs(args: string): string | undefined {
  return readSshArgs(args).proxyJump;
}
