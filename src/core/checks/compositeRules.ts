/**
 * The guide's rules over several hosts: registry data/meta nodes keep the service while more
 * than half are alive (2.4.1); OSP must return at least two addresses per service (9.5.2).
 */
import type { Bilingual } from '../catalog/types';
import { bilingual } from '../l10n';
import type { Verdict } from './conditions';

/** All alive: PASS. More than half: WARN (the service holds; replace the failed nodes). Else FAIL. */
export function majorityAlive(alive: number, total: number): { verdict: Verdict; value: string; threshold: string; text: Bilingual } {
  const text = bilingual('{0}/{1} alive', alive, total);
  const value = text.en;
  const threshold = `> ${Math.floor(total / 2)}/${total}`;
  if (total === 0) return { verdict: 'fail', value, threshold, text };
  if (alive === total) return { verdict: 'pass', value, threshold, text };
  return { verdict: alive * 2 > total ? 'warn' : 'fail', value, threshold, text };
}

/** Every service returns at least two addresses, and there is at least one service. */
export function atLeastTwoPerService(addresses: ReadonlyMap<string, readonly string[]>): { verdict: Verdict; value: string; threshold: Bilingual; text: Bilingual } {
  const threshold = bilingual('>= 2 per service');
  if (!addresses.size) return { verdict: 'fail', value: 'no services', threshold, text: bilingual('no services') };
  const short = [...addresses].filter(([, list]) => new Set(list).size < 2);
  const value = [...addresses].map(([service, list]) => `${service}:${new Set(list).size}`).join(', ');
  return { verdict: short.length ? 'fail' : 'pass', value, threshold, text: { en: value, zh: value } };
}

/** Addresses out of an OSP answer: a JSON array, or an object holding one (`data`, `addresses`…). */
export function addressesFromJson(text: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const find = (v: unknown, depth: number): unknown[] | undefined => {
    if (Array.isArray(v)) return v;
    if (!v || typeof v !== 'object' || depth > 3) return undefined;
    for (const key of ['addresses', 'data', 'result', 'list']) {
      const found = find((v as Record<string, unknown>)[key], depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  const list = find(value, 0);
  return list?.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
}
