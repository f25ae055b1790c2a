/**
 * The `ssh -G` answers cached on disk cover a site of more than a few hundred hosts: a second CLI
 * run over 600 distinct hosts spawns no `ssh -G` at all (at 512 entries it spawned ~90 here, and
 * ~490 per run for 1,000 hosts). The ssh is the real OpenSSH behind a wrapper that counts calls.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { clearSshConfigCache, prefetchWithOpenSsh } from '../../../../src/core/ssh/opensshConfig';

const HOSTS = 600;

describe('ssh -G cache at site scale', function () {
  this.timeout(120_000);
  let dir: string;
  before(function () {
    if (!fs.existsSync('/usr/bin/ssh')) throw new Error('needs OpenSSH: apt-get install -y openssh-client');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sofa-ops-sshg-scale-'));
  });
  after(() => {
    clearSshConfigCache();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`keeps ${HOSTS} hosts: the next run asks ssh nothing`, async () => {
    // Apart from the config's folder, whose identity is part of every cache entry (as ~/.sofa-ops/cache is).
    fs.mkdirSync(path.join(dir, 'bin'));
    const calls = path.join(dir, 'bin', 'calls');
    const ssh = path.join(dir, 'bin', 'ssh');
    fs.writeFileSync(ssh, `#!/bin/sh\necho x >> '${calls}'\nexec /usr/bin/ssh "$@"\n`, { mode: 0o755 });
    fs.mkdirSync(path.join(dir, 'etc'));
    const config = path.join(dir, 'etc', 'ssh_config');
    fs.writeFileSync(config, 'Host *\n  ConnectTimeout 7\n');
    const options = { ssh, cacheFile: path.join(dir, 'bin', 'ssh-config.json') };
    const invocations = Array.from({ length: HOSTS }, (_, i) => ({ destination: `127.1.${Math.floor(i / 250)}.${1 + (i % 250)}`, configFile: config, options: [['User', 'admin'], ['Port', '2022']] as Array<[string, string]> }));
    const count = () => (fs.existsSync(calls) ? fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean).length : 0);

    await prefetchWithOpenSsh(invocations, options, 8);
    assert.strictEqual(count(), HOSTS, 'the first run resolves every host once');
    // A new CLI process: nothing in memory, only the file on disk.
    clearSshConfigCache();
    await prefetchWithOpenSsh(invocations, options, 8);
    assert.strictEqual(count(), HOSTS, 'the second run found every host in the cache file');
  });
});
