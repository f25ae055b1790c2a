/**
 * The exported inspection playbook: only `raw` touches the hosts, and what it runs there is the
 * very script of `sofa-ops inspect`'s one round trip (and the probes), byte for byte.
 */
import * as assert from 'assert';
import * as path from 'path';
import { parse } from 'yaml';
import { loadCatalog } from '../../../../src/core/catalog/catalogLoader';
import type { Catalog } from '../../../../src/core/catalog/types';
import { planFor } from '../../../../src/core/checks/inspect';
import { runInspection } from '../../../../src/core/checks/inspectionRunner';
import { exportInspectionToAnsible, recordGather } from '../../../../src/core/export/ansibleInspection';
import { loadInventory, type Inventory } from '../../../../src/core/inventory/inventory';

const ROOT = path.resolve(__dirname, '../../../..');
const TOKEN = 'fedcba9876543210';

describe('exportInspectionToAnsible', function () {
  this.timeout(60_000);
  let catalog: Catalog;
  let inventory: Inventory;
  before(async () => {
    catalog = (await loadCatalog(path.join(ROOT, 'runbooks'))).catalog;
    const knownComponents = new Map(catalog.products.flatMap((p) => p.components.map((c) => [c.id, p.product.id] as const)));
    inventory = (await loadInventory(path.join(ROOT, 'test/unit/core/inventory/fixtures/site.sofa.yaml'), { knownComponents })).inventory;
  });

  it('runs only raw on the hosts: the script sofa-ops inspect sends, then the probes, one task', async () => {
    const scope = { product: 'registry' };
    const plan = planFor(catalog, inventory, scope);
    const { playbook, hosts } = await exportInspectionToAnsible(catalog, plan, scope, 'site.sofa.yaml', TOKEN);
    const plays = parse(playbook, { customTags: [{ tag: '!unsafe', resolve: (s: string) => s }] }) as Array<{ hosts: string; vars: Record<string, unknown>; tasks: Array<Record<string, unknown>> }>;
    assert.deepStrictEqual(plays.map((p) => [p.hosts, p.tasks.map((t) => Object.keys(t).find((k) => k.startsWith('ansible.builtin.')))]), [['all', ['ansible.builtin.raw']], ['localhost', ['ansible.builtin.copy']]]);
    const gather = plays[0].vars.sofa_ops_gather as Record<string, string>;
    assert.strictEqual(Object.keys(gather).length, hosts);

    // What the live runner sends to a registry host (same token), caught at its transport.
    const sent = new Map<string, string>();
    await runInspection(catalog, plan, {
      scriptToken: () => TOKEN,
      exec: async (h, command, options) => {
        sent.set(h.name, `${command}\n${String(options.stdin)}`);
        return { outcome: 'error', exitCode: null, signal: null, stdout: '', stderr: '', stdoutDropped: 0, stderrDropped: 0, durationMs: 0 };
      },
      forwarder: () => Promise.reject(new Error('no probes here')),
    });
    assert.ok(sent.size > 0);
    for (const [name, live] of sent) {
      const scripts = [...gather[name].matchAll(/printf %s (\S+) \| base64 -d \| bash -s/g)].map((m) => Buffer.from(m[1], 'base64').toString());
      assert.strictEqual(`bash -s\n${scripts[0]}`, live, name);
      assert.match(scripts[1], /^port \d+$/m, name);
      assert.match(scripts[1], /^http \d+ 0 \S+$/m, name);
    }
  });

  it('asks each host the same on every export with the same token (results are checked against it)', async () => {
    const plan = planFor(catalog, inventory, {});
    assert.deepStrictEqual(await recordGather(catalog, plan, {}, TOKEN), await recordGather(catalog, plan, {}, TOKEN));
  });
});
