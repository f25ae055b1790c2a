/** `sofa-ops demo`: runs the demo site (src/demo) until Ctrl-C or SIGTERM. */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import { demoFaultsFile } from '../demo/demoLauncher';
import { DemoConflictError, DemoSite } from '../demo/demoSite';
import { FaultParseError, faultHelp } from '../demo/faults';
import type { Lang } from '../core/catalog/types';
import { translateKnown, translator } from '../core/l10n';
import { cliLang, type CliIO, UsageError } from './io';

export const demoUsageText = `Usage: sofa-ops demo [--dir DIR] [--faults SET] [--scale guide|small] [--isolation auto|namespaces|plain] [--subnet 127.0.N] [--json-ready]

Starts a SOFAStack site on loopback (every component of the guide, 51 containers on 127.0.1.1-51,
SSH port 2022; MariaDB behind its databases when mariadb-server is installed) and writes a ready
workspace into DIR (default ./sofa-ops-demo): sofa-ops.inventory.yaml, known_hosts pinned to the
containers' host keys, the client key id_ed25519, .vscode/settings.json and a README.
Runs until Ctrl-C or SIGTERM, and leaves nothing running.
  --dir DIR          workspace directory (kept across runs: same keys, logs keep growing)
  --faults SET       comma-separated incidents to inject; NAME@CONTAINER aims one at a container.
                     While running, write a new SET into DIR/.demo/faults to change them.
  --isolation MODE   namespaces (own network, files and processes per container, no root needed),
                     plain (fallback: shared host), auto (default: namespaces when possible)
  --subnet 127.0.N   loopback /24 for the containers (default 127.0.1), so two sites can coexist
  --scale SCALE      guide (default: the guide's instance counts, msgbroker x4, dstweb x4...) or
                     small (one instance of most components, 35 containers)
  --json-ready       print one JSON line when the site is ready (dir, inventory, hosts, ms)
Faults:
{0}
Exit code: 0 stopped by a signal, 1 could not start (e.g. already running), 2 usage error.
`;

export const demoUsage = demoUsageText.replace('{0}', faultHelp());

/** The usage with its fault list, both in `lang`. */
export function demoUsageIn(lang: Lang): string {
  const t = translator(lang);
  return t(demoUsageText, faultHelp(t));
}

/** What the demo site logs while it starts (src/demo/demoSite.ts), as it words it. */
export const SITE_TEXTS = [
  'catalog problems (the demo uses what loaded):\n{0}',
  "{0}: the RDS containers ({1}) only listen on 3306; the database lines of checkService, the stores in /health/readiness and DDS's data source (§3.3.1) pass without a real login",
  "MariaDB could not start ({0}): the RDS containers' 3306 accept and close connections",
  "user namespaces unavailable ({0}): containers share this machine's network and files (--isolation plain); see the demo README",
];

export async function demoCommand(args: string[], io: CliIO, catalogDir: string): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: 'string', default: 'sofa-ops-demo' },
      faults: { type: 'string', default: '' },
      isolation: { type: 'string', default: 'auto' },
      subnet: { type: 'string', default: '127.0.1' },
      scale: { type: 'string', default: 'guide' },
      'json-ready': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(demoUsageIn(cliLang(io)));
    return 0;
  }
  const isolation = values.isolation;
  if (isolation !== 'auto' && isolation !== 'namespaces' && isolation !== 'plain') throw new UsageError('--isolation must be auto, namespaces or plain, not "{0}"', isolation);
  if (!/^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/.test(values.subnet!)) throw new UsageError('--subnet must be three octets inside 127/8 such as 127.0.1, not "{0}"', values.subnet);

  const scale = values.scale;
  if (scale !== 'guide' && scale !== 'small') throw new UsageError('--scale must be guide or small, not "{0}"', String(scale));

  const t = translator(cliLang(io));
  const log = (m: string) => io.err(`sofa-ops demo: ${translateKnown(t, m, SITE_TEXTS)}\n`);
  let site: DemoSite;
  try {
    site = await DemoSite.start({ dir: values.dir, faults: values.faults, isolation, subnet: values.subnet, scale, catalogDir, log });
  } catch (err) {
    if (err instanceof FaultParseError) throw new UsageError(err.template, ...err.args);
    io.err(`sofa-ops demo: ${err instanceof DemoConflictError ? (err as Error).message : t('could not start: {0}', (err as Error).message)}\n`);
    return 1;
  }
  // A running demo takes new faults from DIR/.demo/faults (in place before anyone is told it is ready).
  const faultsFile = demoFaultsFile(site.paths.dir);
  fs.writeFileSync(faultsFile, `${values.faults}\n`);
  let lastFaults = values.faults.trim();
  const onFaultsFile = () => {
    let text: string;
    try {
      text = fs.readFileSync(faultsFile, 'utf8').trim();
    } catch {
      return;
    }
    if (text === lastFaults) return;
    lastFaults = text;
    try {
      const set = site.setFaults(text);
      io.err(`sofa-ops demo: ${t('faults now: {0}', [...set.keys()].join(', ') || t('none'))}\n`);
    } catch (err) {
      io.err(`sofa-ops demo: ${faultsFile}: ${err instanceof FaultParseError ? t(err.template, ...err.args) : (err as Error).message}\n`);
    }
  };
  // A plain poll of a tiny file: fs.watchFile's stat comparison missed writes under load.
  const faultsPoll = setInterval(onFaultsFile, 500);

  // Handle Ctrl-C and SIGTERM from the moment a script may see the ready line.
  let onSignal: (s: NodeJS.Signals) => void = () => undefined;
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (onSignal = resolve));
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, () => onSignal(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);

  const ready = site.ready!;
  if (values['json-ready']) {
    io.out(JSON.stringify({ event: 'ready', ...ready }) + '\n');
  } else {
    const rel = (p: string) => {
      const r = path.relative(process.cwd(), p);
      return r && !r.startsWith('..') ? r : p;
    };
    io.out(
      `${t('SOFA Ops demo site: {0} containers ({1}) ready in {2} ms', ready.hosts.length, `${ready.isolation}${ready.databases === 'mariadb' ? ', MariaDB' : ''}`, ready.ms)}\n` +
        ready.hosts.map((h) => `  ${h.name.padEnd(20)} ${`${h.address}:${h.port}`.padEnd(17)} ${h.product}/${h.component}`).join('\n') +
        `\n${t('Workspace: {0}', ready.dir)}\n` +
        `  ssh -o UserKnownHostsFile=${rel(ready.knownHosts)} -i ${rel(ready.identityFile)} -p 2022 admin@${ready.hosts[0].address}\n` +
        `  sofa-ops exec --inventory ${rel(ready.inventory)} --known-hosts ${rel(ready.knownHosts)} --target registry-meta -- 'curl -s localhost:9615/health/check'\n` +
        `${t('Faults: {0}. Ctrl-C stops the site.', Object.keys(ready.faults).join(', ') || t('none'))}\n`,
    );
  }

  const signal = await stopSignal;
  for (const [s, h] of handlers) process.off(s, h);
  clearInterval(faultsPoll);
  io.err(`sofa-ops demo: ${t('{0}, stopping', signal)}\n`);
  await site.stop();
  return 0;
}
