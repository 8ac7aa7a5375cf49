import type { Logger } from 'pino';
import type { OverlayItem } from '../../../media/camerad/CameradProtocol.js';
import type { MediaCaller, MediaItem } from '../../capture/captureTypes.js';
import type { EventHub } from '../../events/EventHub.js';
import type { FaceDetection, HandDetection, ObjectDetection } from '../analyzerTypes.js';
import { handWallet } from '../handOwner.js';
import type { GestureActionConfig } from './gesturesConfig.js';

/** What gesture actions use of photos and recordings (server/capture/). */
export interface GestureCapture {
  photo(cameraId: string, caller: MediaCaller): Promise<MediaItem>;
  recordStart(cameraId: string, caller: MediaCaller): Promise<MediaItem>;
  recordStop(cameraId: string): Promise<MediaItem>;
  /** The recording running on the camera, if any. */
  recording(cameraId: string): MediaItem | undefined;
}

/** The overlay layer of action labels (apart from the hands' own). */
export const GESTURE_ACTION_LAYER = 'actions';
/** How long an action's label stays next to the hand, ms. */
const ACTION_LABEL_MS = 2000;
const ACTION_LABEL_COLOR = '#ffffff';

/** One hand's state between analysed frames. */
interface HandState {
  gesture: string;
  since: number;
  /** `gesture:wallet` last announced by `gesture:identified`, so it is sent once per gesture. */
  identified: string | null;
}

/**
 * Turns each analysed frame's hands into events and actions:
 * - `gesture:detected` when a hand starts or changes to a gesture, `gesture:ended` when it stops
 *   (another gesture, none, or the hand left): public, no identity;
 * - `gesture:identified` once per gesture of a hand that belongs to a recognised, checked-in
 *   person (the nearest face above the wrist, else an identified person box around it;
 *   server/analysis/handOwner.ts): only to that wallet and the operator;
 * - `gestures.actions`: a configured gesture held `holdMs` by such a person runs a photo or starts
 *   or stops their recording, once per hold and at most once per `cooldownMs` per user and
 *   action; they get `gesture:action` and see a label next to their hand in the video. Stopping
 *   stops only their own recording.
 */
export class GestureRelay {
  readonly #actions: readonly GestureActionConfig[];
  readonly #isCheckedIn: (cameraId: string, wallet: string) => boolean;
  readonly #draw: (cameraId: string, layer: string, items: OverlayItem[]) => void;
  readonly #logger: Logger;
  readonly #hands = new Map<string, Map<number, HandState>>();
  /** `camera:wallet:action index` → when it last ran, ms. */
  readonly #lastRun = new Map<string, number>();
  /** `camera:track:since:action index` of holds that already ran. */
  readonly #ran = new Set<string>();
  #hub: EventHub | undefined;
  #capture: GestureCapture | undefined;

  constructor(opts: {
    actions: readonly GestureActionConfig[];
    isCheckedIn: (cameraId: string, wallet: string) => boolean;
    draw: (cameraId: string, layer: string, items: OverlayItem[]) => void;
    logger: Logger;
  }) {
    this.#actions = opts.actions;
    this.#isCheckedIn = opts.isCheckedIn;
    this.#draw = opts.draw;
    this.#logger = opts.logger.child({ module: 'gestures' });
  }

  /** Connects the event hub (created once HTTP listens). */
  attachHub(hub: EventHub): void {
    this.#hub = hub;
  }

  /** Connects photos and recordings (created after the analysis). */
  attachCapture(capture: GestureCapture): void {
    this.#capture = capture;
  }

