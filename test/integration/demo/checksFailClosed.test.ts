/**
 * Every shipped check fails closed on the real demo site: healthy, it passes; with what it
 * checks stopped, it is FAIL or ERROR, never PASS. One demo, three inspections: the healthy site;
 * every container's service stopped (service-down: ports but SSH closed, no java process, no
 * connections, no new log lines); every container's metrics unreadable (metrics-unavailable:
 * /proc views and df), which is what a resource check reads; and, for a check of the SSH port
 * alone, every container's sshd gone (the inventory aimed at an address nothing listens on).
 * A catalog component the demo does not run (none today) would be added to the inventory of the
 * stopped runs as a stopped container labelled as it: its checks then run against a service that
 * is down, as on a real site.
 * Faults are in effect before each
 * inspection starts: the test waits for what they change, not for time.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { loadCatalog } from '../../../src/core/catalog/catalogLoader';
import type { Catalog, Check } from '../../../src/core/catalog/types';
import type { CheckResult, Inspection } from '../../../src/core/checks/types';
import { requireRoot } from '../fixtures/sshd';
import { appProcesses, BIN, demoDir, eventually, startDemo, type RunningDemo } from './demoProcess';


describe('every shipped check fails closed on the demo site', function () {
  this.timeout(180_000);
  let demo: RunningDemo;
  let dir: string;
  let work: string;
  let checks: Map<string, Check>;
  let catalog: Catalog;

  before(async () => {
    requireRoot();
    dir = demoDir();
    demo = await startDemo(dir);
    assert.strictEqual(demo.ready.isolation, 'namespaces', 'the metrics fault needs the per-container /proc views of namespaces mode');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-failclosed-'));
    catalog = (await loadCatalog(path.resolve(__dirname, '../../../runbooks'))).catalog;
    checks = new Map(catalog.products.flatMap((p) => p.checks).map((c) => [c.id, c]));
  });
  after(async () => {
    await demo?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  let runs = 0;
  function inspect(inventory = demo.ready.inventory): CheckResult[] {
    const out = path.join(work, `report-${++runs}.json`);
    const home = path.join(work, 'home');
    const r = spawnSync(process.execPath, [BIN, 'inspect', '--inventory', inventory, '--known-hosts', demo.ready.knownHosts, '--report', 'json', '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, HOME: home, SOFA_OPS_HOME: path.join(home, '.sofa-ops'), SSH_AUTH_SOCK: '' },
      timeout: 120_000,
    });
    assert.ok(fs.existsSync(out), `inspect wrote no report (exit ${r.status}): ${r.stderr}`);
    return (JSON.parse(fs.readFileSync(out, 'utf8')) as Inspection).results;
  }


  const procFile = (name: string, file: string) => fs.readFileSync(path.join(dir, '.demo', 'containers', name, 'proc', file), 'utf8');

  /** Writes the fault set and waits until the demo says it took it and its effects are visible. */
  async function setFaults(text: string, inEffect: () => boolean): Promise<void> {
    const before = (demo.stderr().match(/faults now:/g) ?? []).length;
    fs.writeFileSync(path.join(dir, '.demo', 'faults'), `${text}\n`);
    assert.ok(await eventually(() => (demo.stderr().match(/faults now:/g) ?? []).length > before && inEffect(), 30_000, 200), `faults not applied: ${demo.stderr()}`);
  }

  const key = (r: CheckResult) => `${r.checkId}@${r.host ?? r.component}`;
  const names = () => demo.ready.hosts.map((h) => h.name);

  it('passes on the healthy site, and is FAIL/ERROR with its service (or its metrics) stopped: 0 false PASS', async () => {
    assert.ok(appProcesses(demo) >= names().length, 'every container runs its application (java, mysqld or kubelet)');
    const healthy = inspect();
    // Checks for other versions than the demo plays (ACVIP < 0.7.0) are N/A there.
    const notGreen = healthy.filter((r) => r.status !== 'pass' && r.status !== 'warn' && r.status !== 'na' && r.kind !== 'manual');
    assert.deepStrictEqual(notGreen.map((r) => `${key(r)}: ${r.status} ${r.message}`), [], 'the healthy site is green');

    // The components no demo container runs, each as one more host on a (stopped) container.
    const served = new Set(demo.ready.hosts.map((h) => h.component));
    const inventory = parse(fs.readFileSync(demo.ready.inventory, 'utf8')) as { defaults: Record<string, unknown>; products: Record<string, Record<string, unknown[]>> };
    // Without the site's versions every check runs, also those N/A on the demo: they too must fail closed.
    delete inventory.defaults.versions;
    const na = new Set(healthy.filter((r) => r.status === 'na').map((r) => r.checkId));
    const stand = demo.ready.hosts.find((h) => h.name === 'dtxserver-1')!;
    const extras = new Set<string>();
    for (const p of catalog.products) {
      for (const c of p.checks) {
        if (c.kind === 'manual' || c.kind === 'composite' || c.components.some((x) => served.has(x))) continue;
        const component = c.components[0];
        const name = `${component}-on-${stand.name}`;
        if (extras.has(name)) continue;
        extras.add(name);
        ((inventory.products[p.product.id] ??= {})[component] ??= []).push({ name, host: stand.address });
      }
    }
    const withExtras = path.join(work, 'with-extras.yaml');
    fs.writeFileSync(withExtras, stringify(inventory));

    await setFaults(names().map((n) => `service-down@${n}`).join(','), () => appProcesses(demo) === 0);
    const stopped = inspect(withExtras);
    await setFaults(names().map((n) => `metrics-unavailable@${n}`).join(','), () => appProcesses(demo) >= names().length && names().every((n) => procFile(n, 'loadavg').startsWith('unavailable')));
    const noMetrics = inspect(withExtras);
    // Every container's sshd stopped: the same inventory, aimed at an address of the demo's
    // subnet where nothing listens.
    const deadInventory = path.join(work, 'no-sshd.yaml');
    fs.writeFileSync(deadInventory, fs.readFileSync(withExtras, 'utf8').replace(/host: (\d+\.\d+\.\d+)\.\d+/g, 'host: $1.250'));
    const noSshd = inspect(deadInventory);

    // A resource check reads the container's metrics, not the service: it is judged with those
    // gone. A check of the SSH port alone checks the sshd.
    const sshOnly = (r: CheckResult) => r.kind === 'port' && (checks.get(r.checkId)?.ports ?? []).every((p) => p === demo.ready.hosts[0].port);
    const judgedIn = (r: CheckResult) => (r.kind === 'resource' ? noMetrics : sshOnly(r) ? noSshd : stopped);
    const run = [...healthy, ...stopped.filter((r) => extras.has(r.host ?? ''))].filter((r) => r.kind !== 'manual');
    const falsePass: string[] = [];
    const missing: string[] = [];
    const lines: string[] = [];
    for (const before of run) {
      const after = judgedIn(before).find((r) => key(r) === key(before));
      if (!after) {
        missing.push(key(before));
        continue;
      }
      if (after.status !== 'fail' && after.status !== 'error') falsePass.push(`${key(before)}: ${after.status} ${after.message}`);
      lines.push(`  ${after.status.toUpperCase().padEnd(5)} ${key(after)} [${after.kind}]: ${after.message.slice(0, 140)}`);
    }
    const manual = healthy.filter((r) => r.kind === 'manual');
    const shippedIds = [...checks.values()].filter((c) => c.kind !== 'manual').map((c) => c.id);
    const onDemo = new Set(run.map((r) => r.checkId));
    const notCovered = shippedIds.filter((id) => !onDemo.has(id));
    console.log(lines.join('\n'));
    console.log(`checks with service down: ${run.length - falsePass.length - missing.length}/${run.length} FAIL/ERROR, ${falsePass.length} false PASS`
      + ` (${onDemo.size}/${shippedIds.length} shipped checks on ${names().length} containers + ${extras.size} components the demo does not run; ${run.filter((r) => r.kind === 'resource').length} resource results with the metrics unavailable,`
      + ` ${run.filter(sshOnly).length} SSH-port results with sshd down; ${manual.length} manual checks listed, not run)`);
    assert.deepStrictEqual(missing, [], 'every check that ran on the healthy site ran again');
    assert.deepStrictEqual(notCovered, [], 'every shipped check ran');
    assert.deepStrictEqual(falsePass, [], 'no check passes with what it checks stopped');
    // Every kind the catalog ships that the demo runs was exercised.
    for (const kind of ['resource', 'port', 'http', 'process', 'command', 'log', 'composite']) assert.ok(run.some((r) => r.kind === kind), kind);

    // The stop is what they saw: the service checks pass again while only the metrics are gone,
    // and the resource checks passed while only the services were stopped.
    const serviceGreen = noMetrics.filter((r) => !extras.has(r.host ?? '') && !na.has(r.checkId) && r.kind !== 'resource' && r.status !== 'manual' && r.status !== 'pass' && r.status !== 'warn');
    assert.deepStrictEqual(serviceGreen.map((r) => `${key(r)}: ${r.message}`), []);
    assert.ok(stopped.filter((r) => r.kind === 'resource' && !extras.has(r.host ?? '')).every((r) => r.status === 'pass' || r.status === 'warn'));
    assert.ok(noSshd.every((r) => r.kind === 'manual' || r.status === 'error'), 'a host without sshd: every check ERROR');
    // A log that stopped with its service is not read as "no errors now".
    const log = stopped.find((r) => r.checkId === 'acvip-domain-not-found-errors')!;
    assert.deepStrictEqual([log.status, /the service is down here \(cloud-platform-/.test(log.message)], ['error', true], log.message);
    const checkService = stopped.find((r) => r.checkId === 'mq-msgconsole-check-service')!;
    assert.match(checkService.message, /GET :9500\/checkService: .*refused/);
  });
});
