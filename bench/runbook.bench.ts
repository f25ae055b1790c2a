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
import { fanOut } from '../src/core/ssh/fanOut';
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
    const { runbook } = parseRunbook('---\ntitle: bench\nproduct: registry\nparameters:\n  word: { type: string, default: ok }\n---\n```sh {name=step target=registry-meta[0] expect="ok"}\necho {{word}}\n```\n', 'bench.runbook.md');
    const audit = new AuditTrail(path.join(dir, 'audit.jsonl'), 'bench');
    const hooks: RunHooks = {
      resolveTargets: (selector) => selectTargets(inventory, selector).map((h) => h.name),
      execute: async ({ command, hosts, signal }) => {
        const results = await fanOut(pool, targetsForHosts(inventory, hosts.map((h) => inventory.hosts.find((x) => x.name === h)!)), command, { signal });
        return results.map((r) => ({ host: r.target.name, outcome: r.outcome, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, message: r.message, durationMs: r.durationMs }));
      },
      confirm: async () => true,
      manual: async () => true,
    };
    // Warm up both paths (connection, JIT, audit file).
    for (let i = 0; i < 20; i++) {
      await pool.exec(target, 'echo ok');
      await runRunbook(runbook, hooks, { audit });
    }
    const bare: number[] = [];
    const cell: number[] = [];
    const timeBare = async () => {
      const t = process.hrtime.bigint();
      const r = await pool.exec(target, 'echo ok');
      bare.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (r.outcome !== 'ok') throw new Error(`bare exec failed: ${r.message}`);
    };
    const timeCell = async () => {
      const t = process.hrtime.bigint();
      const run = await runRunbook(runbook, hooks, { audit });
      cell.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (!run.ok) throw new Error(`runbook cell failed: ${JSON.stringify(run.cells)}`);
    };
    for (let i = 0; i < REPS; i++) {
      // Interleaved, alternating which goes first: the exec right after another one on the same
      // connection can wait for sshd to finish tearing down the previous session.
      if (i % 2) {
        await timeBare();
        await timeCell();
      } else {
        await timeCell();
        await timeBare();
      }
    }
    const ratio = median(cell) / median(bare);
    console.log(`runbook cell overhead on a pooled connection (${REPS} interleaved reps, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    console.log(`  bare SshPool.exec('echo ok')          median ${median(bare).toFixed(2)} ms  p90 ${p90(bare).toFixed(2)} ms`);
    console.log(`  runbook cell (render, target, expect, audit)  median ${median(cell).toFixed(2)} ms  p90 ${p90(cell).toFixed(2)} ms`);
    console.log(`  ratio ${ratio.toFixed(2)}x  target <= 1.2x: ${ratio <= 1.2 ? 'met' : 'MISSED'}`);
    pool.dispose();
  } finally {
    await sshd.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
