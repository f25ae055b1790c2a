/**
 * Fuzz: thousands of random hostile parameter values × every placeholder context the parser
 * accepts, run by dash (sh) and bash on a real sshd, each case exactly as a runbook cell is sent
 * (exec string `exec sh -s`, values assigned on stdin). One SSH exec per context and shell carries
 * every value. Asserts 0 values not literal and 0 side effects; refused contexts are counted.
 * Also: large values and NUL through the real cell executor, and a secret absent from every
 * process's command line and environment (what `ps` shows) while its cell runs.
 *
 * SOFA_FUZZ_SEED=<n> replays a run; the seed is printed.
 */
import * as assert from 'assert';
import { execFileSync, spawn } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import * as path from 'path';
import { renderCommand } from '../../../src/core/runbook/renderCommand';
import { parseRunbook } from '../../../src/core/runbook/runbookParser';
import { runRunbook } from '../../../src/core/runbook/runbookRunner';
import { sshCellExecutor } from '../../../src/core/runbook/sshCellExecutor';
import type { SshTarget } from '../../../src/core/ssh/types';
import { acceptedTemplates, batchFor, decls, hostileValues, randomValues, refusedTemplates } from '../../fixtures/placeholders/literalBatch';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';
import { poolWith, target, type PoolSetup } from '../ssh/helpers';

const HOST = '127.0.12.1';
const COUNT = 2000;

