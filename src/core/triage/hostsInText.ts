/** Which inventory hosts a pasted alert or log line names, by host name or address. */
import type { InventoryHost } from '../inventory/inventory';

export interface HostMention {
  name: string;
  /** host:port as the inventory has it. */
  address: string;
  component?: string;
  /** The text that named it. */
  matched: string;
}

const WORDISH = /[A-Za-z0-9_.-]/;

/** Offsets where `needle` occurs in `text` as a whole word (not inside a longer name or address). */
function wholeWordAt(text: string, needle: string): number {
  if (!needle) return -1;
  let from = 0;
  for (;;) {
    const i = text.indexOf(needle, from);
    if (i < 0) return -1;
    const before = i > 0 ? text[i - 1] : '';
    const after = text[i + needle.length] ?? '';
    // A trailing dot ends a sentence, not a name: "on registry-meta-1." still names the host.
    const afterOk = !after || !WORDISH.test(after) || (after === '.' && !WORDISH.test(text[i + needle.length + 1] ?? ''));
    if ((!before || !WORDISH.test(before)) && afterOk) return i;
    from = i + 1;
  }
}

/**
 * The hosts named in `text`, first-mentioned first. A name counts before an address; an address
 * shared by several hosts (one machine, several ssh ports) counts only as `address:port`.
 */
export function hostsInText(text: string, hosts: readonly InventoryHost[]): HostMention[] {
  const found: Array<HostMention & { at: number }> = [];
  const seen = new Set<string>();
  const perAddress = new Map<string, number>();
  for (const h of hosts) perAddress.set(h.host, (perAddress.get(h.host) ?? 0) + 1);
  const note = (h: InventoryHost, matched: string, at: number) => {
    if (at < 0 || seen.has(h.name)) return;
    seen.add(h.name);
    found.push({ name: h.name, address: `${h.host}:${h.port}`, ...(h.component ? { component: h.component } : {}), matched, at });
  };
  // Longest names first, so registry-meta-10 is not taken for registry-meta-1.
  const byLength = [...hosts].sort((a, b) => b.name.length - a.name.length);
  for (const h of byLength) note(h, h.name, wholeWordAt(text, h.name));
  for (const h of hosts) {
    const withPort = `${h.host}:${h.port}`;
    const at = wholeWordAt(text, withPort);
    if (at >= 0) note(h, withPort, at);
    else if ((perAddress.get(h.host) ?? 0) === 1) note(h, h.host, wholeWordAt(text, h.host));
  }
  return found.sort((a, b) => a.at - b.at).map(({ at: _at, ...m }) => m);
}
