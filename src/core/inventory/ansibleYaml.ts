/**
 * Ansible YAML inventories, read as ansible-core 2.14's yaml plugin reads them (PyYAML's
 * SafeLoader types), into the shared builder of ansibleInventory.ts.
 */
import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node, type ScalarTag, type Tags } from 'yaml';
import type { KnownComponents, ParsedInventory } from './inventoryTypes';
import { addHostPattern, type AnsibleListJson, InventoryBuilder, type Var } from './ansibleInventory';

// --------------------------------------------------------------------------------------------- YAML

/** The implicit scalar types of PyYAML (YAML 1.1), which Ansible's loader uses, exactly: no `y`/`n` booleans, `1e3` is text, `08` is text. */
function pyYamlTags(tags: Tags): Tags {
  const replaced = new Set(['tag:yaml.org,2002:bool', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:timestamp', 'tag:yaml.org,2002:binary', 'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:pairs', 'tag:yaml.org,2002:set']);
  const kept = tags.filter((t) => typeof t === 'string' || !replaced.has(t.tag));
  const sexagesimal = (text: string): number => text.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  const int = (src: string): number => {
    let v = src.replace(/_/g, '');
    let sign = 1;
    if (v[0] === '-' || v[0] === '+') {
      if (v[0] === '-') sign = -1;
      v = v.slice(1);
    }
    if (v === '0') return 0;
    if (v.startsWith('0b')) return sign * parseInt(v.slice(2), 2);
    if (v.startsWith('0x')) return sign * parseInt(v.slice(2), 16);
    if (v[0] === '0') return sign * parseInt(v, 8);
    if (v.includes(':')) return sign * sexagesimal(v);
    return sign * Number(v);
  };
  const float = (src: string): number => {
    let v = src.replace(/_/g, '').toLowerCase();
    let sign = 1;
    if (v[0] === '-' || v[0] === '+') {
      if (v[0] === '-') sign = -1;
      v = v.slice(1);
    }
    if (v === '.inf') return sign * Infinity;
    if (v === '.nan') return NaN;
    if (v.includes(':')) return sign * sexagesimal(v);
    return sign * Number(v);
  };
  const pad = (n: string | number, w = 2): string => String(n).padStart(w, '0');
  const timestamp = (src: string): string => {
    const m = /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/.exec(src)!;
    const [, y, mo, d, h, mi, s, frac, tz] = m;
    const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) throw new Error(`invalid date ${src}`);
    const day = `${y}-${pad(mo)}-${pad(d)}`;
    if (h === undefined) return day;
    if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) throw new Error(`invalid time ${src}`);
    const micro = frac ? frac.slice(0, 6).padEnd(6, '0') : '';
    let zone = '';
    if (tz === 'Z') zone = '+00:00';
    else if (tz) {
      const [th, tm] = tz.slice(1).split(':');
      zone = `${tz[0]}${pad(th)}:${pad(tm ?? '00')}`;
    }
    return `${day}T${pad(h)}:${mi}:${s}${micro && micro !== '000000' ? `.${micro}` : ''}${zone}`;
  };
  const scalar = (tag: string, test: RegExp, resolve: (s: string) => unknown): ScalarTag => ({ tag, default: true, test, resolve: (s) => resolve(s) as never });
  return [
    ...kept,
    scalar('tag:yaml.org,2002:null', /^(?:~|null|Null|NULL|)$/, () => null),
    scalar('tag:yaml.org,2002:bool', /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, () => true),
    scalar('tag:yaml.org,2002:bool', /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, () => false),
    scalar('tag:yaml.org,2002:int', /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/, int),
    scalar('tag:yaml.org,2002:float', /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/, float),
    scalar('tag:yaml.org,2002:timestamp', /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/, timestamp),
    { tag: '!unsafe', resolve: (s: string) => s },
    { tag: '!vault', resolve: () => VAULT as never },
  ];
}

const VAULT = Symbol('vault');

/** Work and alias expansion a YAML inventory may cost; a "billion laughs" document is refused. */
const MAX_ALIAS_COUNT = 10_000;

