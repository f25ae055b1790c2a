/**
 * `sofa-ops logs grep` against a real sshd on three loopback hosts, each with its own logRoot:
 * every line number and text equals what `grep -n` prints for the same file, a pattern full of
 * shell syntax stays literal, a --since/--until window gives exactly the lines an awk range gives
 * (while only the window's bytes are read across), rotated `.1` and `.gz` files come with --rotated,
 * and an unreachable host is reported without hiding the others.
 */
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { logsCommand } from '../../../src/cli/logsCommand';
import { loadCatalog } from '../../../src/core/catalog/catalogLoader';
import { loadInventory } from '../../../src/core/inventory/inventory';
import { grepOnHosts } from '../../../src/core/logs/hostGrep';
import { logCatalogOf } from '../../../src/core/logs/logCatalog';
import { parseWindow } from '../../../src/core/logs/timeWindow';
import { captureIO } from '../../unit/helpers';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';
import { poolWith, target } from '../ssh/helpers';

const repoRoot = path.resolve(__dirname, '../../..');
const HOSTS = ['127.0.7.1', '127.0.7.2', '127.0.7.3', '127.0.7.4'];
const MARKER = path.join(tmpdir(), `sofa-ops-grep-injected-${process.pid}`);
/** Shell syntax of every kind; it must reach grep as these bytes. */
const NASTY = `it's "bad" $(touch ${MARKER}) \`touch ${MARKER}\` $HOME; *`;

interface Json {
  host: string;
  file: string;
  line: number;
  text: string;
  context: boolean;
  error?: string;
  /** The host's summary line. */
  matches?: number;
  files?: string[];
  skipped?: string[];
}

/**
 * Logback lines, one every 100 ms from 03:00 (host `h` starts `h` minutes later), a NASTY error
 * every 7th line and a stack trace every 50th (its lines carry no time: they belong to the entry).
 */
function generate(file: string, lines: number, startMinute: number, nasty: string): void {
  const program = `BEGIN { for (i = 0; i < n; i++) { t = i + start * 600
    ts = sprintf("2026-11-02 %02d:%02d:%02d,%03d", 3 + int(t / 36000), int(t / 600) % 60, int(t / 10) % 60, (t % 10) * 100)
    if (i % 7 == 0) print ts " ERROR [main] c.a.s.Registry - " ENVIRON["NASTY"] " n=" i; else print ts " INFO  [main] c.a.s.Registry - register ok n=" i
    if (i % 50 == 0) { print "java.lang.IllegalStateException: " ENVIRON["NASTY"] " in trace"; print "\\tat com.alipay.Foo.bar(Foo.java:" i ")" } } }`;
  const out = execFileSync('awk', ['-v', `n=${lines}`, '-v', `start=${startMinute}`, program], { env: { ...process.env, NASTY: nasty }, maxBuffer: 256 << 20 });
  writeFileSync(file, out);
  chmodSync(file, 0o644);
}

/** grep -n on the same file, as the host would print it: [line, text]. */
function grepN(args: string[], file: string, gz = false): [number, string, boolean][] {
  const r = gz ? spawnSync('sh', ['-c', `gzip -dc -- "$1" | grep ${args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')}`, 'sh', file], { encoding: 'utf8', maxBuffer: 256 << 20 }) : spawnSync('grep', [...args, '--', file], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return r.stdout
    .split('\n')
    .filter((l) => /^\d+[:-]/.test(l))
    .map((l) => {
      const m = /^(\d+)([:-])(.*)$/.exec(l)!;
      return [Number(m[1]), m[3], m[2] === '-'];
    });
}

function lineCount(file: string): number {
  return Number(execFileSync('wc', ['-l', file], { encoding: 'utf8' }).trim().split(/\s+/)[0]);
}

/** The reference window: an awk range over the entry's time (a line without one belongs to the entry before). */
function awkWindow(file: string, since: string, until: string, literal: string): [number, string][] {
  const out = execFileSync('awk', ['-v', `s=${since}`, '-v', `u=${until}`, `/^20[0-9][0-9]-/ { c = substr($0, 1, 23) } c >= s && c < u && index($0, ENVIRON["P"]) { print NR ":" $0 }`, file], { env: { ...process.env, P: literal, LC_ALL: 'C' }, encoding: 'utf8', maxBuffer: 256 << 20 });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf(':');
      return [Number(l.slice(0, i)), l.slice(i + 1)];
    });
}

