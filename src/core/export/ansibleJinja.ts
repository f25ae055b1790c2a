/**
 * The Jinja expressions an exported playbook decides with: a cell's `expect` as a `failed_when`,
 * its `when=` over earlier cells' registered results, and an `after=` gate. Each mirrors what
 * runbookRunner.ts decides (hostView, evaluateCondition, gateFailure); what cannot be mirrored
 * exactly comes back as a reason to refuse the cell. Literal text (expected strings, regexes) never
 * goes inside an expression: it is a task variable tagged !unsafe, so Jinja never reads it as code.
 */
import { type Condition, parseCondition } from '../runbook/cellCondition';
import { parseExpectation } from '../runbook/expectation';
import { findPlaceholders } from '../runbook/parameters';
import { pythonRegex } from './pythonRegex';

/** Appended to stdout by cells whose expect reads the raw stream: Ansible strips final newlines. */
export const END_MARKER = '<sofa-ops:end>';

/** What an expression needs besides itself: task variables holding literal text. */
export interface Literals {
  add(text: string): string;
}

/** The registered result of cell `index` (see ansiblePlaybook.ts). */
export const resultVar = (index: number) => `sofa_ops_r${index}`;

function stdoutOf(index: number, marked: boolean): string {
  const r = resultVar(index);
  const raw = `(${r}.stdout | default(''))`;
  return marked ? `(${raw}[:-${END_MARKER.length}] if ${raw}.endswith('${END_MARKER}') else ${raw})` : raw;
}

/** `failed_when` for a cell with expect=, or why it cannot be exported. */
export function expectFailedWhen(expect: string, index: number, literals: Literals): { expr: string; marked: boolean } | { error: string } {
  const r = resultVar(index);
  const rcFailed = `(${r}.rc | default(1)) != 0`;
  if (findPlaceholders(expect).length) {
    const parsed = parseExpectation(expect);
    if (parsed.expectation?.kind !== 'substring') return { error: 'expect= with a {{parameter}} is exported only as a plain substring' };
    return { expr: `${rcFailed} or (${literals.add(expect)} | sofa_ops_render(sofa_ops_p)) not in ${stdoutOf(index, true)}`, marked: true };
  }
  const parsed = parseExpectation(expect);
  if (!parsed.expectation) return { error: `expect: ${parsed.error}` };
  const e = parsed.expectation;
  if (e.kind === 'substring') return { expr: `${rcFailed} or ${literals.add(e.text)} not in ${stdoutOf(index, true)}`, marked: true };
  if (e.kind === 'regex') {
    const py = pythonRegex(e.regex.source, e.regex.flags);
    if ('error' in py) return { error: `expect=${expect}: ${py.error}` };
    return { expr: `${rcFailed} or ${stdoutOf(index, true)} is not search(${literals.add(py.pattern)})`, marked: true };
  }
  // JSON: stdout trimmed, parsed, walked; a missing key or a non-container is `none` (JavaScript's undefined).
  if (e.path.length > 4) return { error: `expect=${expect}: JSON paths deeper than 4 keys are not exported` };
  let node = `(${stdoutOf(index, false)} | trim | from_json)`;
  for (const key of e.path) {
    if (typeof key === 'number') node = `((${node})[${key}] if ((${node}) is sequence and (${node}) is not string and (${node}) is not mapping and (${node}) | length > ${key}) else none)`;
    else node = `((${node}).get(${literals.add(key)}) if (${node}) is mapping else none)`;
  }
  let holds: string;
  if (e.op === 'present') holds = `(${node} is not none and ${node} is not false)`;
  else {
    const v = e.value;
    let equal: string;
    if (typeof v === 'string') equal = `(${node} is string and ${node} == ${literals.add(v)})`;
    else if (typeof v === 'boolean') equal = `(${node} is boolean and ${node} == ${v ? 'true' : 'false'})`;
    else if (typeof v === 'number' && Number.isSafeInteger(v)) equal = `(${node} is number and ${node} is not boolean and ${node} == ${v})`;
    else return { error: `expect=${expect}: only a string, true/false or a whole number is compared in an export (JSON null, fractions, objects and arrays compare differently in Python)` };
    holds = e.op === '==' ? equal : `(not ${equal})`;
  }
  return { expr: `${rcFailed} or not ${holds}`, marked: false };
}

export interface CellRef {
  index: number;
  target?: string;
  manual: boolean;
  /** Its stdout carries END_MARKER. */
  marked: boolean;
}

