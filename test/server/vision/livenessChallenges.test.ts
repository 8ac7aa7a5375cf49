import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotFoundError } from '../../../media/core/errors.js';
import { LivenessChallenges, type PoseObservation } from '../../../server/vision/LivenessChallenges.js';
import type { HeadPose } from '../../../server/vision/headPose.js';
import type { Box } from '../../../server/vision/visionTypes.js';
import { VisionBusyError } from '../../../server/vision/VisionBusyError.js';

const BOX: Box = [100, 100, 80, 100];
const YAW: Record<HeadPose, number> = { left: 0.6, right: -0.6, center: 0 };

/** Unit vectors: the same face, or another (orthogonal: similarity 0). */
const faceA = new Float32Array([1, 0, 0]);
const faceB = new Float32Array([0, 1, 0]);

/**
 * The challenge's rules without models: synthetic yaw observations and embeddings, a clock the
 * test moves. (The same rules on real frames: test/server/faces/faceLiveness.test.ts.)
 */
describe('LivenessChallenges', () => {
  const setup = (now = { t: 1000 }) => {
    const challenges = new LivenessChallenges({
      turns: 3,
      timeoutMs: 30_000,
      yawTurn: 0.35,
      yawCenter: 0.15,
      holdFrames: 2,
      maxOutstanding: 3,
      threshold: () => 0.55,
      now: () => now.t,
    });
    return { challenges, now };
  };

  /** Feeds `frames` frames of the given poses (one per track) with the embedding of `face`. */
  const feed = async (
    challenges: LivenessChallenges,
    tracks: { trackId: number; pose: HeadPose; face?: Float32Array }[],
    frames = 2,
  ): Promise<void> => {
    for (let i = 0; i < frames; i++) {
      const observations: PoseObservation[] = tracks.map((t) => ({ trackId: t.trackId, box: BOX, yaw: YAW[t.pose] }));
      await challenges.observe('cam', observations, async () => tracks[0]!.face ?? faceA);
    }
  };

  it('passes for the track that holds each step in order, once; the steps are random left/right between centres', async () => {
    const { challenges } = setup();
    const c = challenges.create('w1', 'cam');
    assert.equal(c.steps.length, 7);
    c.steps.forEach((s, i) => assert.ok(i % 2 === 0 ? s === 'center' : s !== 'center'));
    assert.ok(challenges.active('cam'));
    for (const step of c.steps) await feed(challenges, [{ trackId: 1, pose: step }]);
    assert.equal(challenges.get(c.challengeId, 'w1').status, 'passed');
    assert.throws(() => challenges.get(c.challengeId, 'w2'), NotFoundError);
    assert.throws(() => challenges.take(c.challengeId, 'w1', 'other-cam'), /another camera/);
    const taken = challenges.take(c.challengeId, 'w1', 'cam');
    assert.deepEqual([...taken.embedding], [...faceA]);
    assert.throws(() => challenges.take(c.challengeId, 'w1', 'cam'), /used/);
  });

  it('a pose held for one frame only does not count; turns before facing the camera do not count', async () => {
    const { challenges } = setup();
    const c = challenges.create('w1', 'cam');
    await feed(challenges, [{ trackId: 1, pose: c.steps[1] === 'left' ? 'right' : 'left' }]);
    assert.equal(challenges.get(c.challengeId, 'w1').done, 0);
    await feed(challenges, [{ trackId: 1, pose: 'center' }]);
    await feed(challenges, [{ trackId: 1, pose: c.steps[1] === 'left' ? 'right' : 'left' }], 1);
    await feed(challenges, [{ trackId: 1, pose: 'center' }]);
    const v = challenges.get(c.challengeId, 'w1');
    assert.deepEqual([v.status, v.done], ['pending', 1]);
  });

  it('fails on a turn out of order, on another face at a centre step, and when two faces finish together', async () => {
    {
      const { challenges } = setup();
      const c = challenges.create('w1', 'cam');
      await feed(challenges, [{ trackId: 1, pose: 'center' }]);
      await feed(challenges, [{ trackId: 1, pose: c.steps[1] === 'left' ? 'right' : 'left' }]);
      const v = challenges.get(c.challengeId, 'w1');
      assert.equal(v.status, 'failed');
      assert.match(String(v.reason), /expected/);
      assert.throws(() => challenges.take(c.challengeId, 'w1', 'cam'), /failed/);
    }
    {
      const { challenges } = setup();
      const c = challenges.create('w1', 'cam');
      await feed(challenges, [{ trackId: 1, pose: 'center', face: faceA }]);
      await feed(challenges, [{ trackId: 1, pose: c.steps[1]! }]);
      await feed(challenges, [{ trackId: 1, pose: 'center', face: faceB }]);
      assert.match(String(challenges.get(c.challengeId, 'w1').reason), /different face/);
    }
    {
      const { challenges } = setup();
      const c = challenges.create('w1', 'cam');
      for (const step of c.steps) {
        await feed(challenges, [
          { trackId: 1, pose: step },
          { trackId: 2, pose: step },
        ]);
      }
      const v = challenges.get(c.challengeId, 'w1');
      assert.equal(v.status, 'failed');
      assert.match(String(v.reason), /2 faces/);
    }
  });

  it('expires after its time, replaces a wallet’s previous challenge, and is bounded in number', async () => {
    const { challenges, now } = setup();
    const c = challenges.create('w1', 'cam');
    now.t += 30_001;
    assert.equal(challenges.active('cam'), false);
    assert.equal(challenges.get(c.challengeId, 'w1').status, 'expired');
    const d = challenges.create('w1', 'cam');
    assert.throws(() => challenges.get(c.challengeId, 'w1'), NotFoundError, 'pruned');
    challenges.create('w1', 'cam');
    assert.throws(() => challenges.get(d.challengeId, 'w1'), NotFoundError, 'replaced');
    challenges.create('w2', 'cam');
    challenges.create('w3', 'cam');
    assert.throws(() => challenges.create('w4', 'cam'), VisionBusyError);
    assert.equal(challenges.size, 3);
  });
});
