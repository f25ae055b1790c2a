/** `sofa-ops exec`: one command on inventory targets, with strict host keys and per-host results. */
import { parseArgs } from 'util';
import { commandFromArgv } from '../core/shellQuote';
import { DEFAULT_MAX_HANDSHAKES } from '../core/ssh/sshPool';
import { fanOut, groupResults, type HostResult } from '../core/ssh/fanOut';
import { openCliPool, parseHandshakes, selectCliHosts } from './cliSsh';
import { type Translate, translator } from '../core/l10n';
import { sshErrorAdvice } from '../core/ssh/sshErrorText';
import { type CliIO, cliLang, say, UsageError } from './io';

export const execUsage = `Usage: sofa-ops exec --inventory FILE --target SELECTOR [options] -- COMMAND...

Runs COMMAND on every selected host over SSH (host keys verified against known_hosts).
  --inventory FILE   SOFA Ops YAML or Ansible (INI/YAML) inventory
  --target SELECTOR  all | GROUP | GROUP[0] | GROUP[0:2] | HOST | tag=dc-a, comma-separated
  --parallel N       hosts at once (default 32); each host's connection closes when it is done
  --handshakes N     SSH handshakes in flight at once (default ${DEFAULT_MAX_HANDSHAKES}); more hosts queue
  --timeout S        per-host command timeout in seconds (default 60; 0 = none)
  --accept-new       accept and record keys of hosts never seen before (changed keys are still refused)
  --known-hosts FILE extra known_hosts file (repeatable), e.g. a site's pinned keys
  --json             one JSON array of per-host results
A single COMMAND argument is a shell command line; several are quoted word by word.
Exit code: 0 all hosts ok, 1 any host failed, 2 usage, inventory or selector error.
`;

export async function execCommand(args: string[], io: CliIO): Promise<number> {
  const dashdash = args.indexOf('--');
  const { values, positionals } = parseArgs({
    args: dashdash >= 0 ? args.slice(0, dashdash) : args,
    options: {
      inventory: { type: 'string' },
      target: { type: 'string' },
      parallel: { type: 'string', default: '32' },
      handshakes: { type: 'string' },
      timeout: { type: 'string', default: '60' },
      'accept-new': { type: 'boolean', default: false },
      'known-hosts': { type: 'string', multiple: true, default: [] },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(say(io, undefined, execUsage));
    return 0;
  }
  const commandArgv = dashdash >= 0 ? args.slice(dashdash + 1) : positionals;
  if (!values.inventory) throw new UsageError('--inventory FILE is required');
  if (!values.target) throw new UsageError('--target SELECTOR is required');
  if (!commandArgv.length) throw new UsageError('no COMMAND given after --');
  const parallel = Number(values.parallel);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(parallel) || parallel < 1) throw new UsageError('--parallel must be a positive integer, not "{0}"', values.parallel);
  if (!Number.isFinite(timeout) || timeout < 0) throw new UsageError('--timeout must be seconds >= 0, not "{0}"', values.timeout);
  const maxHandshakes = parseHandshakes(values.handshakes);

  const selected = await selectCliHosts(io, values.inventory, values.target);
  if (typeof selected === 'number') return selected;
  const { targets } = selected;
  // idleMs 0: one command per host, so its connection closes as soon as it is done; a thousand
  // hosts then hold at most --parallel connections (sockets, memory, server processes) at a time.
  const pool = await openCliPool(io, { knownHosts: values['known-hosts']!, acceptNew: values['accept-new']!, idleMs: 0, maxHandshakes });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    const results = await fanOut(pool, targets, commandFromArgv(commandArgv), { parallel, timeoutMs: timeout * 1000, signal: abort.signal });
    io.out(values.json ? JSON.stringify(results.map(toJson), null, 2) + '\n' : describeResults(results, translator(cliLang(io))));
    return results.every((r) => r.outcome === 'ok') ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
    pool.dispose();
  }
}

function toJson(r: HostResult) {
  return {
    name: r.target.name,
    host: r.target.host,
    port: r.target.port,
    outcome: r.outcome,
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    durationMs: r.durationMs,
    ...(r.message ? { message: r.message } : {}),
  };
}

/** Hosts with the same result together; the SSH layer's messages and the hosts' output as they are. */
function describeResults(results: HostResult[], t: Translate): string {
  const lines: string[] = [];
  for (const group of groupResults(results)) {
    const status = group.outcome === 'exit' ? t('exit {0}', group.exitCode ?? '?') : t(group.outcome);
    lines.push(`=== ${group.hosts.join(', ')} (${status})`);
    // SSH failures in the user's language; --json keeps the English message for scripts.
    if (group.message && group.outcome !== 'exit') lines.push(group.error ? sshErrorAdvice(group.error, t) : group.message);
    if (group.stdout) lines.push(group.stdout.replace(/\n$/, ''));
    if (group.stderr) lines.push(group.stderr.replace(/\n$/, '').split('\n').map((l) => t('stderr: {0}', l)).join('\n'));
  }
  const failed = results.filter((r) => r.outcome !== 'ok').length;
  lines.push(t('{0}/{1} hosts ok', results.length - failed, results.length));
  return lines.join('\n') + '\n';
}
