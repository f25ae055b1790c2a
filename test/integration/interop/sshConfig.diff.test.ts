/**
 * Differential test: the built-in ssh_config resolver against `ssh -G` on the same inputs.
 * Corpus: test/fixtures/interop/sshconfig (our own, hostile cases included) plus, when present,
 * /work/shared/oracle-corpus/sshconfig (OpenSSH's Include regression configs, read by path).
 * Each config names its hosts on a `#@hosts:` line; `@DIR@` is the temp copy's folder. Every host
 * is asked three ways (no flags, inventory user+port, inventory identity file).
 * Any disagreement fails unless it is a listed deliberate refusal of the built-in resolver.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { parseSshG, problemsFromSshStderr, sshGArgs } from '../../../src/core/ssh/opensshConfig';
import { type EffectiveConfig, resolveBuiltin, SshConfigError, type SshInvocation } from '../../../src/core/ssh/sshConfigBuiltin';
import { formatJumpHop, parseJumpSpec } from '../../../src/core/ssh/sshConfigSyntax';

const OWN = path.join(__dirname, '..', '..', 'fixtures', 'interop', 'sshconfig');
const PUBLIC = '/work/shared/oracle-corpus/sshconfig';
const SSH = '/usr/bin/ssh';

/** Deliberate refusals: the built-in resolver says it cannot honour these rather than guess. */
const REFUSALS = [/not supported by the built-in resolver/, /needs DNS lookups/];

const VARIANTS: Array<Array<[string, string]>> = [[], [['User', 'inv'], ['Port', '2022']], [['IdentityFile', '/inv/key']]];

type Outcome = { ok: true; config: EffectiveConfig } | { ok: false; lines: number[]; message: string };

function comparable(c: EffectiveConfig): Record<string, unknown> {
  const hops = c.proxyJump ? parseJumpSpec(c.proxyJump) : undefined;
  return {
    hostname: c.hostname, port: c.port, user: c.user, identityFiles: c.identityFiles,
    proxyJump: hops ? hops.map(formatJumpHop).join(',') : c.proxyJump, proxyCommand: c.proxyCommand,
    serverAliveInterval: c.serverAliveInterval, serverAliveCountMax: c.serverAliveCountMax, connectTimeout: c.connectTimeout,
  };
}

function viaSsh(inv: SshInvocation, env: NodeJS.ProcessEnv): Outcome {
  const r = spawnSync(SSH, sshGArgs(inv), { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status === 0) return { ok: true, config: parseSshG(r.stdout) };
  const problems = problemsFromSshStderr(r.stderr, inv);
  return { ok: false, lines: problems.map((p) => p.line).filter((l) => l > 0), message: problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join(' | ') };
}

function viaBuiltin(inv: SshInvocation, env: NodeJS.ProcessEnv): Outcome {
  try {
    return { ok: true, config: resolveBuiltin(inv, { env }).config };
  } catch (e) {
    if (!(e instanceof SshConfigError)) throw e;
    return { ok: false, lines: e.problems.map((p) => p.line).filter((l) => l > 0), message: e.message };
  }
}

interface Case {
  file: string;
  hosts: string[];
}

function corpus(dir: string): Case[] {
  return readdirSync(dir)
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .map((f) => {
      const text = readFileSync(path.join(dir, f), 'utf8');
      const m = /^#@hosts:(.*)$/m.exec(text);
      return { file: f, hosts: m ? m[1].trim().split(/\s+/).filter(Boolean) : [] };
    })
    .filter((c) => c.hosts.length);
}

/** A temp copy with @DIR@ replaced, so Include paths point at the copy. */
function materialise(src: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sofa-sshcfg-'));
  cpSync(src, dir, { recursive: true });
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else writeFileSync(p, readFileSync(p, 'utf8').replace(/@DIR@/g, dir), { mode: 0o644 });
    }
  };
  walk(dir);
  return dir;
}

describe('ssh_config: built-in resolver vs ssh -G (differential)', function () {
  this.timeout(600_000);
  before(function () {
    if (!existsSync(SSH)) throw new Error(`${SSH} is missing: apt-get install -y openssh-client`);
  });

  it('agrees with ssh -G on every case, or refuses deliberately', () => {
    // /bin/sh (dash on Debian) runs Match exec: the corpus uses sh-only syntax there.
    const env = { ...process.env, SHELL: '/bin/sh' };
    const sources: Array<{ label: string; dir: string }> = [{ label: 'own', dir: OWN }];
    if (existsSync(PUBLIC)) sources.push({ label: 'public', dir: PUBLIC });
    else console.log(`      note: ${PUBLIC} is absent; only the project's own corpus runs`);
    let total = 0;
    let agree = 0;
    let refused = 0;
    const silent: string[] = [];
    const byLabel: Record<string, number> = {};
    for (const source of sources) {
      const dir = materialise(source.dir);
      try {
        for (const c of corpus(dir)) {
          for (const host of c.hosts) {
            for (const options of VARIANTS) {
              const inv: SshInvocation = { destination: host, configFile: path.join(dir, c.file), options };
              const ref = viaSsh(inv, env);
              const ours = viaBuiltin(inv, env);
              total++;
              byLabel[source.label] = (byLabel[source.label] ?? 0) + 1;
              const what = `${source.label}/${c.file} ${host} ${options.map(([k, v]) => `-o ${k}=${v}`).join(' ')}`;
              if (!ours.ok && REFUSALS.some((r) => r.test(ours.message))) {
                refused++;
                continue;
              }
              if (ref.ok && ours.ok) {
                const a = comparable(ref.config);
                const b = comparable(ours.config);
                if (JSON.stringify(a) === JSON.stringify(b)) agree++;
                else silent.push(`${what}\n        ssh -G : ${JSON.stringify(a)}\n        builtin: ${JSON.stringify(b)}`);
              } else if (!ref.ok && !ours.ok) {
                // Both refuse: the first line ssh names must be the one we name.
                if (ref.lines.length && ours.lines.length && ref.lines[0] !== ours.lines[0]) silent.push(`${what}\n        ssh -G : ${ref.message}\n        builtin: ${ours.message}`);
                else agree++;
              } else {
                silent.push(`${what}\n        ssh -G : ${ref.ok ? JSON.stringify(comparable(ref.config)) : ref.message}\n        builtin: ${ours.ok ? JSON.stringify(comparable(ours.config)) : ours.message}`);
              }
            }
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    console.log(`      ssh -G: ${agree}/${total} agree, ${refused} refused, ${silent.length} silent (${Object.entries(byLabel).map(([k, v]) => `${k} ${v}`).join(', ')})`);
    assert.ok(total >= 150, `corpus too small: ${total} cases`);
    assert.deepStrictEqual(silent, []);
  });
});
