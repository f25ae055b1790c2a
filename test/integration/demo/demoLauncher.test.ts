/**
 * The editor's "Start Demo Site" path (src/demo/demoLauncher): the built CLI's demo as a child,
 * its ready line read, its lock seen as running, a second start refused with the demo's own
 * reason (same folder: already running; another folder on the same addresses: in use, which
 * the editor answers by trying the next subnet), faults written while it runs taken, and a stop
 * that leaves nothing running.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { demoFaultsFile, DemoStartError, launchDemo, runningDemoPid, type LaunchedDemo } from '../../../src/demo/demoLauncher';
import { requireRoot } from '../fixtures/sshd';
import { BIN, demoDir, eventually, TEST_SUBNET } from './demoProcess';

describe('demo launcher (Start Demo Site)', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  let demo: LaunchedDemo | undefined;

  before(() => requireRoot());
  after(async () => {
    await demo?.stop();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('starts the site, refuses a second one with its reason, takes faults, and stops it', async () => {
    const dir = demoDir();
    dirs.push(dir);
    demo = await launchDemo({ cli: BIN, dir, subnet: TEST_SUBNET });
    assert.ok(demo.ready.hosts.length >= 17, `${demo.ready.hosts.length} containers`);
    assert.ok(demo.ready.hosts.every((h) => h.address.startsWith(`${TEST_SUBNET}.`)));
    assert.ok(fs.existsSync(demo.ready.inventory) && fs.existsSync(demo.ready.knownHosts));
    assert.strictEqual(runningDemoPid(dir), demo.ready.pid);

    const again = await launchDemo({ cli: BIN, dir, subnet: TEST_SUBNET }).then(() => undefined, (e: unknown) => e);
    assert.ok(again instanceof DemoStartError, String(again));
    assert.match(again.message, /already running from/);
    assert.strictEqual(again.addressInUse, false);

    const other = demoDir();
    dirs.push(other);
    const taken = await launchDemo({ cli: BIN, dir: other, subnet: TEST_SUBNET }).then(() => undefined, (e: unknown) => e);
    assert.ok(taken instanceof DemoStartError, String(taken));
    assert.match(taken.message, /already in use/);
    assert.strictEqual(taken.addressInUse, true);
    assert.strictEqual(runningDemoPid(other), undefined, 'the refused demo holds no lock');

    let stderr = '';
    demo.child.stderr!.on('data', (d: Buffer) => (stderr += d));
    fs.writeFileSync(demoFaultsFile(dir), 'msgbroker-9529-down\n');
    assert.ok(await eventually(() => /faults now: msgbroker-9529-down/.test(stderr), 20_000), stderr);

    await demo.stop();
    assert.notStrictEqual(demo.child.exitCode ?? demo.child.signalCode, null, 'the demo process exited');
    assert.strictEqual(runningDemoPid(dir), undefined, 'its lock is gone');
    demo = undefined;
  });
});