export function parseAnsibleYaml(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory {
  return parseAnsibleYamlList(file, text, knownComponents);
}

export function parseAnsibleYamlList(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory & { list: AnsibleListJson } {
  const b = new InventoryBuilder(file);
  const lines = new LineCounter();
  const bad = firstNonYamlCharacter(text);
  if (bad) {
    b.problem(bad.line, bad.message);
    return b.build(knownComponents);
  }
  // Ansible's loader tries JSON first, so a JSON file keeps JSON's types.
  let isJson = false;
  try {
    JSON.parse(text);
    isJson = true;
  } catch {
    // YAML it is.
  }
  const doc = isJson
    ? parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, schema: 'core' })
    : parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, version: '1.1', merge: true, customTags: pyYamlTags });
  const lineOf = (node: unknown, fallback: number): number => (isNode(node) && node.range ? lines.linePos(node.range[0]).line : fallback);
  if (doc.errors.length) {
    for (const e of doc.errors) {
      const dup = /Map keys must be unique/.test(e.message);
      b.problem(lines.linePos(e.pos[0]).line, dup ? 'duplicate key: Ansible keeps only the last one (with a warning); SOFA Ops refuses, as the earlier entry would silently vanish' : `YAML: ${e.message.split('\n')[0]}`);
    }
    return b.build(knownComponents);
  }
  for (const w of doc.warnings) b.problem(lines.linePos(w.pos[0]).line, `YAML: ${w.message.split('\n')[0]}`);
  try {
    // Only to bound alias expansion; Map keys avoid a warning for collection keys, refused later.
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT, mapAsMap: true });
    new YamlInventoryReader(b, doc, lineOf).read();
  } catch (err) {
    const message = (err as Error).message;
    const firstAlias = /\*[^\s,\]}]+/.exec(text);
    const line = firstAlias ? lines.linePos(firstAlias.index).line : 1;
    if (/Excessive alias count/i.test(message)) b.problem(line, 'YAML aliases expand too much (a "billion laughs" document); SOFA Ops refuses it');
    else if (err instanceof RangeError) b.problem(1, 'the YAML nests too deeply for SOFA Ops to read');
    else b.problem(line, `YAML: ${message.split('\n')[0]}`);
  }
  return b.build(knownComponents);
}

/** PyYAML accepts only printable characters (and refuses the file otherwise); U+FFFD here means bytes that were not UTF-8. */
function firstNonYamlCharacter(text: string): { line: number; message: string } | undefined {
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    const printable = c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e) || c === 0x85 || (c >= 0xa0 && c <= 0xfffc) || (c === 0xfeff && i === 0);
    if (c === 0xfffd) return { line, message: 'the file is not valid UTF-8 here (Ansible refuses it)' };
    if (!printable) return { line, message: `character U+${c.toString(16).toUpperCase().padStart(4, '0')} is not allowed in YAML (Ansible refuses the file)` };
  }
  return undefined;
}

type Entry = { key: unknown; keyNode: unknown; value: Node | null; line: number };

class YamlInventoryReader {
  private readonly aliasCache = new Map<unknown, Node | null>();
  constructor(
    private readonly b: InventoryBuilder,
    private readonly doc: Document,
    private readonly lineOf: (node: unknown, fallback: number) => number,
  ) {}

  private deref(node: unknown): Node | null {
    if (!isAlias(node)) return (node as Node | null) ?? null;
    if (!this.aliasCache.has(node)) this.aliasCache.set(node, (node.resolve(this.doc) as Node | undefined) ?? null);
    return this.aliasCache.get(node)!;
  }

  /** A node's value as Ansible's loader builds it (null stays null). */
  private js(node: unknown, line: number): unknown {
    const n = this.deref(node);
    if (n === null) return null;
    const explicit = n.tag;
    if (explicit && !/^(?:tag:yaml\.org,2002:(?:str|int|float|bool|null|map|seq|timestamp)|!unsafe)$/.test(explicit) && explicit !== '!vault') {
      this.b.problem(this.lineOf(n, line), `YAML tag ${explicit} is not supported by SOFA Ops`);
    }
    const v = n.toJS(this.doc, { maxAliasCount: MAX_ALIAS_COUNT });
    this.checkValue(v, this.lineOf(n, line));
    return v;
  }

