import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JanusTokenLimitError, JanusTokens } from '../../../media/janus/JanusTokens.js';

describe('Janus viewer tokens: bounded in total and per caller, each for its TTL', () => {
  it('refuses a caller past its own bound while others still get tokens, until one of its tokens expires', async () => {
    const expired: string[] = [];
    const tokens = new JanusTokens(5, 2, 200, (t) => expired.push(t.caller));
    try {
      tokens.mint('cam', '10.0.0.1');
      tokens.mint('cam', '10.0.0.1');
      const refusal = tokens.refusal('10.0.0.1');
      assert.equal(refusal?.limit, 'caller');
      assert.ok(refusal.retryAfterMs > 0 && refusal.retryAfterMs <= 200, `${refusal.retryAfterMs} ms`);
      assert.throws(
        () => tokens.mint('cam', '10.0.0.1'),
        (e: unknown) => e instanceof JanusTokenLimitError && e.refusal.limit === 'caller',
      );
      assert.equal(tokens.refusal('10.0.0.2'), undefined);
      tokens.mint('cam', '10.0.0.2');
      assert.equal(tokens.size, 3);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(expired.sort(), ['10.0.0.1', '10.0.0.1', '10.0.0.2']);
      assert.equal(tokens.refusal('10.0.0.1'), undefined, 'its budget is back once its tokens expired');
    } finally {
      tokens.clear();
    }
  });

  it('refuses everyone past the total bound; a dropped token frees its place', () => {
    const tokens = new JanusTokens(2, 2, 60_000, () => undefined);
    try {
      const first = tokens.mint('cam', 'a');
      tokens.mint('cam', 'b');
      assert.equal(tokens.refusal('c')?.limit, 'total');
      tokens.drop(first.token);
      assert.equal(tokens.refusal('c'), undefined);
      assert.equal(tokens.refusal('a'), undefined);
      assert.equal(tokens.mint('cam', 'c').caller, 'c');
    } finally {
      tokens.clear();
    }
  });
});
