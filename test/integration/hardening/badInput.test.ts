/**
 * The bad-input corpus (test/fixtures/bad-input, plus a few huge files made here) through the built
 * CLI: every runbook with `runbook fmt --check` and `run --dry-run`, every inventory with `run
 * --dry-run`, every catalog folder with `catalog` and `logs scan`, every log with `logs scan`.
 * Each invocation must end within a generous bound, print no stack trace, and either refuse with a
 * message naming the file and line (the corpus's bad inputs) or give a normal result (files named
 * ok-*, and logs: a log is data, never refused). Prints the figures the hardening issue asks for.
 */
import * as assert from 'assert';
import { type ChildProcess, spawn, spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { createInterface } from 'readline';

const repo = path.resolve(__dirname, '../../..');
const corpus = path.join(repo, 'test/fixtures/bad-input');
const bin = path.join(repo, 'bin/sofa-ops.js');
const driver = path.join(__dirname, 'badInputDriver.cjs');
/** Far above any case's real cost (the 50 MB log scans in about a second): only a hang reaches it. */
const HANG_BOUND_MS = 90_000;

type Expect =
  /** Non-zero exit and a message naming the file and a line. */
  | 'refused'
  /** A message naming the file and a line; any exit code (a scan goes on with what loaded). */
  | 'reported'
  /** Exit 0 (or 1 for a scan that found errors in the log), nothing refused. */
  | 'graceful';

interface Case {
  id: string;
  /** The corpus file (or folder) this case is about, as passed on the command line. */
  input: string;
  argv: string[];
  expect: Expect;
}

interface Outcome {
  id: string;
  code?: number;
  out?: string;
  err?: string;
  crash?: string;
  hang?: boolean;
}

const STACK = [/^\s+at .*(?:\.[cm]?js|\.ts|node:internal[^)]*):\d+:\d+\)?$/m, /node:internal/, /\b(?:TypeError|ReferenceError|RangeError|SyntaxError|EvalError)\b/];

