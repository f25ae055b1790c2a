/**
 * Per-cell overhead of a runbook run on a pooled connection vs a bare pooled exec of the same
 * command (issue target: ≤ 1.2×). Both run `true` on one host through the same SshPool; the
 * runbook side goes through everything a real cell does: parameter rendering and quoting, target
 * selection, fan-out, expect, secret redaction and an audit record appended (fsync-free append
 * with the lock file). Run as root (starts the sshd fixture): npx tsx bench/runbook.bench.ts
 */
import { mkdtempSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditTrail } from '../src/core/audit/auditTrail';
import { parseInventory } from '../src/core/inventory/inventory';
import { selectTargets } from '../src/core/inventory/selectors';
import { parseRunbook } from '../src/core/runbook/runbookParser';
import { runRunbook, type RunHooks } from '../src/core/runbook/runbookRunner';
import { inventoryTargets, sshCellExecutor } from '../src/core/runbook/sshCellExecutor';
import { HostKeyVerifier } from '../src/core/ssh/hostKeys';
import { knownHostsStore } from '../src/core/ssh/sshConnection';
import { SshPool } from '../src/core/ssh/sshPool';
import { targetsForHosts } from '../src/core/ssh/targets';
import { ensureTestUser, Sshd } from '../test/integration/fixtures/sshd';

const REPS = Number(process.argv[2] ?? 200);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.9) - 1)];
}

async function main() {
  const user = await ensureTestUser();
  const sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
  const dir = mkdtempSync(path.join(process.env.TMPDIR ?? os.tmpdir(), 'sofa-ops-runbook-bench-'));
  try {
    const known = path.join(dir, 'known_hosts');
    writeFileSync(known, sshd.knownHostsFor(['127.0.7.1']));
    const { inventory } = parseInventory(path.join(dir, 'inv.yaml'), `defaults: { port: ${sshd.port}, user: ${user.name}, identityFile: ${user.keys.plain} }\nproducts:\n  registry:\n    registry-meta:\n      - { name: registry-meta-1, host: 127.0.7.1 }\n`);
    const pool = new SshPool({ hostKeys: knownHostsStore(await HostKeyVerifier.load([known]), path.join(dir, 'product_known_hosts')), unknownHosts: { acceptUnknownHost: async () => false } });
    const [target] = targetsForHosts(inventory, inventory.hosts);
    const cellSource = '```sh {target=registry-meta[0] expect="ok"}\necho {{word}}\n```\n';
    const runbookOf = (cells: number) =>
      parseRunbook(`---\ntitle: bench\nproduct: registry\nparameters:\n  word: { type: string, default: ok }\n---\n${Array.from({ length: cells }, () => cellSource).join('\n')}`, 'bench.runbook.md').runbook;
    const oneCell = runbookOf(1);
    const fiveCells = runbookOf(5);
    const audit = new AuditTrail(path.join(dir, 'audit.jsonl'), 'bench');
    const hooks: RunHooks = {
      resolveTargets: (selector) => selectTargets(inventory, selector).map((h) => h.name),
      // The CLI's and the editor's executor: live output decoded per host, targets from the inventory.
      execute: sshCellExecutor(pool, inventoryTargets(inventory)),
      confirm: async () => true,
      manual: async () => true,
    };
    const timed = async (into: number[], work: () => Promise<void>) => {
      const t = process.hrtime.bigint();
      await work();
      into.push(Number(process.hrtime.bigint() - t) / 1e6);
    };
    const bareExecs = (n: number) => async () => {
      for (let i = 0; i < n; i++) {
        const r = await pool.exec(target, 'echo ok');
        if (r.outcome !== 'ok') throw new Error(`bare exec failed: ${r.message}`);
      }
    };
    const run = (runbook: typeof oneCell) => async () => {
      const result = await runRunbook(runbook, hooks, { audit });
      if (!result.ok) throw new Error(`runbook failed: ${JSON.stringify(result.cells)}`);
    };
    // Warm up both paths (connection, JIT, audit file).
    for (let i = 0; i < 20; i++) {
      await bareExecs(1)();
      await run(oneCell)();
    }
    const bare1: number[] = [];
    const cell1: number[] = [];
    const bare5: number[] = [];
    const cells5: number[] = [];
    for (let i = 0; i < REPS; i++) {
      // Interleaved, alternating which goes first: the exec right after another one on the same
      // connection can wait for sshd to finish tearing down the previous session.
      const pairs: Array<[number[], () => Promise<void>]> = [[bare1, bareExecs(1)], [cell1, run(oneCell)]];
      if (i % 4 === 0) pairs.push([bare5, bareExecs(5)], [cells5, run(fiveCells)]);
      for (const [into, work] of i % 2 ? pairs : [...pairs].reverse()) await timed(into, work);
    }
    const oneRatio = median(cell1) / median(bare1);
    const perCellRatio = median(cells5) / median(bare5);
    console.log(`runbook cell overhead on a pooled connection (${REPS} interleaved reps, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(`  bare SshPool.exec('echo ok')                       median ${median(bare1).toFixed(2)} ms  p90 ${p90(bare1).toFixed(2)} ms`);
    console.log(`  one-cell run (+ the run's set-up: parameters, rollback section, audit trail)  median ${median(cell1).toFixed(2)} ms  p90 ${p90(cell1).toFixed(2)} ms  ratio ${oneRatio.toFixed(2)}x`);
    console.log(`  five bare execs in a row                           median ${median(bare5).toFixed(2)} ms`);
    console.log(`  five-cell run (render, target, expect, audit each)  median ${median(cells5).toFixed(2)} ms  = ${(median(cells5) / 5).toFixed(2)} ms per cell`);
    console.log(`  per-cell ratio ${perCellRatio.toFixed(2)}x  target <= 1.2x: ${perCellRatio <= 1.2 ? 'met' : 'MISSED'}`);
    pool.dispose();
  } finally {
    await sshd.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
