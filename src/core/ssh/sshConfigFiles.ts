/**
 * What an answer of `ssh -G` depends on: every file a config can read through Include (for any
 * host), the directories an Include glob lists, and whether it uses `Match exec` or hostname
 * canonicalization (answers that can change without any file changing). opensshConfig.ts keys
 * its cache on this; it reads with the same grammar as the built-in resolver.
 */
import * as path from 'path';
import { type BuiltinEnvironment, defaultReadFile, localIdentity, MAX_INCLUDE_DEPTH } from './sshConfigBuiltin';
import { argvSplit, asciiLower, expandGlob, strdelim, tildeExpand } from './sshConfigSyntax';

/** Every file a config reads through Include (any host): what a cache of `ssh -G` answers depends on. */
export function configFileSet(configFile: string | undefined, envIn: BuiltinEnvironment = {}): { files: string[]; dirs: string[]; usesExec: boolean; canonicalizes: boolean } {
  const local = envIn.local ?? localIdentity();
  const files = new Set<string>();
  const dirs = new Set<string>();
  let usesExec = false;
  let canonicalizes = false;
  const visit = (file: string, userConf: boolean, depth: number) => {
    if (depth > MAX_INCLUDE_DEPTH || files.has(file)) return;
    files.add(file);
    dirs.add(path.dirname(file));
    const text = (envIn.readFile ?? defaultReadFile)(file);
    if (text === undefined) return;
    for (const raw of text.split('\n')) {
      const line = raw.replace(/[ \t\r\n\f]+$/, '');
      let first = strdelim(line);
      if (first && first.token === '') first = strdelim(first.rest);
      if (!first || !first.token) continue;
      const kw = asciiLower(first.token);
      const rest = first.rest ?? '';
      if (kw === 'match' && /(^|[\s=!"])exec\b|localnetwork/i.test(rest)) usesExec = true;
      if (kw === 'canonicalizehostname' && !/^\s*(no|false|none)\b/i.test(rest)) canonicalizes = true;
      if (kw !== 'include') continue;
      for (const a of argvSplit(rest) ?? []) {
        let p = a;
        if (!path.isAbsolute(p) && !p.startsWith('~')) p = (userConf ? '~/.ssh/' : '/etc/ssh/') + p;
        try {
          p = tildeExpand(p, local, file);
        } catch {
          continue;
        }
        dirs.add(path.dirname(p));
        for (const m of expandGlob(p, dirs)) visit(m, userConf, depth + 1);
      }
    }
  };
  if (configFile !== undefined) {
    if (configFile !== 'none') visit(configFile, true, 0);
  } else {
    visit(path.join(local.home, '.ssh', 'config'), true, 0);
    visit(envIn.systemConfig ?? '/etc/ssh/ssh_config', false, 0);
  }
  return { files: [...files], dirs: [...dirs], usesExec, canonicalizes };
}