const rel = (...parts: string[]) => path.join(...parts);
const list = (dir: string): string[] => readdirSync(path.join(corpus, dir)).sort();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('bad input (corpus of runbooks, inventories, catalogs, logs through the built CLI)', function () {
  this.timeout(15 * 60_000);
  let tmp: string;
  const cases: Case[] = [];
  const files = new Set<string>();

  before(function () {
    if (!existsSync(path.join(repo, 'dist/cli.js'))) {
      const built = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repo, stdio: 'inherit' });
      assert.strictEqual(built.status, 0, 'npm run build failed');
    }
    tmp = mkdtempSync(path.join(tmpdir(), 'sofa-ops-bad-input-'));
    const audit = path.join(tmp, 'audit.jsonl');
    const goodRunbook = rel('good', 'probe.runbook.md');
    const goodInventory = rel('good', 'inventory.yaml');
    const runbookCases = (input: string, ok: boolean) => {
      files.add(input);
      const expect: Expect = ok ? 'graceful' : 'refused';
      cases.push({ id: `fmt ${input}`, input, argv: ['runbook', 'fmt', '--check', input], expect });
      cases.push({ id: `dry-run ${input}`, input, argv: ['run', input, '--dry-run', '--inventory', goodInventory, '--audit', audit], expect });
    };
    for (const name of list('runbooks')) runbookCases(rel('runbooks', name), name.startsWith('ok-'));
    for (const name of list('inventories')) {
      const input = rel('inventories', name);
      files.add(input);
      cases.push({ id: `inventory ${input}`, input, argv: ['run', goodRunbook, '--dry-run', '--inventory', input, '--audit', audit], expect: name.startsWith('ok-') ? 'graceful' : 'refused' });
    }
    for (const name of list('catalogs')) {
      const input = rel('catalogs', name);
      for (const f of walk(path.join(corpus, input))) files.add(path.relative(corpus, f));
      cases.push({ id: `catalog ${input}`, input, argv: ['catalog', '--catalog', input], expect: 'refused' });
      cases.push({ id: `logs scan --catalog ${input}`, input, argv: ['logs', 'scan', '--catalog', input, '--log', 'common-error.log', rel('logs', 'hostile-aaaa.log')], expect: 'reported' });
    }
    for (const f of walk(path.join(corpus, 'logs'))) {
      const input = path.relative(corpus, f);
      files.add(input);
      cases.push({ id: `logs scan ${input}`, input, argv: ['logs', 'scan', input], expect: 'graceful' });
      cases.push({ id: `logs scan --json --count ${input}`, input, argv: ['logs', 'scan', '--json', '--count', input], expect: 'graceful' });
    }
    // Too big to keep in the repository: made here.
    const made = (name: string, content: string | Buffer) => {
      const file = path.join(tmp, name);
      writeFileSync(file, content);
      files.add(file);
      return file;
    };
    const huge = made('huge-single-line.log', Buffer.concat([Buffer.from('2024-05-06 10:11:13,345 ERROR main - get server list error, url: '), Buffer.alloc(50 * 1024 * 1024, 'a')]));
    cases.push({ id: 'logs scan 50 MB single line', input: huge, argv: ['logs', 'scan', huge], expect: 'graceful' });
    // Quadratic for a backtracking engine over the whole line; regexes see its first 8 KiB (REGEX_INPUT_LIMIT).
    const quadratic = made('quadratic-line.log', 'add notify task error, dataId: '.repeat(150_000) + '\n');
    cases.push({ id: 'logs scan quadratic line', input: quadratic, argv: ['logs', 'scan', quadratic], expect: 'graceful' });
    // The bundled drmdata-threadpool format regex is quadratic on a long line without commas.
    const threadpool = path.join(tmp, 'drmdata', 'drmdata-threadpool.log');
    mkdirSync(path.dirname(threadpool));
    writeFileSync(threadpool, `${'a'.repeat(64 * 1024)}\n`.repeat(20));
    files.add(threadpool);
    cases.push({ id: 'logs scan quadratic format lines', input: threadpool, argv: ['logs', 'scan', threadpool], expect: 'graceful' });
    const fm = '---\ntitle: Probe\nproduct: registry\n---\n';
    const longLine = made('long-line.runbook.md', `${fm}# Probe\n\n\`\`\`sh {name=probe target=registry-meta[0]}\necho ${'x'.repeat(5 * 1024 * 1024)}\n\`\`\`\n`);
    runbookCases(longLine, true);
    const manyCells = made('many-cells.runbook.md', fm + Array.from({ length: 3000 }, (_, i) => `## Step ${i}\n\n\`\`\`sh {name=step-${i} target=registry-meta[0]}\necho ${i}\n\`\`\`\n`).join('\n'));
    runbookCases(manyCells, true);
    const bomb = made('timeout-720h-crlf-bom.runbook.md', `\uFEFF${fm}\`\`\`sh {name=probe timeout=720h}\r\necho a\r\n\`\`\`\r\n`);
    runbookCases(bomb, false);
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('0 crashes, 0 hangs, 0 stack traces; every refusal names file:line', async () => {
    const outcomes = await runAll(cases, { XDG_CACHE_HOME: path.join(tmp, 'cache'), HOME: tmp, SOFA_OPS_HOME: path.join(tmp, '.sofa-ops'), LANG: 'C', SSH_AUTH_SOCK: '' });
    const failures: string[] = [];
    let crashes = 0;
    let hangs = 0;
    let stacks = 0;
    let named = 0;
    let mustName = 0;
    for (const c of cases) {
      const o = outcomes.get(c.id);
      if (!o) {
        failures.push(`${c.id}: no result`);
        continue;
      }
      const text = `${o.out ?? ''}\n${o.err ?? ''}`;
      if (o.hang) {
        hangs++;
        failures.push(`${c.id}: still running after ${HANG_BOUND_MS / 1000} s`);
        continue;
      }
      if (o.crash) {
        crashes++;
        failures.push(`${c.id}: crashed: ${o.crash.split('\n').slice(0, 3).join(' | ')}`);
        continue;
      }
      if (STACK.some((re) => re.test(text))) {
        stacks++;
        failures.push(`${c.id}: stack trace in output: ${text.split('\n').find((l) => STACK.some((re) => re.test(l)))}`);
      }
      const namesFileLine = [c.input, path.resolve(corpus, c.input)].some((name) => new RegExp(`${escape(name)}[^\\s:]*:\\d+`).test(text));
      if (c.expect === 'graceful') {
        const okCodes = c.argv[0] === 'logs' ? [0, 1] : [0];
        if (!okCodes.includes(o.code!)) failures.push(`${c.id}: expected a normal result, got exit ${o.code}: ${firstLines(o.err)}`);
        continue;
      }
      mustName++;
      if (namesFileLine) named++;
      else failures.push(`${c.id}: message does not name ${c.input}:LINE: ${firstLines(text)}`);
      if (c.expect === 'refused' && o.code === 0) failures.push(`${c.id}: exit 0 for bad input`);
    }
    console.log(`      bad-input: ${files.size} files, ${cases.length} invocations, ${crashes} crashes, ${hangs} hangs, ${stacks} stack traces, ${named} of ${mustName} refusals name file:line`);
    assert.ok(files.size >= 100, `the corpus has only ${files.size} files`);
    assert.deepStrictEqual(failures, []);
  });

  it('the bin itself: exit codes and one-line errors, no stack trace', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: corpus, encoding: 'utf8', timeout: HANG_BOUND_MS, env: { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache-bin'), LANG: 'C' } });
    const checks: Array<{ args: string[]; code: number; says: RegExp }> = [
      { args: ['catalog', '--catalog', 'catalogs/empty-folder'], code: 1, says: /catalogs\/empty-folder:1: no catalog files here/ },
      { args: ['logs', 'scan', '--catalog', 'catalogs/empty-folder', 'logs/empty.log'], code: 2, says: /no logs or patterns to scan with/ },
      { args: ['run', 'runbooks/binary-nul.runbook.md', '--dry-run', '--inventory', 'good/inventory.yaml', '--audit', path.join(tmp, 'a.jsonl')], code: 2, says: /runbooks\/binary-nul\.runbook\.md:1: the file (?:holds a NUL byte|is not valid UTF-8)/ },
      { args: ['runbook', 'fmt', '--check', 'runbooks/timeout-720h.runbook.md'], code: 1, says: /timeout-720h\.runbook\.md:7: timeout "720h" is longer than the maximum of 168h/ },
      { args: ['catalog', '--catalog', 'catalogs/billion-laughs'], code: 1, says: /catalogs\/billion-laughs\/demo\/catalog\.yaml:2: YAML aliases expand too much/ },
      { args: ['logs', 'scan', '--catalog', 'catalogs/regex-nested-quantifier', '--log', 'common-error.log', 'logs/hostile-aaaa.log'], code: 0, says: /catalog\.yaml:\d+: pattern "demo-pattern": regex can take exponential time/ },
    ];
    for (const check of checks) {
      const r = run(...check.args);
      const text = `${r.stdout}${r.stderr}`;
      assert.ok(!STACK.some((re) => re.test(text)), `${check.args.join(' ')}: stack trace:\n${text}`);
      assert.strictEqual(r.status, check.code, `${check.args.join(' ')}: exit ${r.status}\n${text}`);
      assert.match(text, check.says, check.args.join(' '));
    }
  });
});