describe('placeholder fuzz over a real sshd (bash and dash)', function () {
  // Real work on a 2-core machine: the timeout only catches a hang.
  this.timeout(600_000);
  let sshd: Sshd;
  let user: TestUser;
  let setup: PoolSetup;
  let dir: string;
  let mark: string;
  let sshTarget: SshTarget;
  let homeBefore: string[];

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    setup = await poolWith(sshd.knownHostsFor([HOST]));
    sshTarget = target({ host: HOST, port: sshd.port, user: user.name, identityFiles: [user.keys.plain] });
    // A folder the login user may write to: a value that runs as code would create `pwned` in it.
    dir = mkdtempSync('/tmp/sofa-ops-fuzz-');
    const uid = Number(execFileSync('id', ['-u', user.name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user.name], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
    mark = path.join(dir, 'pwned');
    homeBefore = readdirSync(user.home).sort();
  });
  after(async () => {
    setup?.pool.dispose();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sideEffects = () => {
    const created = readdirSync(dir);
    const home = readdirSync(user.home).sort();
    return [...created.map((f) => `${dir}/${f}`), ...home.filter((f) => !homeBefore.includes(f)).map((f) => `~/${f}`)];
  };

  it(`keeps ${COUNT}+ random hostile values literal in every accepted context, in dash and bash`, async () => {
    const seed = process.env.SOFA_FUZZ_SEED ? Number(process.env.SOFA_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
    console.log(`      fuzz seed ${seed} (replay with SOFA_FUZZ_SEED=${seed})`);
    const values = [...hostileValues(mark), ...randomValues(COUNT, seed, mark)];
    const shells = ['sh', 'bash'] as const;
    let notLiteral = 0;
    let contexts = 0;
    let cases = 0;
    const failures: string[] = [];
    const runs = shells.flatMap((shell) => acceptedTemplates.filter((t) => !t.shells || t.shells.includes(shell)).map((template) => ({ shell, template })));
    // One SSH exec per context and shell, three at a time (each remote shell is single-threaded).
    let next = 0;
    const worker = async () => {
      while (next < runs.length) {
        const { shell, template } = runs[next++];
        contexts++;
        const batch = batchFor([template], values, shell);
        // The cell's working directory is the login user's home, like a real run.
        const result = await setup.pool.exec(sshTarget, `exec ${shell} -s`, { stdin: batch.script, maxBufferBytes: 256 << 20 });
        assert.strictEqual(result.outcome, 'ok', `${shell}, ${template.name}: ${result.message ?? ''} exit ${result.exitCode} ${result.stderr.slice(0, 500)}`);
        const bad = batch.check(result.stdout);
        cases += batch.cases.length;
        notLiteral += bad.length;
        for (const b of bad.slice(0, 3)) failures.push(`${shell}, ${template.name}: ${JSON.stringify(b.case.value)} → ${JSON.stringify(b.got?.slice(0, 200))}`);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    let refused = 0;
    for (const shell of shells) {
      for (const template of refusedTemplates) {
        for (const value of values) {
          if (!renderCommand(template.source, decls, { v: value }, shell).ok) refused++;
          else failures.push(`${shell}, ${template.name}: rendered instead of refused`);
        }
      }
    }
    const effects = sideEffects();
    console.log(`      fuzz: ${values.length} values × ${acceptedTemplates.length} contexts × 2 shells (${contexts} runs; bash-only contexts once) = ${cases} cases: ${notLiteral} not literal, ${effects.length} side effects, ${refused} refused (${refusedTemplates.length} refused contexts × ${values.length} values × 2 shells)`);
    assert.deepStrictEqual(failures, []);
    assert.strictEqual(notLiteral, 0);
    assert.deepStrictEqual(effects, []);
    assert.ok(!existsSync(mark));
  });

  it('runs cells with values of 200 KiB and 3 MiB in sh and bash, refuses NUL naming the parameter, and keeps a secret out of ps', async () => {
    const big = `${'a'.repeat(200 * 1024)}'"$(touch ${mark})\n`;
    const huge = 'b'.repeat(3 << 20);
    const secret = `canary-${Math.random().toString(36).slice(2)}-SECRET`;
    const text = [
      '---',
      'title: big values',
      'product: registry',
      'parameters:',
      '  big: {type: string}',
      '  huge: {type: string}',
      '  token: {type: string, secret: true}',
      '---',
      '',
      '```sh {name=sh-big target=all}',
      "printf '%s' {{big}} | wc -c; printf '%s' {{huge}} | wc -c",
      '```',
      '',
      '```bash {name=bash-big target=all}',
      "printf '%s' {{big}} | wc -c; printf '%s' \"{{huge}}\" | wc -c",
      '```',
      '',
      '```sh {name=secret-ps target=all}',
      "printf '%s' {{token}} > /dev/null; t={{token}}; sleep 2; printf 'len %s\\n' \"${#t}\"",
      '```',
      '',
    ].join('\n');
    const { runbook, problems } = parseRunbook(text, 'big.runbook.md');
    assert.deepStrictEqual(problems, []);
    const hooks = {
      resolveTargets: () => [HOST],
      execute: sshCellExecutor(setup.pool, () => [sshTarget]),
      confirm: async () => true,
      manual: async () => true,
    };
    // Sample every process's command line and environment while the cells run, from /proc as
    // `ps -ef` and `ps e` read them (the sshd is on this machine, so its sessions are here too).
    // Positive control: the sampler must see this marker on a command line of our own.
    const control = `${secret}-control`;
    const seen: string[] = [];
    let sampling = true;
    const sample = async () => {
      while (sampling) {
        for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
          try {
            const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
            if (cmdline.includes(secret)) seen.push(`cmdline ${pid}: ${cmdline.replace(/\0/g, ' ').slice(0, 200)}`);
            const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
            if (environ.includes(secret)) seen.push(`environ ${pid}`);
          } catch {
            // Process gone between readdir and read.
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const sampler = sample();
    const controlChild = spawn('sh', ['-c', 'sleep 2', control], { stdio: 'ignore' });
    const result = await runRunbook(runbook, hooks, { params: { big, huge, token: secret } });
    await new Promise((r) => (controlChild.exitCode !== null ? r(null) : controlChild.once('exit', r)));
    sampling = false;
    await sampler;
    assert.strictEqual(result.ok, true, JSON.stringify(result.cells.map((c) => [c.name, c.status, c.message])));
    const out = (name: string) => result.cells.find((c) => c.name === name)!.hosts[0].stdout.split('\n').map((l) => l.trim());
    assert.deepStrictEqual(out('sh-big').slice(0, 2), [String(Buffer.byteLength(big)), String(huge.length)]);
    assert.deepStrictEqual(out('bash-big').slice(0, 2), [String(Buffer.byteLength(big)), String(huge.length)]);
    assert.deepStrictEqual(out('secret-ps').slice(0, 1), [`len ${secret.length}`]);
    assert.ok(!JSON.stringify(result).includes(secret), 'the secret is in the run result');
    assert.ok(seen.some((s) => s.includes('-control')), 'the sampler saw the control command line');
    assert.deepStrictEqual(seen.filter((s) => !s.includes('-control')), [], 'the secret was visible in a process listing');
    assert.ok(!existsSync(mark));

    const nul = await runRunbook(parseRunbook('---\ntitle: nul\nproduct: registry\nparameters:\n  v: {type: string}\n---\n\n```sh {target=all}\necho {{v}}\n```\n', 'nul.runbook.md').runbook, hooks, { params: { v: "a\0b" } });
    assert.strictEqual(nul.ok, false);
    assert.strictEqual(nul.cells[0].message, 'parameter "v": a value with a NUL byte cannot be passed to a shell');
  });
});
