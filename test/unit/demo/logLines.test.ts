/** The demo writes the guide's known lines into the files the guide names (§2.2.2.1, §10.4.2). */
import * as assert from 'assert';
import { loadCatalog } from '../../../src/core/catalog/catalogLoader';
import { parseFaults } from '../../../src/demo/faults';
import type { LineContext } from '../../../src/demo/logFormat';
import { faultLines, LOG_SPECS } from '../../../src/demo/logLines';
import { buildSite, type ContainerSpec } from '../../../src/demo/siteModel';
import { SiteState } from '../../../src/demo/siteState';
import { bundledCatalog } from '../helpers';

describe('demo log lines land in the files the guide names', () => {
  let site: ContainerSpec[];
  before(async () => {
    site = buildSite((await loadCatalog(bundledCatalog)).catalog);
  });
  const container = (name: string) => site.find((c) => c.name === name)!;
  /** Every line the container's logs get in one second, by path, with every random draw hitting. */
  const linesBy = (name: string, faults: string) => {
    const c = container(name);
    const ctx: LineContext = { c, site: new SiteState(site, parseFaults(faults, site)), now: new Date(0), random: () => 0, tick: 0 };
    const out = new Map<string, string>();
    for (const log of c.logs) {
      const spec = LOG_SPECS[log.id];
      const own = spec && spec.every !== Infinity ? spec.line(ctx) : undefined;
      const text = [own, faultLines(log.id, ctx)].flat().filter(Boolean).join('\n');
      out.set(c.logPaths.get(log.id)!, text);
    }
    return out;
  };

  it('§2.2.2.1: with msgbroker 9529 down, antscheduler logs "no available connection" in /home/admin/logs/common-error.log only', () => {
    const lines = linesBy('antscheduler-1', 'msgbroker-9529-down');
    const hits = [...lines].filter(([, text]) => text.includes('no available connection')).map(([p]) => p);
    assert.deepStrictEqual(hits.map((p) => p.replace(/^.*\/home\/admin\//, '/home/admin/')), ['/home/admin/logs/common-error.log']);
    assert.ok(![...linesBy('antscheduler-1', '')].some(([, text]) => text.includes('no available connection')), 'nothing while MQ is up');
  });

  it('§10.4.2: with the ACVIP clock skewed, the application (OSP) logs "Domain Not Found", ACVIP itself does not', () => {
    const osp = [...linesBy('osp-1', 'acvip-clock-skew')].filter(([, text]) => text.includes('Domain Not Found')).map(([p]) => p);
    assert.deepStrictEqual(osp.map((p) => p.replace(/^.*\/home\/admin\//, '/home/admin/')), ['/home/admin/logs/osp/common-error.log']);
    assert.ok(![...linesBy('acvip-1', 'acvip-clock-skew')].some(([, text]) => text.includes('Domain Not Found')));
    assert.ok(![...linesBy('osp-1', '')].some(([, text]) => text.includes('Domain Not Found')), 'nothing while the clock is right');
  });
});
