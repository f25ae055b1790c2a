/** A one-product catalog and hosts for inspection unit tests: checks are what a test varies. */
import * as net from 'net';
import type { Catalog, Check } from '../../../../src/core/catalog/types';
import type { InventoryHost } from '../../../../src/core/inventory/inventory';

export const bi = (en: string) => ({ zh: en, en });

export const check = (id: string, extra: Partial<Check>): Check => ({ id, section: '1.2.3', kind: 'command', components: ['app'], title: bi(id), passWhen: bi('ok'), action: bi(`fix ${id}`), ...extra });

/** Product p: components app and other (both alias app-server), app's log app.log with pattern BOOM. */
export function catalogWith(checks: Check[]): Catalog {
  return {
    products: [{
      product: { id: 'p', section: '1', name: bi('P'), summary: bi('P') },
      components: [{ id: 'app', section: '1.1', name: bi('App'), role: bi('app'), ports: [], aliases: ['app-server'] }, { id: 'other', section: '1.1', name: bi('Other'), role: bi('o'), ports: [], aliases: ['app-server'] }],
      metrics: [],
      logs: [{ id: 'app-log', section: '1.3', components: ['app'], name: 'app.log', path: '/home/admin/logs/app/app.log', records: bi('log') }],
      patterns: [{ id: 'boom', section: '1.4', match: 'BOOM', severity: 'error', logs: ['app-log'], explanation: bi('boom'), action: bi('pattern action') }],
      checks,
      plans: [],
      files: [],
    }],
  };
}

export function host(name: string, logRoot: string, component = 'app'): InventoryHost {
  return { name, host: '127.0.0.1', port: 22, identityFiles: [], logRoot, product: 'p', component, groups: [component, 'p'], tags: [], source: { file: 'inv', line: 1 } };
}

/** A loopback port nothing listens on (just opened and closed again). */
export async function closedLoopbackPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
