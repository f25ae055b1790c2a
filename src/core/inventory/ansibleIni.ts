/**
 * Ansible INI inventories, read as ansible-core 2.14's ini plugin reads them, into the shared
 * builder of ansibleInventory.ts (the model, var precedence and host-reach rules live there).
 */
import type { KnownComponents, ParsedInventory } from './inventoryTypes';
import { addHostPattern, type AnsibleListJson, InventoryBuilder, type Var } from './ansibleInventory';
import { PY_SPACE, pyLiteralEval, pyShlexSplit, pySplitLines, pyStrip } from './pythonLiteral';

// ---------------------------------------------------------------------------------------------- INI

const SECTION = new RegExp(`^\\[([^:\\]${PY_SPACE}]+)(?::([\\p{L}\\p{N}_]+))?\\][${PY_SPACE}]*(?:#.*)?$`, 'u');
const GROUP_NAME = new RegExp(`^([^:\\]${PY_SPACE}]+)[${PY_SPACE}]*(?:#.*)?$`, 'u');

/** `_parse_value`: a Python literal when it is one, else the text. */
function iniValue(b: InventoryBuilder, raw: string, key: string, line: number): unknown {
  const r = pyLiteralEval(raw);
  if (r.kind === 'value') return r.value;
  if (r.kind === 'unsupported') b.problem(line, `the value of "${key}" is ${r.what} in Python's reading, which SOFA Ops does not model`);
  return raw;
}

export function parseAnsibleIni(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory {
  return parseAnsibleIniList(file, text, knownComponents);
}

export function parseAnsibleIniList(file: string, text: string, knownComponents?: KnownComponents): ParsedInventory & { list: AnsibleListJson } {
  const b = new InventoryBuilder(file);
  if (text.startsWith('\ufeff')) {
    b.problem(1, 'the file starts with a byte-order mark, which Ansible reads as part of the first line; save it as UTF-8 without BOM');
    return b.build(knownComponents);
  }
  const pending = new Map<string, { line: number; state: 'vars' | 'children'; parents: string[] }>();
  const addPendingChildren = (group: string): void => {
    const p = pending.get(group);
    if (!p) return;
    pending.delete(group);
    for (const parent of p.parents) {
      b.addChild(parent, group, p.line);
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
  };
  let group = 'ungrouped';
  let state: 'hosts' | 'vars' | 'children' | 'skip' = 'hosts';
  pySplitLines(text).forEach((rawLine, index) => {
    const line = index + 1;
    const trimmed = pyStrip(rawLine);
    if (!trimmed || trimmed[0] === '#' || trimmed[0] === ';') return;
    if (trimmed.includes('\ufffd')) {
      b.problem(line, 'this line is not valid UTF-8 (Ansible refuses the file)');
      return;
    }
    const m = SECTION.exec(trimmed);
    if (m) {
      group = m[1];
      const kind = m[2] ?? 'hosts';
      if (kind !== 'hosts' && kind !== 'vars' && kind !== 'children') {
        b.problem(line, `Section [${m[1]}:${kind}] has unknown type: ${kind}; expected :vars or :children`);
        state = 'skip';
        return;
      }
      state = kind;
      if (!b.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line, state, parents: [] });
        b.addGroup(group, line);
      }
      if (pending.has(group) && state !== 'vars') {
        if (pending.get(group)!.state === 'children') addPendingChildren(group);
        else pending.delete(group);
      }
      return;
    }
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      b.problem(line, `invalid section header ${JSON.stringify(trimmed)}: no spaces or other characters are allowed around the name; expected [group], [group:vars] or [group:children]`);
      state = 'skip';
      return;
    }
    switch (state) {
      case 'skip':
        return;
      case 'hosts': {
        let words: string[];
        try {
          words = pyShlexSplit(trimmed);
        } catch (err) {
          b.problem(line, `cannot read host line: ${(err as Error).message === 'No closing quotation' ? 'unclosed quote' : (err as Error).message}`);
          return;
        }
        if (words.length === 0) return;
        const [pattern, ...assignments] = words;
        const vars = new Map<string, Var>();
        for (const a of assignments) {
          const eq = a.indexOf('=');
          if (eq < 0) {
            b.problem(line, `cannot read host line: "${a}" is not key=value (after host "${pattern}")`);
            return;
          }
          const key = a.slice(0, eq);
          vars.set(key, { value: iniValue(b, a.slice(eq + 1), key, line), line });
        }
        addHostPattern(b, pattern, group, line, vars, true);
        return;
      }
      case 'vars': {
        const eq = trimmed.indexOf('=');
        if (eq < 0) {
          b.problem(line, `cannot read variable line in [${group}:vars]: expected key=value`);
          return;
        }
        const key = pyStrip(trimmed.slice(0, eq));
        b.setGroupVar(group, key, iniValue(b, pyStrip(trimmed.slice(eq + 1)), key, line), line);
        return;
      }
      case 'children': {
        const g = GROUP_NAME.exec(trimmed);
        if (!g) {
          b.problem(line, `cannot read line in [${group}:children]: expected one group name`);
          return;
        }
        const child = g[1];
        if (!b.groups.has(child)) {
          const p = pending.get(child);
          if (p) p.parents.push(group);
          else pending.set(child, { line, state: 'children', parents: [group] });
        } else b.addChild(group, child, line);
        return;
      }
    }
  });
  for (const [name, p] of pending) {
    if (p.state === 'vars') b.problem(p.line, `[${name}:vars] is for a group that is never defined (Ansible refuses the file); add a [${name}] or [${name}:children] section`);
    else b.problem(p.line, `[${p.parents[p.parents.length - 1]}:children] names "${name}", a group that is never defined (Ansible refuses the file)`);
  }
  return b.build(knownComponents);
}

