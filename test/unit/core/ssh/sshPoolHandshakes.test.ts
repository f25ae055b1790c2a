/**
 * The pool bounds SSH handshakes in flight: a fan-out over many hosts queues its connects instead
 * of opening them all at once. A real TCP listener stands in for the hosts (it accepts, holds the
 * socket a moment without speaking SSH, then drops it) and counts the connections open at once.
 */
import * as assert from 'assert';
import * as net from 'net';
import { fanOut } from '../../../../src/core/ssh/fanOut';
import type { ConnectionDeps } from '../../../../src/core/ssh/sshConnection';
import { DEFAULT_MAX_HANDSHAKES, SshPool } from '../../../../src/core/ssh/sshPool';
import type { SshTarget } from '../../../../src/core/ssh/types';

const deps: ConnectionDeps = {
  hostKeys: {
    verify: () => ({ status: 'unknown', fingerprint: 'SHA256:x', keyType: 'ssh-ed25519' }),
    add: async () => { throw new Error('not in this test'); },
    knownKeyTypes: () => [],
  },
  unknownHosts: { acceptUnknownHost: async () => false },
};

interface Listener {
  port: number;
  accepted: number;
  maxOpen: number;
  close(): Promise<void>;
}

/** Accepts, says nothing, drops the socket after `holdMs`: each handshake takes that long and fails. */
async function silentListener(holdMs: number): Promise<Listener> {
  const sockets = new Set<net.Socket>();
  const state = { accepted: 0, maxOpen: 0 };
  const server = net.createServer((socket) => {
    state.accepted++;
    sockets.add(socket);
    state.maxOpen = Math.max(state.maxOpen, sockets.size);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    setTimeout(() => socket.destroy(), holdMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() { return state.accepted; },
    get maxOpen() { return state.maxOpen; },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Distinct users make distinct pool entries on the one listener: one "host" each. */
function targets(count: number, port: number): SshTarget[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `h${i + 1}`,
    host: '127.0.0.1',
    port,
    user: `u${i + 1}`,
    identityFiles: [],
    jumps: [],
    keepaliveInterval: 0,
    keepaliveCountMax: 3,
    connectTimeout: 10,
  }));
}

describe('SshPool handshake bound', function () {
  this.timeout(30_000);
  let listener: Listener;
  afterEach(async () => listener?.close());

  it('never has more than maxHandshakes connects in flight, and still reaches every host', async () => {
    listener = await silentListener(150);
    const pool = new SshPool(deps, { maxHandshakes: 3 });
    try {
      const results = await fanOut(pool, targets(12, listener.port), 'true', { parallel: 12 });
      assert.strictEqual(listener.accepted, 12, 'every host was tried');
      assert.ok(listener.maxOpen <= 3, `at most 3 handshakes at once, saw ${listener.maxOpen}`);
      assert.ok(listener.maxOpen >= 2, `the bound is a bound, not a serialisation: saw ${listener.maxOpen}`);
      assert.ok(results.every((r) => r.outcome !== 'ok'), 'a host that drops the connection is not ok');
      assert.strictEqual(pool.handshaking, 0, 'every slot was given back');
    } finally {
      pool.dispose();
    }
  });

  it(`bounds a fan-out 1,000 wide (150 hosts) at ${DEFAULT_MAX_HANDSHAKES} by default`, async () => {
    listener = await silentListener(100);
    const pool = new SshPool(deps);
    try {
      await fanOut(pool, targets(150, listener.port), 'true', { parallel: 1000 });
      assert.strictEqual(listener.accepted, 150);
      assert.ok(listener.maxOpen <= DEFAULT_MAX_HANDSHAKES, `saw ${listener.maxOpen} at once`);
    } finally {
      pool.dispose();
    }
  });

  it('a cancelled fan-out leaves the queue without connecting the hosts still waiting', async () => {
    listener = await silentListener(300);
    const pool = new SshPool(deps, { maxHandshakes: 2 });
    const abort = new AbortController();
    try {
      const running = fanOut(pool, targets(10, listener.port), 'true', { parallel: 10, signal: abort.signal });
      setTimeout(() => abort.abort(), 100);
      const results = await running;
      // Give a wrongly released waiter time to reach the listener.
      await new Promise((r) => setTimeout(r, 400));
      assert.ok(listener.accepted <= 4, `only the hosts already connecting were tried, saw ${listener.accepted}`);
      assert.ok(results.filter((r) => r.outcome === 'cancelled').length >= 6, results.map((r) => r.outcome).join(' '));
      assert.strictEqual(pool.handshaking, 0);
    } finally {
      pool.dispose();
    }
  });
});
