import type { Logger } from 'pino';
import type { OverlayItem } from '../../../media/camerad/CameradProtocol.js';
import type { MediaCaller, MediaItem } from '../../capture/captureTypes.js';
import type {
  GestureActionEvent,
  GestureDetectedEvent,
  GestureEndedEvent,
  GestureIdentifiedEvent,
} from '../../events/EventCatalogue.js';
import type { FaceDetection, HandDetection, ObjectDetection } from '../analyzerTypes.js';
import { handWallet } from '../handOwner.js';
import type { GestureEvent } from '../hands/HandsAnalyzer.js';
import type { GestureActionConfig } from './gesturesConfig.js';

/**
 * Where gesture events go: `gesture:detected` and `gesture:ended` to every socket at the
 * camera, `gesture:identified` and `gesture:action` (they name a wallet) to the wallet's own
 * sockets and the operator's. Wiring hands the event hub (server/events/EventHub.ts) in.
 */
export interface GestureEventSink {
  emitCamera(event: 'gesture:detected', payload: GestureDetectedEvent): void;
  emitCamera(event: 'gesture:ended', payload: GestureEndedEvent): void;
  emitIdentity(event: 'gesture:identified', payload: GestureIdentifiedEvent): void;
  emitIdentity(event: 'gesture:action', payload: GestureActionEvent): void;
}

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

/**
 * Turns the hands analyzer's output into events and actions:
 * - {@link gesture} gets the analyzer's gesture changes (HandsAnalyzer `onGesture`, after its
 *   hysteresis) and sends `gesture:detected` when a hand starts or changes to a gesture and
 *   `gesture:ended` when it stops (another gesture, none, or the hand left): public, no identity;
 * - {@link observe} gets each analysed frame's hands: `gesture:identified` once per gesture of a
 *   hand that belongs to a recognised, checked-in person (the nearest face above the wrist, else an
 *   identified person box around it; server/analysis/handOwner.ts), only to that wallet and the
 *   operator; and `gestures.actions`: a configured gesture held `holdMs` by such a person runs a
 *   photo or starts or stops their recording, once per hold and at most once per `cooldownMs` per
 *   user and action; they get `gesture:action` and see a label next to their hand in the video.
 *   Stopping stops only their own recording.
 */
export class GestureRelay {
  readonly #actions: readonly GestureActionConfig[];
  readonly #isCheckedIn: (cameraId: string, wallet: string) => boolean;
  readonly #draw: (cameraId: string, layer: string, items: OverlayItem[]) => void;
  readonly #logger: Logger;
  /** `camera:track` → since when its current gesture is shown (for `gesture:ended`), ms. */
  readonly #since = new Map<string, number>();
  /** `camera:track` → `gesture:wallet` last announced by `gesture:identified`. */
  readonly #identified = new Map<string, string>();
  /** `camera:wallet:action index` → when it last ran, ms. */
  readonly #lastRun = new Map<string, number>();
  /** `camera:track:since:action index` of holds that already ran. */
  readonly #ran = new Set<string>();
  readonly #events: GestureEventSink;
  #capture: GestureCapture | undefined;

  constructor(opts: {
    actions: readonly GestureActionConfig[];
    isCheckedIn: (cameraId: string, wallet: string) => boolean;
    draw: (cameraId: string, layer: string, items: OverlayItem[]) => void;
    /** Where `gesture:*` events go. */
    events: GestureEventSink;
    logger: Logger;
  }) {
    this.#events = opts.events;
    this.#actions = opts.actions;
    this.#isCheckedIn = opts.isCheckedIn;
    this.#draw = opts.draw;
    this.#logger = opts.logger.child({ module: 'gestures' });
  }

  /** Connects photos and recordings (created after the analysis). */
  attachCapture(capture: GestureCapture): void {
    this.#capture = capture;
  }

  /** A gesture started, changed or ended on a hand (the hands analyzer's `onGesture`). */
  gesture(event: GestureEvent): void {
    const { cameraId, trackId, gesture, previous, at } = event;
    const key = `${cameraId}:${trackId}`;
    const endedGesture = event.ended ? gesture : previous;
    if (endedGesture !== null && endedGesture !== 'none') {
      this.#events.emitCamera('gesture:ended', {
        cameraId,
        trackId,
        gesture: endedGesture,
        since: this.#since.get(key) ?? at,
        at,
      });
    }
    if (event.ended) {
      this.#since.delete(key);
      this.#identified.delete(key);
      return;
    }
    this.#since.set(key, at);
    if (gesture === 'none') return;
    this.#events.emitCamera('gesture:detected', {
      cameraId,
      trackId,
      gesture,
      previous: previous ?? 'none',
      score: event.score,
      box: event.box,
      at,
    });
  }

  /**
   * One analysed frame of a camera's hands analyzer: whose hands they are, and the actions.
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
    const inView = new Set<number>();
    for (const hand of hands) {
      if (hand.trackId === undefined) continue;
      inView.add(hand.trackId);
      if (hand.label === 'none') continue;
      const wallet = handWallet(hand, faces, people);
      if (wallet === null || !this.#isCheckedIn(cameraId, wallet)) continue;
      const key = `${cameraId}:${hand.trackId}`;
      const identified = `${hand.label}:${wallet}:${hand.since}`;
      if (this.#identified.get(key) !== identified) {
        this.#identified.set(key, identified);
        this.#events.emitIdentity('gesture:identified', {
          cameraId,
          trackId: hand.trackId,
          gesture: hand.label,
          wallet,
          at,
        });
      }
      this.#act(cameraId, hand, wallet, at);
    }
    // Holds of hands that left can never run again.
    for (const hold of this.#ran) {
      const [camera, track] = hold.split(':');
      if (camera === cameraId && !inView.has(Number(track))) this.#ran.delete(hold);
    }
  }

  #act(cameraId: string, hand: HandDetection, wallet: string, at: number): void {
    this.#actions.forEach((action, index) => {
      if (action.gesture !== hand.label) return;
      if (action.cameras && !action.cameras.includes(cameraId)) return;
      if (at - hand.since < action.holdMs) return;
      const hold = `${cameraId}:${hand.trackId}:${hand.since}:${index}`;
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
    this.#events.emitIdentity('gesture:action', {
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
