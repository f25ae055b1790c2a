/**
 * The demo site covers the catalog: every component runs on it at the guide's instance count, or
 * is listed with the reason it is not there; the guide's checks find the ports they use.
 */
import * as assert from 'assert';
import * as path from 'path';
import { loadCatalog } from '../../../src/core/catalog/catalogLoader';
import type { Catalog } from '../../../src/core/catalog/types';
import { planInspection } from '../../../src/core/checks/checkPlan';
import { parseInventory } from '../../../src/core/inventory/inventory';
import { hiddenLogDirs, parseFaults } from '../../../src/demo/faults';
import { buildSite, DATABASES, linksFor, NOT_ON_SITE, SITE_LAYOUT } from '../../../src/demo/siteModel';
import { DemoPaths, inventoryText } from '../../../src/demo/workspace';

describe('demo site model', () => {
  let catalog: Catalog;
  before(async () => {
    catalog = (await loadCatalog(path.resolve(__dirname, '../../../runbooks'))).catalog;
  });

  it('runs every catalog component, or says why not', () => {
    const site = buildSite(catalog);
    const served = new Set(site.map((c) => c.component));
    const missing = catalog.products.flatMap((p) => p.components.map((c) => c.id)).filter((id) => !served.has(id) && !NOT_ON_SITE[id]);
    assert.deepStrictEqual(missing, []);
    for (const id of Object.keys(NOT_ON_SITE)) assert.ok(!served.has(id), `${id} is both on the site and listed as not on it`);
  });

  it('has the guide\'s instance counts by default, fewer with --scale small, and stable names', () => {
    const site = buildSite(catalog);
    for (const p of catalog.products) {
      for (const c of p.components) {
        if (c.instances === undefined || NOT_ON_SITE[c.id]) continue;
        assert.strictEqual(site.filter((s) => s.component === c.id).length, c.instances, `${c.id}: the guide says ${c.instances}`);
      }
    }
    const count = (component: string) => site.filter((s) => s.component === component).length;
    assert.deepStrictEqual([count('msgbroker'), count('dstweb'), count('drmdata'), count('antscheduler')], [4, 4, 2, 2]);
    assert.deepStrictEqual(site.slice(0, 3).map((c) => [c.name, c.address]), [['registry-meta-1', '127.0.1.1'], ['registry-meta-2', '127.0.1.2'], ['registry-meta-3', '127.0.1.3']]);
    const small = buildSite(catalog, '127.0.1', 'small');
    assert.ok(small.length < site.length);
    assert.deepStrictEqual(new Set(small.map((c) => c.component)), new Set(site.map((c) => c.component)), 'every component, also on a small site');
    assert.deepStrictEqual(SITE_LAYOUT.filter((l) => l.small > l.count), []);
  });

  it('opens the ports the guide\'s checks use, and a database port on every RDS', () => {
    const site = buildSite(catalog);
    const problems: string[] = [];
    for (const check of catalog.products.flatMap((p) => p.checks)) {
      const ports = [...(check.ports ?? []), ...(check.http ? [check.http.port] : [])];
      for (const component of check.components) {
        for (const c of site.filter((s) => s.component === component)) {
          for (const port of ports) if (!c.listeners.some((l) => l.port === port)) problems.push(`${check.id}: ${c.name} has no port ${port}`);
        }
      }
    }
    assert.deepStrictEqual(problems, []);
    for (const c of site.filter((s) => DATABASES[s.component])) assert.deepStrictEqual(c.listeners.find((l) => l.port === 3306)?.kind, 'mysql', c.name);
  });

  it('connects the applications to their databases so that mysql reaches them, the DBP proxies to their back end', () => {
    const site = buildSite(catalog);
    const acvip = site.find((c) => c.component === 'acvip')!;
    const rds = site.find((c) => c.component === 'acvip-metadata-rds')!;
    assert.deepStrictEqual(linksFor(acvip, site, new Set()).filter((l) => l.port === 3306), [{ host: rds.address, port: 3306, database: true }]);
    assert.deepStrictEqual(linksFor(acvip, site, new Set([`${rds.name}:3306`])).filter((l) => l.port === 3306), [], 'no link to a database that is down');
    const proxy = site.find((c) => c.component === 'dbp-proxy')!;
    assert.deepStrictEqual(linksFor(proxy, site, new Set()).filter((l) => l.port === 3306), [{ host: '127.0.0.1', port: 3306, database: true }]);
  });

  it('takes the first DBP proxy\'s log directory away with dbp-proxy-logs-gone, and only that', () => {
    const site = buildSite(catalog);
    const faults = parseFaults('dbp-proxy-logs-gone', site);
    const proxies = site.filter((c) => c.component === 'dbp-proxy').map((c) => c.name);
    assert.deepStrictEqual(proxies.map((n) => hiddenLogDirs(faults, n)), [['/home/admin/logs/zdalproxy'], ...proxies.slice(1).map(() => [])]);
    const logs = site.find((c) => c.name === proxies[0])!.logPaths;
    assert.ok([...logs.values()].some((p) => p.startsWith('/home/admin/logs/zdalproxy/')), 'the proxy writes its logs there');
    assert.deepStrictEqual(hiddenLogDirs(parseFaults('', site), proxies[0]), []);
  });

  it('plans each check on its component\'s containers only (ACVIP\'s checks not on its metadata RDS)', () => {
    const site = buildSite(catalog);
    const { inventory } = parseInventory('demo.yaml', inventoryText(site, new DemoPaths('/tmp/demo'), false));
    const plan = planInspection(catalog, inventory.hosts);
    const wrong: string[] = [];
    for (const hp of plan.hosts) {
      const c = site.find((s) => s.name === hp.host.name)!;
      for (const planned of hp.checks) if (!planned.check.components.some((x) => x === c.component || x === c.component.replace(/^registry-/, '') + 'server')) wrong.push(`${planned.check.id} on ${c.name}`);
    }
    assert.deepStrictEqual(wrong, []);
    assert.ok(plan.hosts.find((hp) => hp.host.name === 'acvip-1')?.checks.some((p) => p.check.id === 'acvip-port-9003-listening'));
  });
});
