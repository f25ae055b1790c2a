/** Opening a runbook for a host: which parameters take the host, which targets narrow to it. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { hostPrefill, narrowTargets } from '../../../../src/core/runbook/hostPrefill';
import { runbookParameters } from '../../../../src/core/runbook/runbookFormat';
import { parseRunbook } from '../../../../src/core/runbook/runbookParser';
import { bundledCatalog } from '../../helpers';

const meta2 = { name: 'registry-meta-2', component: 'registry-meta', groups: ['registry-meta', 'registry'] };

describe('host prefill', () => {
  it('offers the host for a parameter defaulting to a selector of its group (close-push meta=registry-meta[0])', () => {
    const file = path.join(bundledCatalog, 'registry', 'close-push.runbook.md');
    const { runbook } = parseRunbook(fs.readFileSync(file, 'utf8'), file);
    assert.deepStrictEqual(hostPrefill(runbookParameters(runbook), meta2), { host: 'registry-meta-2', params: { meta: 'registry-meta-2' } });
  });

  it('fills host-named string parameters, and leaves numbers, secrets, other groups and non-matching patterns alone', () => {
    const prefill = hostPrefill(
      {
        host: { type: 'string' },
        node: { type: 'string', pattern: 'registry-meta-\\d+' },
        server: { type: 'string', pattern: 'msgbroker-\\d+' },
        count: { type: 'number', default: 3 },
        password: { type: 'string', secret: true },
        session: { type: 'string', default: 'registry-session[0]' },
        target: { type: 'enum', allowed: ['a', 'b'] },
      },
      meta2,
    );
    assert.deepStrictEqual(prefill.params, { host: 'registry-meta-2', node: 'registry-meta-2' });
  });

  it('runs a cell that selects the host on the host alone, and leaves other cells as written', () => {
    const prefill = { host: 'registry-meta-2', params: {} };
    assert.deepStrictEqual(narrowTargets(['registry-meta-1', 'registry-meta-2', 'registry-meta-3'], prefill), ['registry-meta-2']);
    assert.deepStrictEqual(narrowTargets(['registry-data-1', 'registry-data-2'], prefill), ['registry-data-1', 'registry-data-2']);
    assert.deepStrictEqual(narrowTargets(['registry-data-1'], undefined), ['registry-data-1']);
  });
});
