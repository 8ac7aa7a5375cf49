import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../../media/core/Backoff.js';

describe('Backoff', () => {
  it('doubles from 1 s up to the 30 s cap by default (no jitter drawn)', () => {
    const backoff = new Backoff({ random: () => 0 });
    const delays = Array.from({ length: 8 }, () => backoff.next());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('honours a configured cap and starts over after reset()', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 3000, random: () => 0 });
    assert.deepEqual(
      Array.from({ length: 5 }, () => backoff.next()),
      [500, 1000, 2000, 3000, 3000],
    );
    backoff.reset();
    assert.equal(backoff.next(), 500);
    assert.equal(backoff.next(), 1000);
  });

  it('jitter only shortens a delay, by at most its fraction, and never passes the cap', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 0.2, random: () => 0.999_999 });
    const delays = Array.from({ length: 5 }, () => backoff.next());
    assert.deepEqual(delays, [800, 1600, 3200, 3200, 3200]);
    const random = new Backoff({ initialMs: 1000, maxMs: 30_000 });
    for (let i = 0; i < 200; i++) {
      const delay = random.next();
      assert.ok(delay > 0 && delay <= 30_000, `delay ${delay}`);
    }
    const spread = new Set(Array.from({ length: 20 }, () => new Backoff().next()));
    assert.ok(spread.size > 1, 'jitter spreads the first delay');
  });

  it('rejects settings out of range with the setting named', () => {
    assert.throws(() => new Backoff({ initialMs: 0 }), /initialMs/);
    assert.throws(() => new Backoff({ initialMs: 2000, maxMs: 1000 }), /maxMs/);
    assert.throws(() => new Backoff({ factor: 0.5 }), /factor/);
    assert.throws(() => new Backoff({ jitter: 1 }), /jitter/);
  });
});
