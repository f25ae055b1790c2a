// Measures the per-chapter table of src/demo/README.md: runs test/integration/demo/chapters.test.ts
// (one demo; every runbook healthy and with its drill fault, every check healthy and stopped),
// which writes the table it printed to $SOFA_OPS_CHAPTER_TABLE, and puts that table between the
// README's `<!-- chapter-table -->` markers. Needs root and `npm run build`, like the test.
// Usage: node scripts/chapter-table.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const README = path.join(ROOT, 'src/demo/README.md');
const START = '<!-- chapter-table -->';
const END = '<!-- /chapter-table -->';

const dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-chapter-table-'));
const out = path.join(dir, 'table.md');
try {
  const run = spawnSync('npx', ['mocha', '--no-config', '--require', 'tsx/cjs', '--timeout', '900000', 'test/integration/demo/chapters.test.ts'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, SOFA_OPS_CHAPTER_TABLE: out },
  });
  // A failing test still measured the table; the README says what was measured, so take it.
  if (!existsSync(out)) {
    console.error(`chapter-table: the test wrote no table (exit ${run.status})`);
    process.exit(1);
  }
  const table = readFileSync(out, 'utf8').trim();
  const text = readFileSync(README, 'utf8');
  const at = text.indexOf(START);
  const end = text.indexOf(END);
  if (at < 0 || end < at) {
    console.error(`chapter-table: ${README} has no ${START} … ${END} section`);
    process.exit(1);
  }
  const stamp = `Measured ${new Date().toISOString().slice(0, 10)} by \`node scripts/chapter-table.mjs\`${run.status === 0 ? '' : ' (the test failed: see its output)'}.`;
  writeFileSync(README, `${text.slice(0, at + START.length)}\n${stamp}\n\n${table}\n${text.slice(end)}`);
  console.log(`chapter-table: wrote the table into ${path.relative(ROOT, README)}`);
  process.exit(run.status ?? 1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
