/**
 * Exported playbooks check parameters with the sofa_ops_params filter (Python, run by Ansible):
 * for each declaration and value, it must accept exactly what SOFA Ops' resolveParameters accepts,
 * give the same normalised value (what the cell receives), and refuse with the same message,
 * which never shows a secret's value.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { sofaOpsFilterPlugin } from '../../../../src/core/export/filterPlugin';
import { pythonRegex } from '../../../../src/core/export/pythonRegex';
import { resolveParameters } from '../../../../src/core/runbook/parameters';
import type { ParameterDecl, ParameterValue } from '../../../../src/core/runbook/runbookFormat';

const decls: Record<string, ParameterDecl> = {
  n: { type: 'number', allowed: [1, 2.5, 10] },
  b: { type: 'boolean', default: false },
  e: { type: 'enum', allowed: ['graceful', 'force'], default: 'graceful' },
  t: { type: 'string', required: true, pattern: 'CHG-[0-9]+' },
  s: { type: 'string', secret: true, pattern: '[a-z]{4,}' },
  o: { type: 'string' },
};

const supplied: Array<Record<string, ParameterValue | undefined>> = [
  { n: '1', t: 'CHG-1' },
  { n: ' 2.50 ', b: 'YES', t: 'CHG-22', s: 'abcdef' },
  { n: '1e1', b: 'off', e: 'force', t: 'CHG-3', o: '' },
  { n: 'x', t: 'CHG-1' },
  { n: '3', t: 'CHG-1' },
  { n: '1', b: 'maybe', t: 'CHG-1' },
  { n: '1', e: 'kill', t: 'CHG-1' },
  { n: '1' },
  { n: '1', t: 'CHG-x\n' },
  { n: '1', t: 'chg-1' },
  { n: '1', t: 'CHG-1', s: 'AB' },
  { n: '1', t: 'CHG-١' },
  { n: 1, b: true, t: 'CHG-9' },
];

describe('sofa_ops_params (Python) = resolveParameters', () => {
  it('accepts, normalises and refuses the same values with the same messages', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sofa-ops-params-'));
    try {
      writeFileSync(path.join(dir, 'sofa_ops.py'), sofaOpsFilterPlugin);
      const py = Object.fromEntries(Object.entries(decls).map(([k, d]) => [k, { ...d, ...(d.pattern ? { pyPattern: (pythonRegex(`^(?:${d.pattern})$`, 'u') as { pattern: string }).pattern } : {}) }]));
      const script = `
import json, sys
sys.path.insert(0, '.')
import sofa_ops
data = json.load(sys.stdin)
out = []
for s in data['supplied']:
    try:
        out.append({'values': sofa_ops.sofa_ops_params(s, data['decls'])})
    except Exception as e:
        out.append({'errors': str(e.message)})
print(json.dumps(out))
`;
      const r = spawnSync('/usr/bin/python3', ['-c', script], { cwd: dir, input: JSON.stringify({ supplied, decls: JSON.stringify(py) }), encoding: 'utf8' });
      assert.strictEqual(r.status, 0, r.stderr);
      const theirs = JSON.parse(r.stdout) as Array<{ values?: Record<string, string>; errors?: string }>;
      const differ: string[] = [];
      supplied.forEach((s, i) => {
        const ours = resolveParameters(decls, s);
        const mine = ours.errors.length ? { errors: ours.errors.join('; ') } : { values: ours.values };
        if (JSON.stringify(mine) !== JSON.stringify(theirs[i])) differ.push(`${JSON.stringify(s)}: SOFA Ops ${JSON.stringify(mine)}, export ${JSON.stringify(theirs[i])}`);
      });
      assert.deepStrictEqual(differ, []);
      assert.ok(theirs.filter((t) => t.values).length >= 3 && theirs.filter((t) => t.errors).length >= 7);
      assert.ok(!JSON.stringify(theirs).includes('"AB"'), 'a refused secret is not quoted back');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
