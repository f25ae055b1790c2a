/**
 * The runner's `execute` hook over SSH: a cell's command on its hosts through the pooled fan-out.
 * One implementation for the CLI, the editor and the benchmark, so the bench measures what users run.
 * The command and the parameter values travel on the channel's stdin (remoteScript.ts); the exec
 * request itself is a constant `exec sh -s` / `exec bash -s`.
 */
import { StringDecoder } from 'string_decoder';
import type { Translate } from '../l10n';
import type { Inventory } from '../inventory/inventory';
import { fanOut } from '../ssh/fanOut';
import { sshErrorAdvice } from '../ssh/sshErrorText';
import type { SshPool } from '../ssh/sshPool';
import { targetsForHosts } from '../ssh/targets';
import type { SshTarget } from '../ssh/types';
import { cellShell } from './shellParser';
import { remoteScript } from './remoteScript';
import type { RunHooks } from './runbookRunner';

/** `t` puts SSH failures (unreachable, host key refused…) in the reader's language; English without it. */
export function sshCellExecutor(pool: SshPool | (() => Promise<SshPool>), targetsOf: (hosts: string[]) => SshTarget[] | Promise<SshTarget[]>, t?: Translate): RunHooks['execute'] {
  return async ({ cell, command, env, hosts, timeoutMs, parallel, signal, onOutput }) => {
    const script = remoteScript(command, env ?? {}, cellShell(cell.language));
    if ('error' in script) return hosts.map((host) => ({ host, outcome: 'error', exitCode: null, stdout: '', stderr: '', message: script.error, durationMs: 0 }));
    const targets = await targetsOf(hosts);
    const sshPool = typeof pool === 'function' ? await pool() : pool;
    // A decoder per host and stream: a multi-byte character (the guide's logs are Chinese) split
    // across two chunks must not turn into two replacement characters in the live output.
    const decoders = new Map<string, StringDecoder>();
    const decode = (key: string, chunk: Buffer) => {
      let decoder = decoders.get(key);
      if (!decoder) decoders.set(key, (decoder = new StringDecoder('utf8')));
      return decoder.write(chunk);
    };
    const results = await fanOut(sshPool, targets, script.exec, {
      stdin: script.stdin,
      timeoutMs,
      parallel,
      signal,
      onOutput: (target, stream, chunk) => {
        const text = decode(`${target.name}\n${stream}`, chunk);
        if (text) onOutput(target.name, stream, text);
      },
    });
    for (const [key, decoder] of decoders) {
      const rest = decoder.end();
      const [host, stream] = key.split('\n') as [string, 'stdout' | 'stderr'];
      if (rest) onOutput(host, stream, rest);
    }
    return results.map((r) => ({ host: r.target.name, outcome: r.outcome, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, message: r.error && t ? sshErrorAdvice(r.error, t) : r.message, durationMs: r.durationMs }));
  };
}

/** Host names → SSH targets from an inventory (~/.ssh/config applied); unknown names are an error. */
export function inventoryTargets(inventory: Inventory): (hosts: string[]) => SshTarget[] {
  const byName = new Map(inventory.hosts.map((h) => [h.name, h]));
  return (hosts) =>
    targetsForHosts(
      inventory,
      hosts.map((name) => {
        const host = byName.get(name);
        if (!host) throw new Error(`host "${name}" is not in the inventory`);
        return host;
      }),
    );
}
