/** The runner's SSH executor (shared by the CLI and the editor) against a real sshd. */
import * as assert from 'assert';
import { parseRunbook } from '../../../src/core/runbook/runbookParser';
import { runRunbook } from '../../../src/core/runbook/runbookRunner';
import { sshCellExecutor } from '../../../src/core/runbook/sshCellExecutor';
import { ensureTestUser, requireRoot, Sshd, type TestUser } from '../fixtures/sshd';
import { poolWith, target, type PoolSetup } from '../ssh/helpers';

describe('runbook cells over SSH (sshCellExecutor, real sshd)', function () {
  this.timeout(30_000);
  let sshd: Sshd;
  let user: TestUser;
  let setup: PoolSetup;

  before(async () => {
    requireRoot();
    user = await ensureTestUser();
    sshd = await Sshd.start({ hostKeyTypes: ['ed25519'] });
    setup = await poolWith(sshd.knownHostsFor(['127.0.8.1', '127.0.8.2']));
  });
  after(async () => {
    setup?.pool.dispose();
    await sshd?.stop();
  });

  it('streams live output per host without breaking a Chinese character split across packets', async () => {
    // 中文 is e4 b8 ad e6 96 87: the first packet ends in the middle of 中.
    const { runbook } = parseRunbook("```sh {target=all}\nprintf 'live \\344\\270'; sleep 0.2; printf '\\255\\346\\226\\207 ok\\n'\n```\n", 'split.runbook.md');
    const hosts = ['127.0.8.1', '127.0.8.2'];
    const live = new Map<string, string[]>();
    const result = await runRunbook(runbook, {
      resolveTargets: () => hosts,
      execute: sshCellExecutor(setup.pool, (names) => names.map((host) => target({ host, port: sshd.port, user: user.name, identityFiles: [user.keys.plain] }))),
      confirm: async () => true,
      manual: async () => true,
      onOutput: (_index, host, _stream, text) => live.set(host, [...(live.get(host) ?? []), text]),
    });
    assert.strictEqual(result.ok, true, JSON.stringify(result.cells));
    for (const host of hosts) {
      const chunks = live.get(host) ?? [];
      assert.strictEqual(chunks.join(''), 'live 中文 ok\n', `${host}: ${JSON.stringify(chunks)}`);
      assert.ok(chunks.length >= 2, `${host}: the output arrived live, in pieces (${chunks.length})`);
      assert.ok(!chunks.join('').includes('\ufffd'));
    }
    assert.deepStrictEqual(result.cells[0].hosts.map((h) => [h.host, h.stdout]), hosts.map((h) => [h, 'live 中文 ok\n']));
  });
});
