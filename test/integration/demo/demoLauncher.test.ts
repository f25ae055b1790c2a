/**
 * The editor's "Start Demo Site" path (src/demo/demoLauncher): the built CLI's demo as a child,
 * its ready line read, its lock seen as running, a second start refused with the demo's own
 * reason (same folder: already running; another folder on the same addresses: in use, which
 * the editor answers by trying the next subnet), faults written while it runs taken, and a stop
 * that leaves nothing running, also while the site is still starting (Ctrl-C in `npm start`).
 */
import * as assert from 'assert';
import type { ChildProcess } from 'child_process';
import * as fs from 'fs';
import { demoFaultsFile, DemoStartError, launchDemo, runningDemoPid, stopDemoProcess, type LaunchedDemo } from '../../../src/demo/demoLauncher';
import { descendants, requireRoot } from '../fixtures/sshd';
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

  it('stops a site stopped while it is still starting, and leaves nothing running', async () => {
    const dir = demoDir();
    dirs.push(dir);
    let child: ChildProcess | undefined;
    let log = '';
    const launching = launchDemo({ cli: BIN, dir, subnet: TEST_SUBNET, onSpawn: (c) => (child = c), onStderr: (d) => (log += d) });
    const settled = launching.then((d) => d, (e: unknown) => e);
    assert.ok(child?.pid, 'the caller has the child before the ready line');
    // Its lock is the first thing the site takes, long before its containers answer.
    assert.ok(await eventually(() => runningDemoPid(dir) !== undefined, 60_000), `the demo never took its lock: ${log}`);
    const tree = [child.pid, ...descendants(child.pid)];
    await stopDemoProcess(child);
    const outcome = await settled;
    // Stopped before the ready line: the start fails with the demo's reason. On a machine fast
    // enough to be ready first, the start succeeded; either way the stop is what the user sees.
    if (!(outcome instanceof DemoStartError)) assert.ok(outcome && typeof outcome === 'object' && 'ready' in outcome, String(outcome));
    assert.strictEqual(runningDemoPid(dir), undefined, 'its lock is gone');
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    assert.ok(await eventually(() => !tree.some(alive) && workingIn(dir).length === 0, 30_000), `still running: ${[...tree.filter(alive), ...workingIn(dir)].join(' ')}`);
  });
});

/** Processes whose working directory is inside `dir`: the site and its containers, also ones started after a snapshot of its tree. */
function workingIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}
