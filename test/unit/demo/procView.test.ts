/** The demo containers' own /proc views: light, steady, readable by the inspection's parsers. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cpuPercent, parseLoadavg, parseMeminfo, parseProcStat } from '../../../src/core/checks/procParsers';
import { ProcView } from '../../../src/demo/procView';
import type { ContainerSpec } from '../../../src/demo/siteModel';

describe('demo /proc views (LXCFS-style)', () => {
  it('show a healthy container: cpu 6-14%, load5 well below 3, memory about half, files never shrink to empty', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-procview-'));
    const containers = [{ name: 'a' }, { name: 'b' }] as ContainerSpec[];
    const view = new ProcView(containers, (c) => path.join(dir, c.name));
    try {
      view.start();
      const read = (c: string, f: string) => fs.readFileSync(path.join(dir, c, f), 'utf8');
      const first = parseProcStat(read('a', 'stat'))!;
      view.tick();
      const second = parseProcStat(read('a', 'stat'))!;
      const pct = cpuPercent(first, second);
      assert.ok(pct >= 5 && pct <= 15, `cpu ${pct}`);
      assert.ok(parseLoadavg(read('b', 'loadavg'))! < 1.5);
      const mem = parseMeminfo(read('a', 'meminfo'))!;
      assert.ok(mem.percent > 35 && mem.percent < 60, `mem ${mem.percent}`);
      assert.match(read('a', 'stat'), /^btime \d+$/m, 'ps needs btime');
      // Rewritten in place: a shorter text is padded, never truncated first.
      const before = fs.statSync(path.join(dir, 'a', 'loadavg')).size;
      for (let i = 0; i < 20; i++) view.tick();
      assert.ok(fs.statSync(path.join(dir, 'a', 'loadavg')).size >= before);
      assert.ok(parseLoadavg(read('a', 'loadavg')) !== undefined);
    } finally {
      view.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
