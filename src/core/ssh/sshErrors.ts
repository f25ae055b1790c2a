/** SSH failures classified the way an operator needs to tell them apart, with what each one is about as data. */
import { sshFailureText } from './sshErrorText';
import type { ExecOutcome, HostKeyVerdict, KnownHostsLocation } from './types';

export type SshFailureKind = Extract<ExecOutcome, 'unreachable' | 'auth-failed' | 'host-key-refused' | 'timeout' | 'cancelled' | 'error'>;

/**
 * What went wrong, structured, so the text can be made in the user's language (sshErrorText.ts) and
 * the editor can offer the fitting action (open known_hosts or the inventory at the line).
 * `address` is the host as known_hosts names it (`host` or `[host]:port`); `cause` is the system's own words.
 */
export type SshErrorDetail =
  | { reason: 'cancelled' }
  | { reason: 'connection-closed' }
  | { reason: 'handshake-closed' }
  | { reason: 'connect-timeout'; address: string; seconds: number }
  | { reason: 'no-answer'; address?: string; cause: string }
  | { reason: 'unreachable'; address?: string; cause: string }
  | { reason: 'keepalive' }
  | { reason: 'proxy-command'; said: string }
  | { reason: 'auth'; cause: string }
  | { reason: 'host-key'; host: string; port: number; verdict: Extract<HostKeyVerdict, { status: 'changed' | 'revoked' }> }
  | { reason: 'host-key-declined'; address: string; fingerprint: string }
  | { reason: 'host-key-ask-failed'; address: string; fingerprint: string; cause: string }
  /** `file`/`code` when the known_hosts write failed (KnownHostsWriteError), else just the `cause`. */
  | { reason: 'host-key-not-recorded'; address: string; keyType: string; fingerprint: string; cause: string; file?: string; code?: string }
  | { reason: 'not-in-inventory'; inventory?: string }
  | { reason: 'not-ssh'; why: string; at: KnownHostsLocation }
  /** Text made elsewhere, shown as it is. */
  | { reason: 'other'; text: string };

export class SshError extends Error {
  readonly detail: SshErrorDetail;

  constructor(
    readonly kind: SshFailureKind,
    /** Inventory name or host the failure is about. */
    readonly host: string,
    /** The structured reason (the English message is made from it), or ready-made text. */
    what: string | SshErrorDetail,
  ) {
    const detail: SshErrorDetail = typeof what === 'string' ? { reason: 'other', text: what } : what;
    super(sshFailureText(host, detail));
    this.name = 'SshError';
    this.detail = detail;
  }
}

/** Maps an ssh2/socket error to a kind; host-key refusals are tagged by the connection itself. */
export function classifySshError(err: unknown, host: string, address?: string): SshError {
  if (err instanceof SshError) return err;
  const e = err as { level?: string; code?: string; message?: string };
  const cause = e?.message ?? String(err);
  if (e?.level === 'client-authentication') return new SshError('auth-failed', host, { reason: 'auth', cause });
  if (e?.level === 'client-timeout' || e?.code === 'ETIMEDOUT') return new SshError('unreachable', host, { reason: 'no-answer', address, cause });
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'].includes(e?.code ?? '')) {
    return new SshError('unreachable', host, { reason: 'unreachable', address, cause });
  }
  if (/keepalive/i.test(cause)) return new SshError('unreachable', host, { reason: 'keepalive' });
  return new SshError('error', host, { reason: 'other', text: `${host}: ${cause}` });
}
