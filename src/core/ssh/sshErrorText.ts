/**
 * SSH failures as text for a person, in their language. The English message an SshError carries
 * (logs, JSON, tests), the CLI's stderr and the editor's notification are all made here, from the
 * error's structured detail, so one failure reads the same everywhere. Editor-free.
 */
import { translator, type Translate } from '../l10n';
import { hostPortName } from './knownHostsLines';
import type { SshError, SshErrorDetail } from './sshErrors';
import type { HostKeyVerdict, KnownHostsLocation } from './types';

const english = translator('en');

/** The text of a failure about `host` (inventory name); English unless `t` says otherwise. */
export function sshFailureText(host: string, detail: SshErrorDetail, t: Translate = english): string {
  switch (detail.reason) {
    case 'cancelled':
      return t('connecting to {0} was cancelled', host);
    case 'connection-closed':
      return t('connection to {0} is closed', host);
    case 'handshake-closed':
      return t('{0} closed the connection during the handshake', host);
    case 'connect-timeout':
      return t('{0} ({1}) did not accept a connection within {2} s', host, detail.address, detail.seconds);
    case 'no-answer':
      return detail.address ? t('{0} ({1}) did not answer in time ({2})', host, detail.address, detail.cause) : t('{0} did not answer in time ({1})', host, detail.cause);
    case 'unreachable':
      return detail.address ? t('{0} ({1}) is unreachable: {2}', host, detail.address, detail.cause) : t('{0} is unreachable: {1}', host, detail.cause);
    case 'keepalive':
      return t('{0} stopped answering keepalives', host);
    case 'proxy-command':
      return t('{0}: ProxyCommand failed: {1}', host, detail.said);
    case 'auth':
      return t('authentication failed for {0}: {1}', host, detail.cause);
    case 'host-key':
      return verdictText(detail.verdict, detail.host, detail.port, t);
    case 'host-key-declined':
      return t('host key for {0} is not known ({1}) and was not accepted', detail.address, detail.fingerprint);
    case 'host-key-ask-failed':
      return t('host key for {0} is not known ({1}); asking whether to trust it failed: {2}', detail.address, detail.fingerprint, detail.cause);
    case 'host-key-not-recorded': {
      const why = detail.file ? knownHostsWriteText(detail.file, detail.code, detail.cause, t) : detail.cause;
      return t('{0}; not connecting to {1} ({2} {3} was accepted but could not be recorded)', why, detail.address, detail.keyType, detail.fingerprint);
    }
    case 'not-in-inventory':
      return t('Host "{0}" is not in the inventory.', host);
    case 'not-ssh':
      return t('host "{0}": {1}', host, detail.why);
    case 'other':
      return detail.text;
  }
}

/** The error's text in the language of `t`. */
export function sshErrorText(err: SshError, t: Translate): string {
  return sshFailureText(err.host, err.detail, t);
}

/** What to try next, where the text alone does not say it. */
export function sshErrorHint(err: SshError, t: Translate): string | undefined {
  if (err.detail.reason === 'auth') {
    return t('Check that ssh-agent holds the key (SSH_AUTH_SOCK), that the identity file in the inventory or ~/.ssh/config is right, or use a password when asked.');
  }
  return undefined;
}

/** What the user reads: the text, then what to try next when the text alone does not say it. */
export function sshErrorAdvice(err: SshError, t: Translate): string {
  const hint = sshErrorHint(err, t);
  return hint ? `${sshErrorText(err, t)} ${hint}` : sshErrorText(err, t);
}

/** The file and line to fix: the known_hosts line that refused the key, or the inventory entry. */
export function sshErrorPlace(err: SshError): { file: string; line: number; of: 'known_hosts' | 'inventory' } | undefined {
  const d = err.detail;
  if (d.reason === 'host-key') return { ...d.verdict.at, of: 'known_hosts' };
  if (d.reason === 'not-ssh') return { ...d.at, of: 'inventory' };
  if (d.reason === 'not-in-inventory' && d.inventory) return { file: d.inventory, line: 1, of: 'inventory' };
  return undefined;
}

/** Why an accepted host key could not be written to `file`: the reason by its error code, else the system's words. */
export function knownHostsWriteText(file: string, code: string | undefined, cause: string, t: Translate): string {
  const reasons: Record<string, string> = {
    EACCES: t('permission denied'), EPERM: t('operation not permitted'), EROFS: t('read-only file system'), ENOSPC: t('no space left on device'),
    EISDIR: t('it is a directory'), ENOTDIR: t('a parent is not a directory'), EEXIST: t('a parent is not a directory'), EDQUOT: t('disk quota exceeded'),
    ENOTREG: t('not a regular file'),
  };
  const named = code ? reasons[code] : undefined;
  const reason = named ?? code ?? cause;
  // The code too, for a search engine, except where it says nothing more (ENOTREG is our own).
  return t('cannot record the host key in {0}: {1}', file, named && code !== 'ENOTREG' ? `${reason} (${code})` : reason);
}

/** A host key verdict in one to three sentences: what the CLI prints and the editor shows. */
export function verdictText(verdict: HostKeyVerdict, host: string, port: number, t: Translate): string {
  const name = hostPortName(host, port);
  const where = (at: KnownHostsLocation) => `${at.file}:${at.line}`;
  switch (verdict.status) {
    case 'trusted':
      return t('Host key for {0} is known: {1} at {2}.', name, verdict.fingerprint, where(verdict.at));
    case 'unknown':
      return t("Host {0} is not known. It offers {1} key {2}; trust it only if that matches the server's own fingerprint.", name, verdict.keyType, verdict.fingerprint);
    case 'changed': {
      const known = verdict.known.map((k) => t('{0} {1} at {2}', k.keyType, k.fingerprint, where(k.at))).join('; ');
      const files = [...new Set(verdict.known.map((k) => k.at.file))];
      const fix = files.map((f) => `ssh-keygen -R ${shellWord(name)} -f ${shellWord(f)}`).join('; ');
      const what = verdict.downgrade
        ? t('Host {0} offers a {1} key ({2}), but known_hosts only has other key types for it: {3}. This can be a key-type downgrade by an attacker. ', name, verdict.keyType, verdict.fingerprint, known)
        : t('Host key for {0} has CHANGED. Offered {1}; known_hosts has {2}. ', name, verdict.fingerprint, known);
      return what + (verdict.known.length > 1
        ? t('Refusing to connect; remove those lines if the change is expected ({0}).', fix)
        : t('Refusing to connect; remove that line if the change is expected ({0}).', fix));
    }
    case 'revoked':
      return t('Host key for {0} ({1}) is REVOKED at {2}. Refusing to connect.', name, verdict.fingerprint, where(verdict.at));
  }
}

/** Quotes for a POSIX shell only when needed, so the suggested command can be pasted as is. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._/:@%+=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
