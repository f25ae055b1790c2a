/**
 * A secret canary through a whole run of the built CLI against a real sshd: used in a cell's
 * command and in an `expect` that fails. It must appear 0 times in the audit trail, the md/json/
 * junit reports, stdout/stderr, any file under the local or the remote user's home (shell
 * history included), and in `ps -eo args` sampled again and again while the cell runs (sshd is
 * on this machine, so local `ps` sees the remote processes too).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { cliEnv, registryMeta, spawnCli, writeCliSite } from '../fixtures/cliSite';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';

// Quotes and a dollar: its shell-quoted and JSON-escaped forms differ from the raw one.
const CANARY = `cAnAry-7731'x"$y-s3cr3t`;
const FORMS = [CANARY, JSON.stringify(CANARY).slice(1, -1), CANARY.replace(/'/g, `'\\''`), encodeURIComponent(CANARY), 'cAnAry-7731'];
const PS_SAMPLES = 25;

function occurrences(text: string): number {
  return FORMS.reduce((n, form) => n + text.split(form).length - 1, 0);
}

/** Every regular file under `dir` (shell history, known_hosts, key files, temp files…). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile() && st.size < 64 << 20) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

describe('secrets never printed, never on a command line (built CLI, real sshd)', function () {
  this.timeout(120_000);
  let sshd: Sshd;
  let user: TestUser;
  let dir: string;

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-secrets-'));
    chmodSync(dir, 0o777);
    writeCliSite(dir, sshd, user, registryMeta([{ name: 'app-1', host: '127.0.8.1' }]));
    writeFileSync(path.join(dir, 'secret.runbook.md'), `---
title: Rotate the token
product: registry
parameters:
  token: { type: string, secret: true }
---
# Rotate

\`\`\`sh {name=use-token target=app-1 expect="{{token}}-accepted"}
touch ${dir}/started
while [ ! -e ${dir}/go ]; do sleep 0.05; done
echo "token is {{token}}"
printf '%s\\n' {{token}} > ${dir}/remote-copy
\`\`\`

\`\`\`sh {name=cleanup target=app-1 finally}
echo "cleaned with {{token}}" >&2
\`\`\`
`);
  });
  after(async () => {
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the canary appears 0 times in audit, reports, output, homes and ps while an expect using it fails', async () => {
    const counts: Record<string, number> = {};
    const home = path.join(dir, 'home');
    mkdirSync(home, { recursive: true });
    for (const format of ['json', 'md', 'junit'] as const) {
      rmSync(path.join(dir, 'go'), { force: true });
      rmSync(path.join(dir, 'started'), { force: true });
      const report = path.join(dir, `report.${format}`);
      // The secret comes from the environment, as documented: a --param would be on our own command line.
      const { out, exited, started } = spawnCli(['run', path.join(dir, 'secret.runbook.md'), '--inventory', path.join(dir, 'inventory.yaml'), '--known-hosts', path.join(dir, 'known_hosts'), '--audit', path.join(dir, 'audit.jsonl'), '--report', format, '--out', report], cliEnv(home, { SOFA_OPS_PARAM_TOKEN: CANARY }));
      assert.ok(await started(path.join(dir, 'started')), `the run ended before its cell started:\n${out.stderr}`);
      if (format === 'json') {
        // The cell is running (and waits for us): sample every process's arguments many times.
        let ps = 0;
        let sawCell = 0;
        for (let i = 0; i < PS_SAMPLES; i++) {
          const sample = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
          ps += occurrences(sample);
          if (/^(ba)?sh -s$/m.test(sample)) sawCell++;
        }
        // The samples did see the cell's remote shell: they were taken while it ran.
        assert.strictEqual(sawCell, PS_SAMPLES, 'the remote shell was visible in every ps sample');
        counts['ps -eo args'] = ps;
      }
      writeFileSync(path.join(dir, 'go'), '');
      const code = await exited;
      const { stdout, stderr } = out;
      assert.strictEqual(code, 1, stderr);
      // The failing expect is named by its parameter, and the value did reach the host literally.
      assert.match(stderr, /expected "\{\{token\}\}-accepted" in the output, found/);
      assert.strictEqual(readFileSync(path.join(dir, 'remote-copy'), 'utf8'), `${CANARY}\n`, 'the host got the real value');
      counts[`stdout+stderr (${format})`] = occurrences(stdout + stderr);
      counts[`report.${format}`] = occurrences(readFileSync(report, 'utf8'));
    }
    counts['audit trail'] = occurrences(readFileSync(path.join(dir, 'audit.jsonl'), 'utf8'));
    counts['local home'] = filesUnder(home).reduce((n, f) => n + occurrences(readFileSync(f, 'latin1')), 0);
    counts['remote home (history…)'] = filesUnder(user.home).reduce((n, f) => n + occurrences(readFileSync(f, 'latin1')), 0);
    console.log(`      secret canary: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')} (ps sampled ${PS_SAMPLES}×)`);
    for (const [where, n] of Object.entries(counts)) assert.strictEqual(n, 0, `the canary appears ${n} time(s) in ${where}`);
    assert.ok(readFileSync(path.join(dir, 'report.md'), 'utf8').includes('{{token}}-accepted'), 'the report names the parameter');
  });
});
