/** The extension is installed, activates, and hands back a working API. Runs first: measures cold activation. */
import * as assert from 'node:assert/strict';
import { EXTENSION_ID, extension, metrics } from './harness';

describe('activation', () => {
  it(`activates ${EXTENSION_ID} and returns its API`, async () => {
    const ext = extension();
    metrics.alreadyActive = ext.isActive;
    const started = performance.now();
    const api = await ext.activate();
    metrics.activateAwaitMs = Math.round(performance.now() - started);
    assert.ok(ext.isActive, 'extension reports not active after activate()');
    assert.ok(api, 'activate() returned nothing');
    assert.equal(typeof api.catalog, 'function', 'API has no catalog()');
    assert.ok(api.productsTree && typeof api.productsTree.getChildren === 'function', 'API has no productsTree');
    if (typeof api.activatedInMs === 'number') metrics.selfReportedMs = api.activatedInMs;
  });
});
