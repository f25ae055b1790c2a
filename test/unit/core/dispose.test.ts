import * as assert from 'assert';
import { Disposable } from '../../../src/core/dispose';

class Owner extends Disposable {
  own(item: { dispose(): void }) {
    return this.register(item);
  }
}

describe('Disposable', () => {
  it('releases what it owns once, in reverse order, even if one dispose throws', () => {
    const order: string[] = [];
    const owner = new Owner();
    owner.own({ dispose: () => order.push('first') });
    owner.own({ dispose: () => { throw new Error('boom'); } });
    owner.own({ dispose: () => order.push('last') });
    owner.dispose();
    owner.dispose();
    assert.deepStrictEqual(order, ['last', 'first']);
  });

  it('disposes at once what is registered after it was disposed (no leak after shutdown)', () => {
    const owner = new Owner();
    owner.dispose();
    let disposed = false;
    owner.own({ dispose: () => { disposed = true; } });
    assert.ok(disposed);
  });
});