  /**
   * One analysed frame of a camera's hands analyzer.
   * @param faces the camera's face tracks now (with wallets), output px.
   * @param people the camera's person tracks with the identity they carry (objects analyzer), output px.
   * @param at the frame's capture time, ms since the Unix epoch.
   */
  observe(
    cameraId: string,
    hands: readonly HandDetection[],
    faces: readonly FaceDetection[],
    people: readonly ObjectDetection[],
    at: number,
  ): void {
    const previous = this.#hands.get(cameraId) ?? new Map<number, HandState>();
    const now = new Map<number, HandState>();
    for (const hand of hands) {
      if (hand.trackId === undefined) continue;
      const before = previous.get(hand.trackId);
      const state: HandState =
        before && before.gesture === hand.label ? before : { gesture: hand.label, since: hand.since, identified: null };
      if (before && before.gesture !== hand.label && before.gesture !== 'none') {
        this.#ended(cameraId, hand.trackId, before, at);
      }
      if (state !== before && hand.label !== 'none') {
        this.#hub?.emitCamera('gesture:detected', {
          cameraId,
          trackId: hand.trackId,
          gesture: hand.label,
          previous: before?.gesture ?? 'none',
          score: hand.gestureScore,
          box: hand.box,
          at,
        });
      }
      now.set(hand.trackId, state);
      if (hand.label === 'none') continue;
      const wallet = handWallet(hand, faces, people);
      if (wallet === null || !this.#isCheckedIn(cameraId, wallet)) continue;
      const key = `${hand.label}:${wallet}`;
      if (state.identified !== key) {
        state.identified = key;
        this.#hub?.emitIdentity('gesture:identified', {
          cameraId,
          trackId: hand.trackId,
          gesture: hand.label,
          wallet,
          at,
        });
      }
      this.#act(cameraId, hand, state, wallet, at);
    }
    for (const [trackId, state] of previous) {
      if (!now.has(trackId) && state.gesture !== 'none') this.#ended(cameraId, trackId, state, at);
    }
    this.#hands.set(cameraId, now);
    // Holds that ended can never run again: keep only those of hands still in view.
    for (const key of this.#ran) {
      const [camera, track] = key.split(':');
      if (camera === cameraId && !now.has(Number(track))) this.#ran.delete(key);
    }
  }

  /** Forgets a camera's hands (its analyzer was reset), ending their gestures. */
  reset(cameraId: string, at: number): void {
    for (const [trackId, state] of this.#hands.get(cameraId) ?? []) {
      if (state.gesture !== 'none') this.#ended(cameraId, trackId, state, at);
    }
    this.#hands.delete(cameraId);
  }

  #ended(cameraId: string, trackId: number, state: HandState, at: number): void {
    this.#hub?.emitCamera('gesture:ended', { cameraId, trackId, gesture: state.gesture, since: state.since, at });
  }

  #act(cameraId: string, hand: HandDetection, state: HandState, wallet: string, at: number): void {
    this.#actions.forEach((action, index) => {
      if (action.gesture !== hand.label) return;
      if (action.cameras && !action.cameras.includes(cameraId)) return;
      if (at - state.since < action.holdMs) return;
      const hold = `${cameraId}:${hand.trackId}:${state.since}:${index}`;
      if (this.#ran.has(hold)) return;
      const userKey = `${cameraId}:${wallet}:${index}`;
      const last = this.#lastRun.get(userKey);
      if (last !== undefined && at - last < action.cooldownMs) return;
      this.#ran.add(hold);
      this.#lastRun.set(userKey, at);
      if (this.#lastRun.size > 4096) this.#lastRun.delete(this.#lastRun.keys().next().value!);
      void this.#run(cameraId, hand, action, wallet, at);
    });
  }

  async #run(
    cameraId: string,
    hand: HandDetection,
    action: GestureActionConfig,
    wallet: string,
    at: number,
  ): Promise<void> {
    const capture = this.#capture;
    let id: string | null = null;
    let error: string | null = null;
    try {
      if (!capture) throw new Error('photos and recordings are not available');
      const caller: MediaCaller = { wallet, operator: false };
      if (action.action === 'capture') id = (await capture.photo(cameraId, caller)).id;
      else if (action.action === 'record_start') id = (await capture.recordStart(cameraId, caller)).id;
      else {
        const running = capture.recording(cameraId);
        if (running?.wallet !== wallet) throw new Error('you have no recording running on this camera');
        id = (await capture.recordStop(cameraId)).id;
      }
    } catch (e) {
      error = (e as Error).message;
    }
    // No wallet in the log: who did what is identity data, delivered only as the event.
    this.#logger.info({ camera: cameraId, action: action.action, ok: error === null }, 'gesture action');
    this.#hub?.emitIdentity('gesture:action', {
      cameraId,
      wallet,
      gesture: action.gesture,
      action: action.action,
      id,
      error,
      at,
    });
    const text = error
      ? 'not done'
      : { capture: 'photo taken', record_start: 'recording', record_stop: 'recording stopped' }[action.action];
    const thickness = 4;
    this.#draw(cameraId, GESTURE_ACTION_LAYER, [
      {
        kind: 'keypoints',
        points: [[hand.box[0] + thickness, Math.max(thickness, hand.box[1] - 4 * thickness)]],
        radius: thickness,
        color: ACTION_LABEL_COLOR,
        ttl_ms: ACTION_LABEL_MS,
        label: text,
      },
    ]);
  }
}
