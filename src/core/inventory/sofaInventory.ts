/**
 * Our own inventory format: hosts listed under the catalog product and component they serve, so
 * the file reads like the operations guide. Validated against runbooks/inventory.schema.json.
 *
 *   defaults:                     # every host starts from these
 *     port: 2022                  # the containers' SSH port (default 2022)
 *     user: admin
 *     identityFile: ~/.ssh/id_ed25519     # or a list; ~ is your home directory
 *     proxyJump: bastion          # OpenSSH syntax; a hop that is another host's name here is
 *                                 # reached the way that host is; `none` turns it off
 *     logRoot: /home/admin/logs   # default /home/admin/logs
 *     tags: [prod]                # tags add up: defaults' tags plus the host's own
 *     versions: { antstack: "1.2" }   # merged key by key; a check for other versions is N/A
 *   hosts:                        # hosts that are not containers of a component, e.g. bastions
 *     - { name: bastion, host: 10.0.0.1, port: 22, groups: [bastions] }
 *   products:
 *     registry:                   # catalog product id (runbooks/registry/)
 *       defaults: { user: admin } # optional: for every host of this product
 *       registry-meta:            # catalog component id: a list of hosts ...
 *         - { name: registry-meta-1, host: 127.0.1.1, tags: [dc-a, zone=gz00a] }
 *         - { name: registry-meta-2, host: 127.0.1.2, tags: [dc-b], port: 2222 }
 *       registry-data:            # ... or {defaults, hosts} when they share settings
 *         defaults: { user: registry }
 *         hosts:
 *           - { name: registry-data-1, host: 127.0.2.1 }
 *
 * Precedence: host > component defaults > product defaults > file defaults > built-in defaults.
 * Each host is in the groups named after its product and component, plus its own `groups`; when
 * a product has a component of its own name (acvip: the ACVIP servers, beside acvip-metadata-rds),
 * that group is the component's: `target=acvip` means the ACVIP servers, not the product's
 * database, and the product's other hosts are named by their own components' groups.
 * A bastion that inherits `proxyJump: bastion` from the file defaults does not jump through itself.
 */
import { LineCounter, parseDocument } from 'yaml';
import { documentData } from '../yamlData';
import { dedupeErrors, describeSchemaError, errorPointer, lineOfPath } from '../yamlSource';
import type { HostOrigin, KnownComponents, ParsedHost, ParsedInventory } from './inventoryTypes';

interface Settings {
  port?: number;
  user?: string;
  identityFile?: string | string[];
  proxyJump?: string;
  logRoot?: string;
  tags?: string[];
  versions?: Record<string, string>;
}

interface HostEntry extends Settings {
  name: string;
  host: string;
  groups?: string[];
}

/** A layer of defaults with the JSON pointer it was read from (to find its line). */
interface Layer {
  settings: Settings;
  pointer: string;
}


