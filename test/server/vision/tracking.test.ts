import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaceGallery } from '../../../server/vision/FaceGallery.js';
import { IdentityHysteresis } from '../../../server/vision/IdentityHysteresis.js';
import { type Box, iou, IouTracker } from '../../../server/vision/IouTracker.js';

const unit = (values: number[]): Float32Array => {
  const v = Float32Array.from(values);
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('IouTracker', () => {
  it('computes IoU', () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [20, 20, 5, 5]), 0);
    assert.ok(Math.abs(iou([0, 0, 10, 10], [5, 0, 10, 10]) - 50 / 150) < 1e-9);
  });

  it('keeps a moving face on one track, starts a track for a new face, loses a face after the miss allowance', () => {
    const tracker = new IouTracker({ maxMissed: 2 });
    const a = (x: number): Box => [x, 100, 80, 80];
    let u = tracker.update([{ box: a(100), score: 0.9 }], 0);
    assert.equal(u.appeared.length, 1);
    const id = u.appeared[0]!.id;
    u = tracker.update(
      [
        { box: a(110), score: 0.9 },
        { box: [500, 100, 80, 80], score: 0.8 },
      ],
      200,
    );
    assert.deepEqual(
      u.tracks.map((t) => t.id),
      [id, id + 1],
    );
    assert.deepEqual(u.tracks[0]!.box, a(110));
    assert.equal(u.appeared.length, 1);
    // The first face vanishes: kept for two misses, lost on the third.
    for (const t of [400, 600])
      assert.equal(tracker.update([{ box: [505, 100, 80, 80], score: 0.8 }], t).lost.length, 0);
    u = tracker.update([{ box: [510, 100, 80, 80], score: 0.8 }], 800);
    assert.deepEqual(
      u.lost.map((t) => t.id),
      [id],
    );
    assert.deepEqual(
      u.tracks.map((t) => t.id),
      [id + 1],
    );
  });

  it('matches by best IoU when faces are close', () => {
    const tracker = new IouTracker();
    const first = tracker.update(
      [
        { box: [0, 0, 100, 100], score: 1 },
        { box: [90, 0, 100, 100], score: 1 },
      ],
      0,
    );
    const [left, right] = first.appeared.map((t) => t.id);
    const next = tracker.update(
      [
        { box: [95, 0, 100, 100], score: 1 },
        { box: [5, 0, 100, 100], score: 1 },
      ],
      100,
    );
    assert.deepEqual(next.tracks.find((t) => t.id === left)!.box, [5, 0, 100, 100]);
    assert.deepEqual(next.tracks.find((t) => t.id === right)!.box, [95, 0, 100, 100]);
  });
});

describe('IdentityHysteresis', () => {
  it('names a track after two agreeing matches, keeps the name through a dip within the margin, drops it after two misses', () => {
    const h = new IdentityHysteresis({ threshold: 0.5, margin: 0.05, confirmations: 2 });
    assert.equal(h.observe(1, { wallet: 'A', similarity: 0.6 }).wallet, null);
    const named = h.observe(1, { wallet: 'A', similarity: 0.62 });
    assert.deepEqual([named.wallet, named.changed], ['A', true]);
    assert.equal(h.observe(1, { wallet: 'A', similarity: 0.47 }).wallet, 'A', 'dip within the margin');
    assert.equal(h.observe(1, { wallet: 'A', similarity: 0.3 }).wallet, 'A', 'one low observation is not enough');
    const dropped = h.observe(1, { wallet: 'A', similarity: 0.3 });
    assert.deepEqual([dropped.wallet, dropped.changed], [null, true]);
  });

  it('names a new track at once on a strong match', () => {
    const h = new IdentityHysteresis({ threshold: 0.5, strongMargin: 0.15 });
    const first = h.observe(3, { wallet: 'A', similarity: 0.9 });
    assert.deepEqual([first.wallet, first.changed], ['A', true]);
    assert.equal(h.observe(4, { wallet: 'A', similarity: 0.6 }).wallet, null, 'a weak first match waits');
  });

  it('does not flip between two wallets on alternating matches', () => {
    const h = new IdentityHysteresis({ threshold: 0.5 });
    h.observe(7, { wallet: 'A', similarity: 0.7 });
    h.observe(7, { wallet: 'A', similarity: 0.7 });
    const shown = [];
    for (let i = 0; i < 6; i += 1) shown.push(h.observe(7, { wallet: i % 2 ? 'A' : 'B', similarity: 0.7 }).wallet);
    assert.deepEqual(shown, ['A', 'A', 'A', 'A', 'A', 'A']);
  });
});

describe('FaceGallery', () => {
  it('finds the wallet with the most similar embedding and forgets a removed wallet', () => {
    const g = new FaceGallery();
    g.set({ wallet: 'A', embeddings: [unit([1, 0, 0]), unit([1, 1, 0])], showName: true });
    g.set({ wallet: 'B', embeddings: [unit([0, 0, 1])], showName: false });
    const best = g.best(unit([1, 0.1, 0]));
    assert.equal(best.wallet, 'A');
    assert.ok(best.similarity! > 0.99);
    assert.equal(g.best(unit([0, 0.1, 1])).wallet, 'B');
    g.delete('B');
    assert.equal(g.best(unit([0, 0.1, 1])).wallet, 'A');
    g.clear();
    assert.deepEqual(g.best(unit([1, 0, 0])), { wallet: null, similarity: null });
  });
});
