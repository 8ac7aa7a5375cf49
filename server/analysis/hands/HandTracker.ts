import { type Gesture, GestureClassifier } from './GestureClassifier.js';
import { iou, roiFromLandmarks } from './HandLandmarker.js';
import type { HandStepResult } from './handInferenceProtocol.js';
import type { HandLandmarks, HandRoi } from './handTypes.js';

/** A hand followed across frames (analysis-frame px). */
export interface HandTrack {
  /** Stable per camera while the hand stays in view (1, 2, …). */
  id: number;
  /** The latest landmarks seen. */
  hand: HandLandmarks;
  /** Where the landmark model looks next frame. */
  roi: HandRoi;
  /** Analysed frames in a row without this hand (0 when seen in the last one). */
  missed: number;
  /** The gesture reported (after hysteresis). */
  gesture: Gesture;
  /** Its classifier score 0..1 when last seen. */
  gestureScore: number;
  /** Capture time the reported gesture started, ms since the epoch. */
  since: number;
  /** A different gesture seen lately, not yet reported, with its count and first capture time. */
  candidate: { gesture: Gesture; frames: number; since: number } | null;
}

/** A gesture starting, changing or ending on a track (what `onGesture` receives, minus camera and box scaling). */
export interface TrackGestureChange {
  track: HandTrack;
  gesture: Gesture;
  /** The gesture before; null when the track just appeared. */
  previous: Gesture | null;
  /** Capture time, ms since the epoch. */
  at: number;
  /** The hand left (its track ended): `gesture` is the last one it made. */
  ended: boolean;
}

/** Options of {@link HandTracker}. */
export interface HandTrackerOptions {
  /** A track ends after this many analysed frames in a row without its hand. */
  lostAfterFrames: number;
  /** Frames in a row a new gesture must be seen before it replaces the current one (≥ 1). */
  gestureFrames: number;
}

/**
 * Keeps the hands of one camera across analysis steps: a tracked hand keeps its id as long as
 * the landmark model finds it in the ROI its previous landmarks give (MediaPipe's tracking); a
 * hand missed `lostAfterFrames` steps in a row ends. New hands from the palm detector get new
 * ids, unless one overlaps (IoU > 0.3) a track missed in the last frames, which it continues. Gestures (GestureClassifier) change only after `gestureFrames` consecutive frames agree,
 * so one odd frame does not flicker the label; `since` is the capture time of the first of them.
 */
export class HandTracker {
  readonly #options: HandTrackerOptions;
  readonly #classifier = new GestureClassifier();
  #tracks: HandTrack[] = [];
  #nextId = 1;

  constructor(options: HandTrackerOptions) {
    this.#options = options;
  }

  /** The tracks, including those missed in the last frames but not yet ended. */
  get tracks(): readonly HandTrack[] {
    return this.#tracks;
  }

  /** The ROIs to look at next step, one per track in {@link tracks} order. */
  rois(): HandRoi[] {
    return this.#tracks.map((t) => t.roi);
  }

  /**
   * Applies a step's result (its `tracked` in the order {@link rois} gave) at capture time `at`.
   * @returns gesture starts, changes and ends, in track order.
   */
  update(result: HandStepResult, at: number): TrackGestureChange[] {
    const changes: TrackGestureChange[] = [];
    const kept: HandTrack[] = [];
    this.#tracks.forEach((track, i) => {
      const hand = result.tracked[i] ?? null;
      if (hand === null) {
        track.missed++;
        if (track.missed >= this.#options.lostAfterFrames) {
          changes.push({ track, gesture: track.gesture, previous: track.gesture, at, ended: true });
          return;
        }
        kept.push(track);
        return;
      }
      // Two tracks that converged on one hand: the older one keeps it.
      if (kept.some((k) => k.missed === 0 && iou(k.hand.box, hand.box) > 0.5)) {
        changes.push({ track, gesture: track.gesture, previous: track.gesture, at, ended: true });
        return;
      }
      track.hand = hand;
      track.roi = roiFromLandmarks(hand.keypoints);
      track.missed = 0;
      const change = this.#observe(track, at);
      if (change) changes.push(change);
      kept.push(track);
    });
    for (const hand of result.fresh) {
      // The detector found again a hand its track had just missed: same hand, same id.
      const missed = kept.find((t) => t.missed > 0 && iou(t.hand.box, hand.box) > 0.3);
      if (missed) {
        missed.hand = hand;
        missed.roi = roiFromLandmarks(hand.keypoints);
        missed.missed = 0;
        const change = this.#observe(missed, at);
        if (change) changes.push(change);
        continue;
      }
      const { gesture, score } = this.#classifier.classify(hand.keypoints);
      const track: HandTrack = {
        id: this.#nextId++,
        hand,
        roi: roiFromLandmarks(hand.keypoints),
        missed: 0,
        gesture,
        gestureScore: score,
        since: at,
        candidate: null,
      };
      kept.push(track);
      changes.push({ track, gesture, previous: null, at, ended: false });
    }
    this.#tracks = kept;
    return changes;
  }

  /** Forgets every track; ids keep rising. @returns an end change per track. */
  reset(at: number): TrackGestureChange[] {
    const ended = this.#tracks.map((track) => ({
      track,
      gesture: track.gesture,
      previous: track.gesture,
      at,
      ended: true,
    }));
    this.#tracks = [];
    return ended;
  }

  #observe(track: HandTrack, at: number): TrackGestureChange | null {
    const { gesture, score } = this.#classifier.classify(track.hand.keypoints);
    if (gesture === track.gesture) {
      track.gestureScore = score;
      track.candidate = null;
      return null;
    }
    const candidate =
      track.candidate?.gesture === gesture
        ? { ...track.candidate, frames: track.candidate.frames + 1 }
        : { gesture, frames: 1, since: at };
    if (candidate.frames < this.#options.gestureFrames) {
      track.candidate = candidate;
      return null;
    }
    const previous = track.gesture;
    track.gesture = gesture;
    track.gestureScore = score;
    track.since = candidate.since;
    track.candidate = null;
    return { track, gesture, previous, at, ended: false };
  }
}