export function parseSofaInventory(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory {
  const result: ParsedInventory = { hosts: [], groupOrder: [], problems: [], origins: new Map() };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    result.problems.push(...doc.errors.map((e) => ({ file, line: lines.linePos(e.pos[0]).line, message: `YAML: ${e.message.split('\n')[0]}` })));
    return result;
  }
  const read = documentData(doc, lines);
  if (!('data' in read)) {
    result.problems.push({ file, line: read.line, message: read.message });
    return result;
  }
  const data = read.data;
  if (data === null || data === undefined) return result;
  if (!isObject(data)) {
    result.problems.push({ file, line: 1, message: 'an inventory file must be a mapping with keys such as defaults, hosts, products' });
    return result;
  }
  const lineOf = (pointer: string) => lineOfPath(doc, lines, pointer);

  // Schema errors drop only what they touch: the host itself, or every host under broken defaults.
  const errorPointers: string[] = [];
  // Precompiled from the JSON schema (scripts/generate-validators.mjs), loaded on first use: the
  // bundle ships it as dist/validator-inventory.js (scripts/build.mjs), off the activation path.
  const { validate } = require('../generated/inventoryValidator') as typeof import('../generated/inventoryValidator');
  if (!validate(data)) {
    for (const error of dedupeErrors(validate.errors ?? [])) {
      const pointer = errorPointer(error);
      errorPointers.push(pointer);
      result.problems.push({ file, line: lineOf(pointer), message: describeSchemaError(error) });
    }
  }
  const broken = (pointer: string) => errorPointers.some((p) => p === pointer || p.startsWith(`${pointer}/`));
  const usable = (layers: Layer[]) => !layers.some((l) => broken(l.pointer));

  const add = (entry: HostEntry, pointer: string, layers: Layer[], product?: string, component?: string, productGroup = true) => {
    // A product or component key the schema rejected (not a catalog id) takes its hosts with it.
    const keyRejected = product !== undefined && [`/products/${escapePointer(product)}`, `/products/${escapePointer(product)}/${escapePointer(component ?? '')}`].some((k) => errorPointers.includes(k));
    if (keyRejected || broken(pointer) || !usable(layers)) return;
    const host = buildHost(entry, layers, { file, line: lineOf(pointer) }, product, component, productGroup);
    result.hosts.push(host);
    result.origins.set(host, proxyJumpOrigin(entry, pointer, layers, lineOf));
  };
  const group = (name: string) => {
    if (!result.groupOrder.includes(name)) result.groupOrder.push(name);
  };

  const top: Layer[] = isObject(data.defaults) ? [{ settings: data.defaults as Settings, pointer: '/defaults' }] : [];
  if (Array.isArray(data.hosts)) {
    data.hosts.forEach((entry, i) => {
      if (!isObject(entry)) return;
      for (const g of (entry as unknown as HostEntry).groups ?? []) group(g);
      add(entry as unknown as HostEntry, `/hosts/${i}`, top);
    });
  }
  if (isObject(data.products)) {
    for (const [productId, product] of Object.entries(data.products)) {
      if (!isObject(product)) continue;
      const productPointer = `/products/${escapePointer(productId)}`;
      group(productId);
      const productLayers = isObject(product.defaults) ? [...top, { settings: product.defaults as Settings, pointer: `${productPointer}/defaults` }] : top;
      for (const [componentId, component] of Object.entries(product)) {
        if (componentId === 'defaults') continue;
        const componentPointer = `${productPointer}/${escapePointer(componentId)}`;
        if (knownComponents && !knownComponents.has(componentId)) {
          result.problems.push({ file, line: lineOf(componentPointer), message: `"${componentId}" is not a component id in the catalog; its hosts still form a group of that name` });
        }
        group(componentId);
        let entries: unknown[] = [];
        let layers = productLayers;
        let hostsPointer = componentPointer;
        if (Array.isArray(component)) {
          entries = component;
        } else if (isObject(component) && Array.isArray(component.hosts)) {
          entries = component.hosts;
          hostsPointer = `${componentPointer}/hosts`;
          if (isObject(component.defaults)) layers = [...productLayers, { settings: component.defaults as Settings, pointer: `${componentPointer}/defaults` }];
        }
        entries.forEach((entry, i) => {
          if (!isObject(entry)) return;
          for (const g of (entry as unknown as HostEntry).groups ?? []) group(g);
          // A component named as its product owns the group of that name (see the top of this file).
          const productGroup = componentId === productId || !Object.prototype.hasOwnProperty.call(product, productId);
          add(entry as unknown as HostEntry, `${hostsPointer}/${i}`, layers, productId, componentId, productGroup);
        });
      }
    }
  }
  return result;
}

function buildHost(entry: HostEntry, layers: Layer[], source: { file: string; line: number }, product?: string, component?: string, productGroup = true): ParsedHost {
  const merged: Settings = {};
  const tags: string[] = [];
  // Versions merge key by key: the file says antstack, a product's defaults its own version.
  const versions: Record<string, string> = {};
  for (const s of [...layers.map((l) => l.settings), entry]) {
    Object.assign(merged, withoutUndefined(s));
    for (const t of s.tags ?? []) if (!tags.includes(t)) tags.push(t);
    if (isObject(s.versions)) Object.assign(versions, s.versions);
  }
  const identity = merged.identityFile;
  const groups = [productGroup ? product : undefined, component, ...(entry.groups ?? [])].filter((g, i, all): g is string => !!g && all.indexOf(g) === i);
  return {
    name: entry.name,
    host: entry.host,
    port: merged.port,
    user: merged.user,
    identityFiles: identity === undefined ? [] : Array.isArray(identity) ? [...identity] : [identity],
    proxyJump: merged.proxyJump,
    logRoot: merged.logRoot,
    product,
    component,
    groups,
    tags,
    ...(Object.keys(versions).length ? { versions } : {}),
    source,
  };
}

function proxyJumpOrigin(entry: HostEntry, pointer: string, layers: Layer[], lineOf: (pointer: string) => number): HostOrigin {
  if (entry.proxyJump !== undefined) return { proxyJumpLine: lineOf(`${pointer}/proxyJump`), proxyJumpInherited: false };
  const from = [...layers].reverse().find((l) => l.settings.proxyJump !== undefined);
  return from ? { proxyJumpLine: lineOf(`${from.pointer}/proxyJump`), proxyJumpInherited: true } : {};
}

function withoutUndefined(s: Settings): Settings {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined && v !== null && k !== 'tags' && k !== 'versions') out[k] = v;
  return out as Settings;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

