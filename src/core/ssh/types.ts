/** Shared shapes of the SSH layer (host keys, targets, exec results). Editor-free. */

/** Where a host key verdict came from, so the user can fix the right line. */
export interface KnownHostsLocation {
  file: string;
  /** 1-based line in that file. */
  line: number;
}

/** The outcome of checking a server's host key against known_hosts files. */
export type HostKeyVerdict =
  | { status: 'trusted'; fingerprint: string; at: KnownHostsLocation }
  | { status: 'unknown'; fingerprint: string; keyType: string }
  | {
    status: 'changed';
    fingerprint: string;
    keyType: string;
    /** The first key on file that the offered one contradicts, and where it is. */
    knownFingerprint: string;
    at: KnownHostsLocation;
    /** Every key on file for the host that contradicts the offered one (same type, or all when `downgrade`). */
    known: KnownHostKey[];
    /** No key of the offered type is on file, only keys of other types: a key-type downgrade. */
    downgrade: boolean;
  }
  | { status: 'revoked'; fingerprint: string; at: KnownHostsLocation };

/** A key on file for a host, for messages that show what was expected. */
export interface KnownHostKey {
  keyType: string;
  fingerprint: string;
  at: KnownHostsLocation;
}

/**
 * Decides about unknown hosts: the editor asks the user (showing the fingerprint), the CLI refuses
 * unless --accept-new. Changed and revoked keys are always refused and never reach this.
 * Returning true records the key in the product's known_hosts file.
 */
export interface UnknownHostPolicy {
  acceptUnknownHost(host: string, port: number, keyType: string, fingerprint: string): Promise<boolean>;
  /** Optional: told once an accepted key is really on disk (never before), so messages stay honest. */
  recorded?(host: string, port: number, at: KnownHostsLocation): void;
}

/** Where SSH asks a person: passphrases, passwords, keyboard-interactive prompts. */
export interface CredentialPrompter {
  /** Returns undefined when the user cancels. `secret` answers must never be logged. */
  prompt(request: { host: string; kind: 'passphrase' | 'password' | 'keyboard-interactive'; message: string; echo: boolean; identityFile?: string }): Promise<string | undefined>;
  /** Optional: remember a secret that worked (SecretStorage in the editor). */
  remember?(request: { host: string; kind: 'passphrase' | 'password'; identityFile?: string }, secret: string): Promise<void>;
  /** Optional: a secret remembered earlier; tried before prompting. */
  recall?(request: { host: string; kind: 'passphrase' | 'password'; identityFile?: string }): Promise<string | undefined>;
  /** Optional: forget a remembered secret that no longer works. */
  forget?(request: { host: string; kind: 'passphrase' | 'password'; identityFile?: string }): Promise<void>;
}

/** A resolved place to connect to: inventory entry merged with ~/.ssh/config. */
export interface SshTarget {
  /** Inventory name, e.g. registry-meta-1; what the user sees. */
  name: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** Hops before the target, outermost first. */
  jumps: SshTarget[];
  /**
   * ssh_config ProxyCommand, tokens already expanded (it starts with `exec `): run with
   * $SHELL -c (else /bin/sh) and its stdin/stdout used as the connection. Only when there are no jumps.
   */
  proxyCommand?: string;
  /** Seconds; 0 disables. */
  keepaliveInterval: number;
  keepaliveCountMax: number;
  /** Seconds to wait for TCP + handshake. */
  connectTimeout: number;
  /** Use ssh-agent at this socket (SSH_AUTH_SOCK) when set. */
  agent?: string;
}

/** Per-host outcome of a command; each failure kind is distinct so fan-out can report it. */
export type ExecOutcome =
  | 'ok'
  | 'exit'            // ran, non-zero exit code (or killed by signal)
  | 'timeout'
  | 'cancelled'
  | 'unreachable'
  | 'auth-failed'
  | 'host-key-refused'
  | 'error';