function walk(dir: string): string[] {
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir).sort().flatMap((name) => walk(path.join(dir, name)));
}

function firstLines(text: string | undefined): string {
  return (text ?? '').trim().split('\n').slice(0, 3).join(' | ').slice(0, 400);
}

/**
 * Two driver processes share the cases (the machine has two cores). A case that outlives the
 * bound is a hang: its driver is killed and a new one takes the remaining cases.
 */
async function runAll(all: Case[], env: Record<string, string>): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  const queue = [...all];
  const worker = async () => {
    while (queue.length) {
      const batch = queue.splice(0, Math.max(1, Math.ceil(queue.length / 2)));
      await runBatch(batch, env, outcomes);
    }
  };
  await Promise.all([worker(), worker()]);
  return outcomes;
}

function runBatch(batch: Case[], env: Record<string, string>, outcomes: Map<string, Outcome>): Promise<void> {
  return new Promise((resolve) => {
    const child: ChildProcess = spawn(process.execPath, [driver], { cwd: corpus, env: { ...process.env, ...env }, stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { if (stderr.length < 4000) stderr += d.toString(); });
    let index = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      if (index >= batch.length) return;
      timer = setTimeout(() => {
        outcomes.set(batch[index].id, { id: batch[index].id, hang: true });
        index++;
        child.kill('SIGKILL');
      }, HANG_BOUND_MS);
    };
    const results = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    results.on('line', (line) => {
      const outcome = JSON.parse(line) as Outcome;
      outcomes.set(outcome.id ?? batch[index]?.id, outcome);
      index++;
      arm();
      if (index >= batch.length) child.stdin!.end();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      results.close();
      // Died mid-case without reporting (killed for a hang, or out of memory): record it, go on with the rest.
      if (index < batch.length && !outcomes.has(batch[index].id)) {
        outcomes.set(batch[index].id, { id: batch[index].id, crash: `driver exited ${code} during this case: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
        index++;
      }
      const rest = batch.slice(index);
      if (rest.length) void runBatch(rest, env, outcomes).then(resolve);
      else resolve();
    });
    for (const c of batch) child.stdin!.write(JSON.stringify({ id: c.id, argv: c.argv }) + '\n');
    arm();
  });
}
