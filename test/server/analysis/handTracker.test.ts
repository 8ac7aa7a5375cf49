import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundingBox } from '../../../server/analysis/hands/HandLandmarker.js';
import type { HandStepResult } from '../../../server/analysis/hands/handInferenceProtocol.js';
import { HandTracker } from '../../../server/analysis/hands/HandTracker.js';
import type { HandLandmarks, Landmark3 } from '../../../server/analysis/hands/handTypes.js';
import { syntheticHand } from './syntheticHands.js';

const OPEN = syntheticHand('out', [true, true, true, true], 30);
const FIST = syntheticHand('folded', [false, false, false, false]);

function hand(points: Landmark3[], dx = 0): HandLandmarks {
  const keypoints = points.map(([x, y, z]) => [x + dx, y, z] as Landmark3);
  return {
    box: boundingBox(keypoints),
    keypoints,
    presence: 0.99,
    handedness: 'right',
    handednessScore: 0.9,
    roi: { cx: 100 + dx, cy: 120, size: 200, rotation: 0 },
  };
}

function step(tracked: (HandLandmarks | null)[], fresh: HandLandmarks[] = []): HandStepResult {
  return { tracked, fresh, detected: fresh.length > 0, timings: { detectMs: 0, landmarksMs: 0, totalMs: 0 } };
}

describe('HandTracker', () => {
  it('changes a gesture only after it is seen on two frames in a row; since is the first of them', () => {
    const tracker = new HandTracker({ lostAfterFrames: 3, gestureFrames: 2 });
    const started = tracker.update(step([], [hand(OPEN)]), 1000);
    assert.deepEqual(
      started.map((c) => [c.track.id, c.gesture, c.previous, c.ended]),
      [[1, 'open_palm', null, false]],
    );
    // One odd frame does not change it.
    assert.deepEqual(tracker.update(step([hand(FIST)]), 1100), []);
    assert.deepEqual(tracker.update(step([hand(OPEN)]), 1200), []);
    assert.equal(tracker.tracks[0]!.gesture, 'open_palm');
    // Two in a row do; `since` is the capture time of the first.
    assert.deepEqual(tracker.update(step([hand(FIST)]), 1300), []);
    const changed = tracker.update(step([hand(FIST)]), 1400);
    assert.deepEqual(
      changed.map((c) => [c.track.id, c.gesture, c.previous, c.ended]),
      [[1, 'fist', 'open_palm', false]],
    );
    assert.equal(tracker.tracks[0]!.since, 1300);
  });

  it('keeps the id through missed frames, ends the track after lostAfterFrames, and continues a re-detected hand', () => {
    const tracker = new HandTracker({ lostAfterFrames: 3, gestureFrames: 2 });
    tracker.update(step([], [hand(OPEN)]), 0);
    assert.deepEqual(tracker.update(step([null]), 100), []);
    // The detector finds it again while its track is missed: same id.
    tracker.update(step([null], [hand(OPEN, 5)]), 200);
    assert.deepEqual(
      tracker.tracks.map((t) => [t.id, t.missed]),
      [[1, 0]],
    );
    tracker.update(step([null]), 300);
    tracker.update(step([null]), 400);
    const ended = tracker.update(step([null]), 500);
    assert.deepEqual(
      ended.map((c) => [c.track.id, c.gesture, c.ended, c.at]),
      [[1, 'open_palm', true, 500]],
    );
    assert.equal(tracker.tracks.length, 0);
    // A new hand later gets a new id.
    tracker.update(step([], [hand(FIST, 300)]), 600);
    assert.equal(tracker.tracks[0]!.id, 2);
  });

  it('ends the younger of two tracks that converged on one hand; reset ends them all', () => {
    const tracker = new HandTracker({ lostAfterFrames: 3, gestureFrames: 2 });
    tracker.update(step([], [hand(OPEN), hand(FIST, 400)]), 0);
    const changes = tracker.update(step([hand(OPEN), hand(OPEN, 2)]), 100);
    assert.deepEqual(
      changes.map((c) => [c.track.id, c.ended]),
      [[2, true]],
    );
    assert.deepEqual(
      tracker.reset(200).map((c) => [c.track.id, c.ended]),
      [[1, true]],
    );
    assert.deepEqual(tracker.rois(), []);
  });
});
