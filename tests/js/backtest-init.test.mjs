// leadscore/backtest started with `await init()` and no argument in Node.js: the
// module is read from disk beside backtest.js (Node's fetch cannot read a file:
// URL). A file of its own: the module can be initialized once per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as bt from 'leadscore/backtest';

test('init() with no argument reads the backtest module from disk in Node', async () => {
    assert.throws(() => bt.History.sample({ leads: 10 }), /not initialized/);
    await bt.init();
    const history = bt.History.sample({ leads: 200, seed: 3 });
    try {
        assert.equal(history.length, 200);
    } finally {
        history.free?.();
    }
    await bt.init(); // a second call resolves at once
});