  private checkValue(v: unknown, line: number): void {
    if (v === VAULT) this.b.problem(line, 'a !vault value: SOFA Ops cannot decrypt Ansible Vault');
    else if (typeof v === 'number' && !Number.isFinite(v)) this.b.problem(line, 'an infinite or NaN number, which SOFA Ops does not model');
    else if (Array.isArray(v)) v.forEach((x) => this.checkValue(x, line));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => this.checkValue(x, line));
  }

  private isNull(node: unknown): boolean {
    const n = this.deref(node);
    return n === null || (isScalar(n) && n.value === null);
  }

  /** A mapping's pairs as PyYAML constructs them: `<<` merges first, explicit keys after (and winning). */
  private entries(node: Node, line: number, depth = 0): Entry[] {
    if (!isMap(node) || depth > 50) return [];
    const merged: Entry[] = [];
    const own: Entry[] = [];
    for (const pair of node.items) {
      const keyNode = this.deref(pair.key);
      const isMerge = isScalar(keyNode) && (typeof keyNode.value === 'symbol' || (keyNode.value === '<<' && keyNode.type === 'PLAIN'));
      if (isMerge) {
        const v = this.deref(pair.value);
        const sources = isSeq(v) ? [...v.items].reverse().map((x) => this.deref(x)) : [v];
        for (const src of sources) if (src && isMap(src)) merged.push(...this.entries(src, line, depth + 1));
        continue;
      }
      own.push({ key: isScalar(keyNode) ? keyNode.value : keyNode, keyNode, value: (pair.value as Node | null) ?? null, line: this.lineOf(pair.key, line) });
    }
    const byKey = new Map<unknown, Entry>();
    for (const e of [...merged, ...own]) {
      const prev = byKey.get(e.key);
      if (prev) Object.assign(prev, { value: e.value, line: e.line });
      else byKey.set(e.key, { ...e });
    }
    return [...byKey.values()];
  }

  read(): void {
    const root = this.deref(this.doc.contents);
    const rootJs = root === null ? null : this.isNull(root) ? null : root;
    if (rootJs === null || (isMap(root) && root.items.length === 0)) {
      this.b.problem(1, 'the YAML inventory is empty (Ansible refuses it)');
      return;
    }
    if (!isMap(root)) {
      this.b.problem(this.lineOf(root, 1), 'an Ansible YAML inventory must be a mapping of groups, starting with all:');
      return;
    }
    const top = this.entries(root, 1);
    const plugin = top.find((e) => e.key === 'plugin');
    if (plugin && !this.isNull(plugin.value) && this.js(plugin.value, plugin.line)) {
      this.b.problem(plugin.line, 'this is an inventory plugin configuration, not an inventory; SOFA Ops reads static inventories only');
      return;
    }
    for (const e of top) this.group(e, undefined);
  }

  private group(e: Entry, parent: string | undefined): void {
    if (typeof e.key !== 'string') {
      this.b.problem(e.line, `group name ${JSON.stringify(e.key)} is not text (Ansible refuses the file)`);
      return;
    }
    const name = e.key;
    const data = this.deref(e.value);
    if (data !== null && !this.isNull(data) && !isMap(data)) {
      this.b.problem(this.lineOf(data, e.line), parent
        ? `group "${name}" must be a mapping with hosts, children or vars (Ansible refuses the file)`
        : `group "${name}" must be a mapping with hosts, children or vars (Ansible skips it with a warning)`);
      return;
    }
    this.b.addGroup(name, e.line);
    if (parent !== undefined) this.b.addChild(parent, name, e.line);
    if (data === null || !isMap(data)) return;
    const sections = this.entries(data, e.line);
    for (const s of sections) {
      const key = s.key;
      const value = this.deref(s.value);
      if (key === 'vars' || key === 'children' || key === 'hosts') {
        if (isScalar(value) && typeof value.value === 'string') {
          this.section(name, key, [{ key: value.value, keyNode: value, value: null, line: this.lineOf(value, s.line) }]);
          continue;
        }
        if (value !== null && !this.isNull(value) && !isMap(value)) {
          this.b.problem(this.lineOf(value, s.line), key === 'hosts'
            ? `hosts of group "${name}" must be a mapping of host name → variables (not a list)`
            : `${key} of group "${name}" must be a mapping (Ansible refuses the file)`);
          continue;
        }
        if (value !== null && isMap(value)) this.section(name, key, this.entries(value, s.line));
        continue;
      }
      this.b.problem(s.line, `group "${name}": unknown field "${String(key)}" (expected hosts, children or vars; Ansible skips it with a warning)`);
    }
  }

  private section(group: string, key: 'vars' | 'children' | 'hosts', items: Entry[]): void {
    for (const item of items) {
      if (key === 'children') {
        this.group(item, group);
      } else if (key === 'vars') {
        if (typeof item.key !== 'string') {
          this.b.problem(item.line, `variable name ${JSON.stringify(item.key)} is not text`);
          continue;
        }
        this.b.setGroupVar(group, item.key, this.js(item.value, item.line), item.line);
      } else {
        if (typeof item.key !== 'string') {
          this.b.problem(item.line, `host name ${JSON.stringify(item.key)} is not text (Ansible refuses the file)`);
          continue;
        }
        const vars = this.hostVars(item);
        if (vars) addHostPattern(this.b, item.key, group, item.line, vars, false);
      }
    }
  }

  private hostVars(item: Entry): Map<string, Var> | undefined {
    const vars = new Map<string, Var>();
    const node = this.deref(item.value);
    if (node === null || this.isNull(node)) return vars;
    if (!isMap(node)) {
      // `host: ''`, `host: 0`, `host: []` are falsy in Python and mean "no vars" to Ansible.
      const v = this.js(node, item.line);
      if (v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0)) return vars;
      this.b.problem(this.lineOf(node, item.line), `host "${String(item.key)}" must be a mapping of variables`);
      return undefined;
    }
    for (const e of this.entries(node, item.line)) {
      if (typeof e.key !== 'string') {
        this.b.problem(e.line, `variable name ${JSON.stringify(e.key)} is not text`);
        continue;
      }
      vars.set(e.key, { value: this.js(e.value, e.line), line: e.line });
    }
    return vars;
  }
}
