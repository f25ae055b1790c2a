/** SSH failures classified the way an operator needs to tell them apart. */
import type { ExecOutcome } from './types';

export type SshFailureKind = Extract<ExecOutcome, 'unreachable' | 'auth-failed' | 'host-key-refused' | 'timeout' | 'cancelled' | 'error'>;

export class SshError extends Error {
  constructor(
    readonly kind: SshFailureKind,
    /** Inventory name or host the failure is about. */
    readonly host: string,
    message: string,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

/** Maps an ssh2/socket error to a kind; host-key refusals are tagged by the connection itself. */
export function classifySshError(err: unknown, host: string): SshError {
  if (err instanceof SshError) return err;
  const e = err as { level?: string; code?: string; message?: string };
  const message = e?.message ?? String(err);
  if (e?.level === 'client-authentication') return new SshError('auth-failed', host, `authentication failed for ${host}: ${message}`);
  if (e?.level === 'client-timeout' || e?.code === 'ETIMEDOUT') return new SshError('unreachable', host, `${host} did not answer in time (${message})`);
  if (['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'].includes(e?.code ?? '')) {
    return new SshError('unreachable', host, `${host} is unreachable: ${message}`);
  }
  if (/keepalive/i.test(message)) return new SshError('unreachable', host, `${host} stopped answering keepalives`);
  return new SshError('error', host, `${host}: ${message}`);
}
