/** Builds SSH targets and pools against the real sshd fixture. */
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { HostKeyVerifier } from '../../../src/core/ssh/hostKeys';
import { knownHostsStore } from '../../../src/core/ssh/sshConnection';
import { SshPool, type PoolOptions } from '../../../src/core/ssh/sshPool';
import type { CredentialPrompter, SshTarget, UnknownHostPolicy } from '../../../src/core/ssh/types';

export function target(overrides: Partial<SshTarget> & Pick<SshTarget, 'host' | 'port' | 'user'>): SshTarget {
  return {
    name: overrides.host,
    identityFiles: [],
    jumps: [],
    keepaliveInterval: 15,
    keepaliveCountMax: 3,
    connectTimeout: 5,
    ...overrides,
  };
}

export interface PoolSetup {
  pool: SshPool;
  knownHostsFile: string;
  productKnownHosts: string;
  asked: string[];
}

/** A pool whose known_hosts holds `knownHosts`; unknown hosts are refused (and recorded in `asked`) unless `accept`. */
export async function poolWith(knownHosts: string, opts: { accept?: boolean; prompter?: CredentialPrompter; pool?: PoolOptions } = {}): Promise<PoolSetup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-ssh-'));
  const knownHostsFile = path.join(dir, 'known_hosts');
  const productKnownHosts = path.join(dir, 'product', 'known_hosts');
  writeFileSync(knownHostsFile, knownHosts);
  const verifier = await HostKeyVerifier.load([knownHostsFile, productKnownHosts]);
  const asked: string[] = [];
  const unknownHosts: UnknownHostPolicy = {
    async acceptUnknownHost(host, _port, _type, fingerprint) {
      asked.push(`${host} ${fingerprint}`);
      return opts.accept ?? false;
    },
  };
  const pool = new SshPool({ hostKeys: knownHostsStore(verifier, productKnownHosts), unknownHosts, prompter: opts.prompter }, opts.pool);
  return { pool, knownHostsFile, productKnownHosts, asked };
}
