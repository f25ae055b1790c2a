/**
 * Inspection benchmark: a full inspection of the demo site (17 containers, every fault on) side
 * by side with its anchor, the slowest single check run alone. Each run uses a fresh SSH pool,
 * so both include connecting, as `sofa-ops inspect` does. Target: full ≤ 1.5 × slowest single.
 *
 *   npx tsx bench/inspect.bench.ts [--reps N] [--no-build]
 *
 * Needs root (the demo runs as the unprivileged test user) and a free 127.0.1.x:2022 (run it in
 * its own network namespace when another demo is up: `unshare -n sh -c 'ip link set lo up; ...'`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../src/core/catalog/catalogLoader';
import { planInspection, type InspectionPlan } from '../src/core/checks/checkPlan';
import { poolTransport } from '../src/core/checks/inspect';
import { runInspection } from '../src/core/checks/inspectionRunner';
import { loadInventory, type InventoryHost } from '../src/core/inventory/inventory';
import { knownHostsStore } from '../src/core/ssh/sshConnection';
import { SshPool } from '../src/core/ssh/sshPool';
import { loadHostKeyVerifier, targetsForHosts } from '../src/core/ssh/targets';
import { demoDir, startDemo } from '../test/integration/demo/demoProcess';

const ROOT = path.join(__dirname, '..');
// meta-split-brain is left out: with meta-leader-lost on, the one-leader rule has work either way.
const FAULTS = 'msgbroker-9529-down,drmdata-push-failure,dbp-slow-sql,meta-leader-lost,acvip-clock-skew,disk-full,scheduler-send-drop,broker-heartbeat-slow';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, 'no-build': { type: 'boolean', default: false } } });
  const reps = Number(values.reps);
  if (!values['no-build']) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const dir = demoDir('sofa-ops-bench-inspect-');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-bench-home-'));
  process.env.SOFA_OPS_HOME = path.join(home, '.sofa-ops');
  const demo = await startDemo(dir, ['--faults', FAULTS]);
  try {
    const { catalog } = await loadCatalog(path.join(ROOT, 'runbooks'));
    const { inventory } = await loadInventory(demo.ready.inventory);
    const verifier = await loadHostKeyVerifier([demo.ready.knownHosts], { ...process.env, HOME: home });
    const deps = { hostKeys: knownHostsStore(verifier, path.join(home, 'known_hosts')), unknownHosts: { acceptUnknownHost: async () => false } };
    const targets = new Map(inventory.hosts.map((h) => [h.name, targetsForHosts(inventory, [h])[0]]));
    const run = async (plan: InspectionPlan) => {
      const pool = new SshPool(deps);
      const started = process.hrtime.bigint();
      const inspection = await runInspection(catalog, plan, poolTransport(pool, (h: InventoryHost) => targets.get(h.name)!));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      pool.dispose();
      return { ms, inspection };
    };
    const full = planInspection(catalog, inventory.hosts);
    await run(full); // warm-up: page cache, JIT

    // Every (check, host) pair alone: one planned check on one host, fresh connection.
    const singles: { id: string; host: string; kind: string; ms: number }[] = [];
    for (const hp of full.hosts) {
      for (const c of hp.checks) {
        const { ms } = await run({ hosts: [{ host: hp.host, checks: [c] }], composites: [], manual: [] });
        singles.push({ id: c.check.id, host: hp.host.name, kind: c.check.kind, ms });
      }
    }
    // Every rule over a component's hosts alone too (the one-leader rule asks each meta node itself).
    for (const g of full.composites) {
      const { ms } = await run({ hosts: [], composites: [g], manual: [] });
      singles.push({ id: g.check.id, host: g.component, kind: `composite:${g.check.rule}`, ms });
    }
    singles.sort((a, b) => b.ms - a.ms);
    const fullRuns: number[] = [];
    const slowestRuns: number[] = [];
    const slowest = singles[0];
    const slowestHost = full.hosts.find((h) => h.host.name === slowest.host);
    const slowestPlan: InspectionPlan = slowestHost
      ? { hosts: [{ host: slowestHost.host, checks: slowestHost.checks.filter((c) => c.check.id === slowest.id) }], composites: [], manual: [] }
      : { hosts: [], composites: full.composites.filter((g) => g.check.id === slowest.id && g.component === slowest.host), manual: [] };
    let results = 0;
    // Interleaved, so machine noise hits both alike.
    for (let i = 0; i < reps; i++) {
      const f = await run(full);
      results = f.inspection.results.length;
      fullRuns.push(f.ms);
      slowestRuns.push((await run(slowestPlan)).ms);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const fullMs = median(fullRuns);
    const slowMs = median(slowestRuns);
    const byKind = new Map<string, number[]>();
    for (const s of singles) byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s.ms]);
    console.log(`\nInspection of the demo site: ${full.hosts.length} hosts, ${results} results (${singles.length} checks alone: host checks and rules over hosts), ${os.cpus().length} CPUs, Node ${process.version}, ${reps} interleaved runs\n`);
    console.log('| run | median ms | runs |\n|---|---:|---|');
    console.log(`| full inspection | ${fullMs.toFixed(0)} | ${fullRuns.map((x) => x.toFixed(0)).join(' ')} |`);
    console.log(`| slowest single check (${slowest.id} @ ${slowest.host}) | ${slowMs.toFixed(0)} | ${slowestRuns.map((x) => x.toFixed(0)).join(' ')} |`);
    console.log(`\nfull / slowest single = ${(fullMs / slowMs).toFixed(2)}× (target ≤ 1.5×: ${fullMs <= 1.5 * slowMs ? 'met' : 'MISSED'})\n`);
    console.log('| kind | checks | median ms alone | max ms alone |\n|---|---:|---:|---:|');
    for (const [kind, xs] of byKind) console.log(`| ${kind} | ${xs.length} | ${median(xs).toFixed(0)} | ${Math.max(...xs).toFixed(0)} |`);
    console.log('\nslowest ten alone:');
    for (const s of singles.slice(0, 10)) console.log(`  ${s.ms.toFixed(0).padStart(5)} ms  ${s.kind.padEnd(8)} ${s.id} @ ${s.host}`);
  } finally {
    await demo.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
