import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FaceDetection, HandDetection } from '../../../server/analysis/analyzerTypes.js';
import {
  GestureRelay,
  type GestureCapture,
  type GestureEventSink,
} from '../../../server/analysis/gestures/GestureRelay.js';
import { gesturesSchema } from '../../../server/analysis/gestures/gesturesConfig.js';
import { handOwner, handWallet } from '../../../server/analysis/handOwner.js';
import type { Gesture } from '../../../server/analysis/hands/GestureClassifier.js';
import type { GestureEvent } from '../../../server/analysis/hands/HandsAnalyzer.js';
import type { MediaItem } from '../../../server/capture/captureTypes.js';
import { testLogger } from '../../helpers/logger.js';

const ALICE = 'A1iceWa11et1111111111111111111111111111111';
const BOB = 'BobWa11et22222222222222222222222222222222222';

/** A hand whose wrist is at (x, y), output px. */
function hand(trackId: number, label: Gesture, since: number, wrist: [number, number]): HandDetection {
  const keypoints: [number, number][] = Array.from({ length: 21 }, (_, i) =>
    i === 0 ? wrist : [wrist[0] + (i % 5) * 4, wrist[1] - 10 - i * 3],
  );
  return {
    kind: 'hand',
    box: [wrist[0] - 20, wrist[1] - 90, 60, 100],
    score: 0.9,
    trackId,
    keypoints,
    label,
    gestureScore: 0.8,
    handedness: 'right',
    since,
  };
}

/** A face of height `h` centred at (x, y). */
function face(wallet: string | null, [x, y]: [number, number], h = 100): FaceDetection {
  return {
    kind: 'face',
    box: [x - h / 2, y - h / 2, h, h],
    score: 1,
    trackId: 1,
    wallet,
    similarity: wallet ? 0.9 : null,
  };
}

/** Records what the relay sends: the socket.io transport is the EventHub's concern (tested end to end). */
class EventRecorder {
  readonly events: { event: string; payload: Record<string, unknown>; identity: boolean }[] = [];
  emitCamera(event: string, payload: Record<string, unknown>): void {
    this.events.push({ event, payload, identity: false });
  }
  emitIdentity(event: string, payload: Record<string, unknown>): void {
    this.events.push({ event, payload, identity: true });
  }
  names(): string[] {
    return this.events.map((e) => e.event);
  }
}

describe('hand owner', () => {
  it('is the nearest face above the wrist within 4.5 face heights', () => {
    const h = hand(1, 'fist', 0, [400, 500]);
    assert.equal(handOwner(h, [face(ALICE, [420, 300])])?.wallet, ALICE, 'face 200 px above: 2 face heights');
    assert.equal(handOwner(h, [face(ALICE, [420, 300]), face(BOB, [380, 420])])?.wallet, BOB, 'the nearer face');
    assert.equal(handOwner(h, [face(ALICE, [900, 100])]), null, '640 px away: more than 4.5 face heights');
    assert.equal(handOwner(h, [face(ALICE, [400, 700])]), null, 'a face below the wrist is not its owner');
    assert.equal(handOwner(h, []), null);
  });

  it('falls back to the identity a person track carries when no recognised face is near', () => {
    const h = hand(1, 'fist', 0, [400, 500]);
    const person = (wallet: string | null, box: [number, number, number, number]) => ({
      kind: 'object' as const,
      label: 'person',
      box,
      score: 0.9,
      trackId: 3,
      wallet,
    });
    assert.equal(handWallet(h, [], [person(ALICE, [300, 200, 250, 500])]), ALICE, 'the wrist is in Alice’s box');
    assert.equal(handWallet(h, [], [person(ALICE, [0, 0, 100, 100])]), null, 'not in her box');
    assert.equal(handWallet(h, [], [person(null, [300, 200, 250, 500])]), null, 'an unidentified person');
    assert.equal(
      handWallet(h, [face(BOB, [420, 300])], [person(ALICE, [300, 200, 250, 500])]),
      BOB,
      'a recognised face near the hand comes first',
    );
  });
});

