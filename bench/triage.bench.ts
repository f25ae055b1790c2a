/**
 * Triage benchmark: how long the index takes to build over the whole catalog, and how long a
 * pasted line takes to ranked results (target < 50 ms per query, issue 14). The lines are 200
 * taken from the demo's own log generator (src/demo/logLines.ts): half the catalog's known error
 * lines (rare lines and fault lines), half healthy chatter. The anchor is the log scanner alone
 * on the same lines (what the exact-match step costs), and `sofa-ops explain` end to end once.
 *
 *   npx tsx bench/triage.bench.ts [--lines 200] [--builds 5] [--no-build]
 */
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { loadCatalog } from '../src/core/catalog/catalogLoader';
import { listRunbooks } from '../src/core/catalog/runbookFiles';
import { withSections } from '../src/core/checks/runbookLinks';
import { logCatalogOf } from '../src/core/logs/logCatalog';
import { compileLogMatcher } from '../src/core/logs/logMatcher';
import { scanText } from '../src/core/logs/logScanner';
import { TriageIndex } from '../src/core/triage/triageIndex';
import { sampleLines } from '../src/demo/logSamples';
// The seeded PRNG the unit tests use: the same 200 lines on every run.
import { prng } from '../test/unit/core/logs/prng';

const ROOT = path.join(__dirname, '..');
const { values: opts } = parseArgs({ options: { lines: { type: 'string', default: '200' }, builds: { type: 'string', default: '5' }, 'no-build': { type: 'boolean', default: false } } });

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
}
async function main(): Promise<void> {
  const roots = [path.join(ROOT, 'runbooks')];
  const { catalog } = await loadCatalog(roots);
  const runbooks = await withSections(await listRunbooks(roots));
  const n = Number(opts.lines);
  const known = sampleLines(catalog, { count: Math.ceil(n / 2), random: prng(42), known: true, faults: 'drmdata-push-failure,dbp-slow-sql,msgbroker-9529-down' });
  const healthy = sampleLines(catalog, { count: n - known.length, random: prng(43) });
  const lines = [...known, ...healthy].map((s) => s.line);

  const builds: number[] = [];
  let index!: TriageIndex;
  for (let i = 0; i < Number(opts.builds); i++) {
    index = new TriageIndex(catalog, { runbooks });
    index.query('warm');
    builds.push(index.buildTimeMs!);
  }
  const matcher = compileLogMatcher(logCatalogOf(catalog), []);
  scanText(matcher, lines[0]);

  const triage: number[] = [];
  const scan: number[] = [];
  let exactFirst = 0;
  let scannerHits = 0;
  // Interleaved, so machine noise hits both alike.
  for (const line of lines) {
    let t = performance.now();
    const hits = scanText(matcher, line).findings.length;
    scan.push(performance.now() - t);
    t = performance.now();
    const top = index.query(line).results[0];
    triage.push(performance.now() - t);
    if (hits) scannerHits++;
    if (top?.exact) exactFirst++;
  }

  let cli = '';
  if (!opts['no-build']) spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const started = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'sofa-ops.js'), 'explain', known[0].line, '--json', '--limit', '5'], { encoding: 'utf8' });
  const wall = performance.now() - started;
  if (r.status === 0) {
    const data = JSON.parse(r.stdout) as { buildMs: number; queryMs: number };
    cli = `| sofa-ops explain (one line, whole process) | ${wall.toFixed(0)} | build ${data.buildMs.toFixed(0)} ms, query ${data.queryMs.toFixed(1)} ms, rest is Node start-up and catalog load |`;
  } else cli = `| sofa-ops explain | failed (${r.status}) | ${r.stderr.split('\n')[0]} |`;

  console.log(`\nTriage over the bundled catalog: ${index.size} entries, ${lines.length} demo lines (${known.length} known error lines, ${healthy.length} healthy), ${os.cpus().length} CPUs, Node ${process.version}\n`);
  console.log('| step | median ms | p95 / max ms |\n|---|---:|---|');
  console.log(`| index build (lazy, first query) | ${median(builds).toFixed(0)} | runs ${builds.map((x) => x.toFixed(0)).join(' ')} |`);
  console.log(`| triage query (ranked results) | ${median(triage).toFixed(2)} | ${pct(triage, 0.95).toFixed(2)} / ${Math.max(...triage).toFixed(2)} |`);
  console.log(`| anchor: log scanner alone on the line | ${median(scan).toFixed(3)} | ${pct(scan, 0.95).toFixed(3)} / ${Math.max(...scan).toFixed(3)} |`);
  console.log(cli);
  console.log(`\nmedian query ${median(triage).toFixed(2)} ms (target < 50 ms: ${median(triage) < 50 ? 'met' : 'MISSED'}); exact hit ranked first on ${exactFirst} lines (the scanner alone knows ${scannerHits}; the rest are field-format hits)\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