describe('logs grep across hosts (real sshd)', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let user: TestUser;
  let dir: string;
  let inventory: string;
  let knownHosts: string;
  const roots: string[] = [];

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-grep-'));
    chmodSync(dir, 0o755);
    HOSTS.slice(0, 3).forEach((_, i) => {
      const root = path.join(dir, `host ${i + 1}`);
      mkdirSync(root);
      chmodSync(root, 0o755);
      roots.push(root);
      // ~3 MB of current log per host; host 3 only has a trace line with the pattern, once.
      generate(path.join(root, 'app.log'), 40_000, i, i === 2 ? 'nothing to see' : NASTY);
    });
    writeFileSync(path.join(roots[2], 'app.log'), `2026-11-02 04:10:00,000 INFO  [main] x - only one: ${NASTY}\n`, { flag: 'a' });
    // Host 1's rotated files: yesterday's `.1` and a gzipped one.
    generate(path.join(roots[0], 'app.log.1'), 2_000, 0, NASTY);
    generate(path.join(roots[0], 'app.log.2026-11-01'), 3_000, 0, NASTY);
    execFileSync('gzip', [path.join(roots[0], 'app.log.2026-11-01')]);
    chmodSync(path.join(roots[0], 'app.log.2026-11-01.gz'), 0o644);
    writeFileSync(path.join(roots[0], 'app.log.3.bz2'), 'not read\n');
    inventory = path.join(dir, 'inventory.yaml');
    const hostLines = HOSTS.slice(0, 3).map((h, i) => `      - { name: session-${i + 1}, host: ${h}, logRoot: ${JSON.stringify(roots[i])} }`).join('\n');
    writeFileSync(
      inventory,
      `defaults: { port: ${sshd.port}, user: ${user.name}, identityFile: ${user.keys.plain} }
products:
  registry:
    registry-session:
${hostLines}
    registry-data:
      - { name: gone-1, host: 127.0.7.9, port: 1 }
  microservice:
    drmdata:
      - { name: drm-1, host: ${HOSTS[3]}, logRoot: ${JSON.stringify(path.join(dir, 'drm'))} }
`,
    );
    knownHosts = path.join(dir, 'known_hosts');
    writeFileSync(knownHosts, sshd.knownHostsFor(HOSTS));
  });

  after(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(MARKER, { force: true });
  });

  /** drmdata-push.log lines, one a second from `start`, every 10th a failed push (`;1`). */
  function pushLog(start: Date, seconds: number): { text: string; failed: number[] } {
    const pad = (n: number) => String(n).padStart(2, '0');
    const lines: string[] = [];
    const failed: number[] = [];
    for (let i = 0; i < seconds; i++) {
      const d = new Date(start.getTime() + i * 1000);
      const ts = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())},000`;
      const fail = i % 10 === 3;
      lines.push(`${ts} - [push]0A1B2C3D4E5F;Alipay.risk:name=com.alipay.risk.RuleSwitch;10.1.2.${i % 250};${fail ? 1 : 0}`);
      if (fail) failed.push(i);
    }
    return { text: lines.join('\n') + '\n', failed };
  }

  async function grep(args: string[]): Promise<{ code: number; lines: Json[]; stdout: string; stderr: string }> {
    const io = captureIO();
    const code = await logsCommand(['grep', ...args, '--inventory', inventory, '--known-hosts', knownHosts], io, path.join(repoRoot, 'runbooks'), { cacheDir: null });
    const lines = args.includes('--json') ? io.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json) : [];
    return { code, lines, stdout: io.stdout, stderr: io.stderr };
  }

  const of = (lines: Json[], host: string, file: string) => lines.filter((l) => l.host === host && l.file === file && l.line !== undefined).map((l) => [l.line, l.text, l.context]);

  it('finds a literal full of shell syntax on every host, with the line numbers grep -n prints there', async () => {
    const { code, lines, stderr } = await grep([NASTY, '--host', 'registry-session', '--log', './app.log', '--json']);
    assert.strictEqual(code, 0, stderr);
    assert.ok(!existsSync(MARKER), 'the pattern ran as shell code on a host');
    for (const [i, root] of roots.entries()) {
      const file = path.join(root, 'app.log');
      const expected = grepN(['-n', '-F', '-e', NASTY], file);
      assert.ok(expected.length > 0, `host ${i + 1} has matches`);
      assert.deepStrictEqual(of(lines, `session-${i + 1}`, file), expected);
    }
    // Host 3's one match is its last line: grep -n's number, not a count of matches.
    assert.deepStrictEqual(of(lines, 'session-3', path.join(roots[2], 'app.log')).map((l) => l[0]), [lineCount(path.join(roots[2], 'app.log'))]);
    // Only the current files without --rotated.
    assert.ok(lines.every((l) => l.line === undefined || l.file.endsWith('/app.log')));
    // Each host ends with its summary, also a host with no match.
    assert.deepStrictEqual(lines.filter((l) => l.matches !== undefined).map((l) => [l.host, l.matches]), roots.map((root, i) => [`session-${i + 1}`, grepN(['-n', '-F', '-e', NASTY], path.join(root, 'app.log')).length]));
  });

  it('prints the hits grouped by host in inventory order, as host:path:line:text', async () => {
    const { code, stdout } = await grep(['only one', '--host', 'session-3,session-1', '--log', './app.log']);
    assert.strictEqual(code, 0);
    const lines = stdout.split('\n');
    assert.strictEqual(lines[0], '== session-1: 0 matches in ' + path.join(roots[0], 'app.log'));
    assert.strictEqual(lines[1], '== session-3: 1 match');
    assert.strictEqual(lines[2], `session-3:${path.join(roots[2], 'app.log')}:${lineCount(path.join(roots[2], 'app.log'))}:2026-11-02 04:10:00,000 INFO  [main] x - only one: ${NASTY}`);
  });

  it('--regex and --context give grep -E -C 2, context lines marked, on the real lines', async () => {
    const { code, lines } = await grep(['n=39(99|8[0-9])$', '--regex', '--context', '2', '--host', 'session-2', '--log', './app.log', '--json']);
    assert.strictEqual(code, 0);
    const file = path.join(roots[1], 'app.log');
    const expected = grepN(['-n', '-E', '-C', '2', '-e', 'n=39(99|8[0-9])$'], file);
    assert.ok(expected.some((l) => l[2]) && expected.some((l) => !l[2]));
    assert.deepStrictEqual(of(lines, 'session-2', file), expected);
  });

  it('--since/--until give exactly the lines of an awk range over the entries, stack traces included', async () => {
    const windows: [string, string][] = [
      ['2026-11-02 03:10', '2026-11-02 03:11'],
      ['2026-11-02 03:00:00,000', '2026-11-02 03:00:07,300'], // the file's first lines
      ['2026-11-02 04:05:30', '2026-11-02 05:00'], // runs past the end of host 1 and 2
      ['2026-11-02 03:17:05,050', '2026-11-02 03:17:05,150'], // one entry, by milliseconds
      ['2026-11-02 06:00', '2026-11-02 07:00'], // after everything
    ];
    for (const [since, until] of windows) {
      const { lines } = await grep([NASTY, '--host', 'registry-session', '--log', './app.log', '--since', since, '--until', until, '--json']);
      const keys = parseWindow(since, until);
      for (const [i, root] of roots.entries()) {
        const file = path.join(root, 'app.log');
        // The reference's keys are the logs' own spelling (comma before the milliseconds).
        const expected = awkWindow(file, keys.since!.replace('.', ','), keys.until!.replace('.', ','), NASTY);
        assert.deepStrictEqual(of(lines, `session-${i + 1}`, file).map((l) => [l[0], l[1]]), expected, `${since} – ${until} on host ${i + 1}`);
      }
    }
  });

  it('reads only the window across the network: a minute of a 40 MB log is a small fraction of it', async () => {
    const big = path.join(roots[1], 'big.log');
    generate(big, 500_000, 0, NASTY);
    const size = statSync(big).size;
    const { inventory: inv } = await loadInventory(inventory);
    const hosts = inv.hosts.filter((h) => h.name === 'session-2');
    const { pool } = await poolWith(sshd.knownHostsFor(HOSTS));
    try {
      const t = target({ host: HOSTS[1], port: sshd.port, user: user.name, identityFiles: [user.keys.plain], name: 'session-2' });
      const catalog = logCatalogOf((await loadCatalog(path.join(repoRoot, 'runbooks'))).catalog);
      const window = parseWindow('2026-11-02 15:00', '2026-11-02 15:01');
      const [result] = await grepOnHosts((tt, c, o) => pool.exec(tt, c, o), catalog, hosts, [t], { log: big, query: { pattern: 'register ok', window } });
      assert.strictEqual(result.error, undefined);
      const expected = awkWindow(big, '2026-11-02 15:00:00,000', '2026-11-02 15:01:00,000', 'register ok');
      assert.ok(expected.length > 400, `${expected.length} lines in the window`);
      assert.deepStrictEqual(result.files[0].lines.map((l) => [l.line, l.text]), expected);
      assert.ok(result.transferred < size / 100, `${result.transferred} bytes of ${size} crossed`);
    } finally {
      pool.dispose();
    }
  });

  it('--rotated adds .1 and .gz files with their own real line numbers; formats it cannot read are named', async () => {
    const { code, lines, stdout } = await grep([NASTY, '--host', 'session-1', '--log', './app.log', '--json', '--rotated']);
    assert.strictEqual(code, 0);
    const files = [...new Set(lines.filter((l) => l.line !== undefined).map((l) => l.file))];
    assert.deepStrictEqual(files, ['app.log', 'app.log.1', 'app.log.2026-11-01.gz'].map((f) => path.join(roots[0], f)));
    assert.deepStrictEqual(of(lines, 'session-1', files[1]), grepN(['-n', '-F', '-e', NASTY], files[1]));
    const gz = grepN(['-n', '-F', '-e', NASTY], files[2], true);
    assert.ok(gz.length > 400);
    assert.deepStrictEqual(of(lines, 'session-1', files[2]), gz);
    const summary = lines.find((l) => l.host === 'session-1' && l.matches !== undefined);
    assert.deepStrictEqual(summary, { host: 'session-1', matches: lines.filter((l) => l.line !== undefined && !l.context).length, files, skipped: [path.join(roots[0], 'app.log.3.bz2')] });
    assert.ok(!stdout.includes('not read'), 'JSON lines only');
    const human = await grep([NASTY, '--host', 'session-1', '--log', './app.log', '--rotated', '--since', '2026-11-02 03:01', '--until', '2026-11-02 03:02']);
    assert.match(human.stdout, /not read, compressed .*app\.log\.3\.bz2/);
    // The window applies to the gzipped file as well (awk on the host, real numbers kept).
    const inGz = human.stdout.split('\n').filter((l) => l.includes('.gz:'));
    const expected = execFileSync('sh', ['-c', `gzip -dc -- "$1" > "$1.plain"`, 'sh', files[2]]) && awkWindow(`${files[2]}.plain`, '2026-11-02 03:01:00,000', '2026-11-02 03:02:00,000', NASTY);
    assert.deepStrictEqual(
      inGz.map((l) => Number(l.slice(`session-1:${files[2]}:`.length).split(':')[0])),
      expected.map((e) => e[0]),
    );
    assert.ok(expected.length > 50);
  });

  it('logs timeline --rotated reads across midnight\'s rotation: yesterday\'s .gz, then today\'s file, each at its real lines', async () => {
    const drm = path.join(dir, 'drm', 'drmdata');
    mkdirSync(drm, { recursive: true });
    chmodSync(path.join(dir, 'drm'), 0o755);
    chmodSync(drm, 0o755);
    // Yesterday 23:50:00–23:59:59 (rotated, gzipped at midnight) and today from 00:00:00 on.
    const old = pushLog(new Date(Date.UTC(2026, 10, 1, 23, 50)), 600);
    const today = pushLog(new Date(Date.UTC(2026, 10, 2, 0, 0)), 900);
    writeFileSync(path.join(drm, 'drmdata-push.log'), today.text);
    writeFileSync(path.join(drm, 'drmdata-push.log.2026-11-01'), old.text);
    execFileSync('gzip', [path.join(drm, 'drmdata-push.log.2026-11-01')]);
    for (const f of ['drmdata-push.log', 'drmdata-push.log.2026-11-01.gz']) chmodSync(path.join(drm, f), 0o644);
    const since = '2026-11-01 23:58:00';
    const until = '2026-11-02 00:03:00';
    const run = async (extra: string[]) => {
      const io = captureIO();
      const code = await logsCommand(['timeline', '--host', 'drm-1', '--since', since, '--until', until, '--json', '--inventory', inventory, '--known-hosts', knownHosts, ...extra], io, path.join(repoRoot, 'runbooks'), { cacheDir: null });
      assert.strictEqual(code, 0, io.stderr);
      return io.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { file: string; line: number; lastLine: number; count: number; time: string; pattern: string });
    };
    // In the window: yesterday's failures from 23:58:00 (second 480 on), today's until 00:02:59.
    const oldIn = old.failed.filter((i) => i >= 480);
    const todayIn = today.failed.filter((i) => i < 180);
    const rows = await run(['--rotated']);
    assert.deepStrictEqual(
      rows.map((r) => [path.basename(r.file), r.pattern, r.line, r.lastLine, r.count]),
      [
        ['drmdata-push.log.2026-11-01.gz', 'microservice-fmt-drmdata-push.result', oldIn[0] + 1, oldIn[oldIn.length - 1] + 1, oldIn.length],
        ['drmdata-push.log', 'microservice-fmt-drmdata-push.result', todayIn[0] + 1, todayIn[todayIn.length - 1] + 1, todayIn.length],
      ],
    );
    assert.ok(rows[0].time.startsWith('2026-11-01 23:58:03') && rows[1].time.startsWith('2026-11-02 00:00:03'), JSON.stringify(rows));
    // Without --rotated only today's file is read.
    assert.deepStrictEqual((await run([])).map((r) => path.basename(r.file)), ['drmdata-push.log']);
  });

  it('exits 1 when nothing matches, names an unreachable host and still prints the others, and 2 on a bad selector', async () => {
    const none = await grep(['no such text anywhere', '--host', 'registry-session', '--log', './app.log']);
    assert.strictEqual(none.code, 1);
    assert.match(none.stdout, /== session-2: 0 matches/);
    const mixed = await grep(['only one', '--host', 'session-3,gone-1', '--log', './app.log', '--json']);
    assert.strictEqual(mixed.code, 1);
    assert.deepStrictEqual(mixed.lines.filter((l) => l.host === 'session-3').map((l) => l.matches ?? 'line'), ['line', 1]);
    const gone = mixed.lines.find((l) => l.host === 'gone-1');
    assert.ok(gone?.error, mixed.stdout);
    assert.match(mixed.stderr, /gone-1: .*(refused|ECONNREFUSED|connect)/i);
    const bad = await grep(['x', '--host', 'no-such-group', '--log', './app.log']);
    assert.strictEqual(bad.code, 2);
    await assert.rejects(grep(['x', '--host', 'session-1', '--log', './app.log', '--since', 'yesterday']), /--since "yesterday" is not a time/);
  });
});