describe('gesture relay', () => {
  const setup = (actions: unknown[] = [], checkedIn = new Set([ALICE])) => {
    const events = new EventRecorder();
    const drawn: { layer: string; label: string | undefined }[] = [];
    const relay = new GestureRelay({
      actions: gesturesSchema.parse({ actions }).actions,
      isCheckedIn: (_camera, wallet) => checkedIn.has(wallet),
      draw: (_camera, layer, items) => drawn.push({ layer, label: items[0]?.label }),
      events: events as unknown as GestureEventSink,
      logger: testLogger,
    });
    const photos: string[] = [];
    const capture: GestureCapture = {
      photo: (_cameraId, caller) => {
        photos.push(caller.wallet!);
        return Promise.resolve({ id: `p${photos.length}` } as MediaItem);
      },
      recordStart: () => Promise.resolve({ id: 'v1' } as MediaItem),
      recordStop: () => Promise.resolve({ id: 'v1' } as MediaItem),
      recording: () => undefined,
    };
    relay.attachCapture(capture);
    return { relay, events, drawn, photos };
  };

  it('announces the analyzer’s gesture changes publicly, their end, and whose hand only as an identity event', () => {
    const { relay, events } = setup();
    const alice = face(ALICE, [420, 300]);
    const change = (gesture: Gesture, previous: Gesture | null, at: number, ended = false): GestureEvent => ({
      cameraId: 'cam',
      trackId: 7,
      gesture,
      previous,
      box: [380, 410, 60, 100],
      score: 0.8,
      at,
      ended,
    });
    relay.gesture(change('none', null, 0));
    relay.gesture(change('thumbs_up', 'none', 100));
    relay.observe('cam', [hand(7, 'thumbs_up', 100, [400, 500])], [alice], [], 100);
    relay.observe('cam', [hand(7, 'thumbs_up', 100, [400, 500])], [alice], [], 200);
    relay.gesture(change('fist', 'thumbs_up', 300));
    relay.observe('cam', [hand(7, 'fist', 300, [400, 500])], [alice], [], 300);
    relay.gesture(change('fist', 'fist', 400, true));
    assert.deepEqual(events.names(), [
      'gesture:detected',
      'gesture:identified',
      'gesture:ended',
      'gesture:detected',
      'gesture:identified',
      'gesture:ended',
    ]);
    for (const e of events.events.filter((x) => !x.identity))
      assert.ok(!('wallet' in e.payload), 'no identity in public events');
    const identified = events.events.filter((x) => x.identity);
    assert.deepEqual(
      identified.map((e) => [e.payload.gesture, e.payload.wallet]),
      [
        ['thumbs_up', ALICE],
        ['fist', ALICE],
      ],
    );
    assert.deepEqual(events.events[2]!.payload, {
      cameraId: 'cam',
      trackId: 7,
      gesture: 'thumbs_up',
      since: 100,
      at: 300,
    });
    assert.equal(events.events[5]!.payload.since, 300);
  });

  it('a person who is not checked in is never identified', () => {
    const { relay, events } = setup([], new Set());
    relay.observe('cam', [hand(1, 'victory', 0, [400, 500])], [face(ALICE, [420, 300])], [], 0);
    assert.deepEqual(events.names(), []);
  });

  it('a held gesture runs its action once per hold, with the cooldown, for the recognised user only', async () => {
    const { relay, events, drawn, photos } = setup([
      { gesture: 'thumbs_up', action: 'capture', holdMs: 1000, cooldownMs: 5000 },
    ]);
    const alice = face(ALICE, [420, 300]);
    const stranger = face(null, [420, 300]);
    // A stranger's thumbs up does nothing.
    for (let t = 0; t <= 2000; t += 200) relay.observe('cam', [hand(1, 'thumbs_up', 0, [400, 500])], [stranger], [], t);
    relay.observe('cam', [], [], [], 2100);
    // Alice holds it: one photo at 1000 ms, not one per frame.
    for (let t = 3000; t <= 5000; t += 200)
      relay.observe('cam', [hand(2, 'thumbs_up', 3000, [400, 500])], [alice], [], t);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(photos, [ALICE]);
    // A new hold within the cooldown does nothing; after it, a new photo.
    relay.observe('cam', [hand(2, 'fist', 5200, [400, 500])], [alice], [], 5200);
    for (let t = 5400; t <= 7000; t += 200)
      relay.observe('cam', [hand(2, 'thumbs_up', 5400, [400, 500])], [alice], [], t);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(photos.length, 1, 'within the cooldown');
    for (let t = 7200; t <= 9400; t += 200)
      relay.observe('cam', [hand(2, 'thumbs_up', 5400, [400, 500])], [alice], [], t);
    relay.observe('cam', [hand(2, 'fist', 9600, [400, 500])], [alice], [], 9600);
    for (let t = 9800; t <= 11_000; t += 200)
      relay.observe('cam', [hand(2, 'thumbs_up', 9800, [400, 500])], [alice], [], t);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(photos.length, 2, 'after the cooldown');
    const actions = events.events.filter((e) => e.event === 'gesture:action');
    assert.equal(actions.length, 2);
    assert.ok(actions.every((a) => a.identity && a.payload.wallet === ALICE && a.payload.id !== null));
    assert.deepEqual(drawn[0], { layer: 'actions', label: 'photo taken' });
  });

  it('an action for a gesture the classifier does not know is refused by the schema', () => {
    assert.equal(gesturesSchema.safeParse({ actions: [{ gesture: 'wave', action: 'capture' }] }).success, false);
    assert.equal(gesturesSchema.safeParse({ actions: [{ gesture: 'none', action: 'capture' }] }).success, false);
    assert.equal(gesturesSchema.safeParse({ actions: [{ gesture: 'ok', action: 'dance' }] }).success, false);
  });
});
