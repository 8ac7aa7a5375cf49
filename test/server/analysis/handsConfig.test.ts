import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GESTURES } from '../../../server/analysis/hands/GestureClassifier.js';
import {
  gestureNameSchema,
  HAND_LANDMARK_MODELS,
  handsEntrySchema,
  handsRuntimeSchema,
} from '../../../server/analysis/hands/handsConfig.js';

describe('hands config', () => {
  it('fills every default of a bare entry and of the runtime', () => {
    const entry = handsEntrySchema.parse({ type: 'hands' });
    assert.equal(entry.model, 'full');
    assert.equal(entry.maxHands, 2);
    assert.ok(entry.detectEveryMs > 0 && entry.lostAfterFrames >= 1 && entry.gestureFrames >= 1);
    assert.ok(handsRuntimeSchema.parse({}).maxPending >= 1);
  });

  it('names the key of a bad value: an unknown model, an unknown gesture', () => {
    const model = handsEntrySchema.safeParse({ type: 'hands', model: 'huge' });
    assert.equal(model.success, false);
    assert.deepEqual(model.error!.issues[0]!.path, ['model']);
    assert.match(model.error!.issues[0]!.message, /lite|full/);
    assert.equal(gestureNameSchema.safeParse('wave').success, false);
    for (const g of GESTURES) assert.equal(gestureNameSchema.parse(g), g);
  });

  it('offers every model of the registry and describes each field', () => {
    for (const name of Object.keys(HAND_LANDMARK_MODELS)) {
      assert.equal(handsEntrySchema.parse({ type: 'hands', model: name }).model, name);
    }
    for (const [key, field] of Object.entries({ ...handsEntrySchema.shape, ...handsRuntimeSchema.shape })) {
      assert.ok(field.description, `${key} has a description`);
    }
  });
});