/** `when=` as a Jinja expression evaluated on each host, or why it cannot be exported. */
export function conditionExpr(when: string, target: string | undefined, cells: Map<string, CellRef>, literals: Literals): { expr: string } | { error: string } {
  const parsed = parseCondition(when);
  if ('error' in parsed) return parsed;
  try {
    return { expr: walk(parsed.condition, target, cells, literals) };
  } catch (err) {
    if (err instanceof Refusal) return { error: err.message };
    throw err;
  }
}

class Refusal extends Error {}

function walk(c: Condition, target: string | undefined, cells: Map<string, CellRef>, literals: Literals): string {
  if (c.kind === 'not') return `(not ${walk(c.operand, target, cells, literals)})`;
  if (c.kind !== 'test') return `(${walk(c.left, target, cells, literals)} ${c.kind} ${walk(c.right, target, cells, literals)})`;
  const ref = cells.get(c.cell);
  if (!ref) throw new Refusal(`when=: no earlier cell is named "${c.cell}"`);
  if (ref.manual) throw new Refusal(`when=: "${c.cell}" is a manual step; its done/not-done is not a per-host result in Ansible`);
  // A cell on other hosts answers for this one in SOFA Ops only in special cases (one host ran
  // it, nobody was skipped): exported only when both cells target the same selector.
  if (ref.target !== target) throw new Refusal(`when=: "${c.cell}" targets ${ref.target ?? 'no hosts'} and this cell ${target ?? 'no hosts'}; SOFA Ops' rule for reading a result across targets is not exported`);
  const r = resultVar(ref.index);
  const ran = `(${r} is defined and not (${r}.skipped | default(false)))`;
  const failed = `(${ran} and (${r}.failed | default(false)))`;
  const ok = `(${ran} and not (${r}.failed | default(false)))`;
  const booleans: Record<string, string> = { ok, expect: ok, failed, skipped: `(not ${ran})` };
  if (c.field in booleans) {
    const b = booleans[c.field];
    if (!c.op) return b;
    // SOFA Ops compares String(actual) with the value as written.
    const asWritten = String(c.value);
    const eq = c.op === '==';
    if (asWritten === 'true') return eq ? b : `(not ${b})`;
    if (asWritten === 'false') return eq ? `(not ${b})` : b;
    return eq ? 'false' : 'true';
  }
  if (c.field === 'outcome') throw new Refusal('when=: the outcome field (timeout, unreachable…) has no exact counterpart in Ansible results; test ok/failed/exit instead');
  if (!c.op) return 'false';
  if (c.field === 'exit') {
    if (typeof c.value !== 'number' || !Number.isFinite(c.value)) throw new Refusal(`when=: ${c.cell}.exit is compared with a number, not "${String(c.value)}"`);
    const exit = `(${r}.rc if (${ran} and ${r}.rc is defined) else none)`;
    const ops: Record<string, string> = { '==': '==', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
    return ops[c.op] ? `(${exit} is not none and ${exit} ${ops[c.op]} ${c.value})` : 'false';
  }
  const text = c.field === 'out' ? `((${stdoutOf(ref.index, ref.marked)} | trim) if ${ran} else '')` : `((${r}.stderr | default('') | trim) if ${ran} else '')`;
  if (c.op === 'matches') {
    const re = c.value as RegExp;
    const py = pythonRegex(re.source, re.flags);
    if ('error' in py) throw new Refusal(`when=: ${String(re)}: ${py.error}`);
    return `(${text} is search(${literals.add(py.pattern)}))`;
  }
  const value = literals.add(String(c.value));
  if (c.op === 'contains') return `(${value} in ${text})`;
  if (c.op === '==') return `(${text} == ${value})`;
  if (c.op === '!=') return `(${text} != ${value})`;
  return 'false';
}

/** An `after=` gate: every named cell ran somewhere and failed nowhere (SOFA Ops' status ok/done). */
export function gateExpr(after: string, cells: Map<string, CellRef>): { expr: string } | { error: string } {
  const parts: string[] = [];
  for (const name of after.split(',')) {
    const ref = cells.get(name);
    if (!ref) return { error: `after=: no earlier cell is named "${name}"` };
    // Registered results (a host that never reached the cell counts as skipped); map(attribute,
    // default) because a result lacks the keys that do not apply to it.
    const results = `(ansible_play_hosts_all | map('extract', hostvars) | map(attribute='${resultVar(ref.index)}', default={'skipped': true}) | list)`;
    const count = (key: string, which: 'select' | 'reject') => `(${results} | map(attribute='${key}', default=false) | ${which} | list | length)`;
    parts.push(`(${count('skipped', 'reject')} > 0 and ${count('failed', 'select')} == 0 and ${count('unreachable', 'select')} == 0)`);
  }
  return { expr: parts.join(' and ') };
}
