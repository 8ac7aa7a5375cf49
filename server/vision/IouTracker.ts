import type { Box } from './visionTypes.js';

export type { Box };

/** One tracked face. */
export interface Track {
  /** Unique per tracker, increasing from 1. */
  id: number;
  box: Box;
  /** Detector score of the last matched detection, 0..1. */
  score: number;
  /** When the track appeared and was last matched, ms (the caller's clock: frame capture times). */
  firstSeenMs: number;
  lastSeenMs: number;
  /** Consecutive updates without a matching detection. */
  missed: number;
}

/** What one update changed. */
export interface TrackUpdate {
  /** Tracks alive after the update (matched this frame or within `maxMissed`). */
  tracks: Track[];
  appeared: Track[];
  lost: Track[];
}

/** Intersection over union of two boxes, 0..1. */
export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * A greedy IoU tracker (the "IOU Tracker" of Bochinski, Eiselein and Sikora, AVSS 2017, with
 * a miss allowance): each update matches detections to tracks by descending IoU above
 * `minIou`; unmatched detections start tracks; a track unmatched for more than `maxMissed`
 * updates is lost. Recognition runs per track, not per frame.
 */
export class IouTracker {
  readonly #minIou: number;
  readonly #maxMissed: number;
  #tracks: Track[] = [];
  #nextId = 1;

  /**
   * @param minIou least IoU for a detection to continue a track (default 0.3).
   * @param maxMissed updates a track survives without a match (default 2: at 5 analysed fps a
   *   face may vanish for 0.4 s, e.g. a missed detection, without changing identity).
   */
  constructor(opts: { minIou?: number; maxMissed?: number } = {}) {
    this.#minIou = opts.minIou ?? 0.3;
    this.#maxMissed = opts.maxMissed ?? 2;
  }

  /** Tracks alive now. */
  get tracks(): readonly Track[] {
    return this.#tracks;
  }

  /**
   * Feeds one frame's detections.
   * @param detections boxes in source pixels with detector scores.
   * @param timeMs the frame's time (capture time), ms.
   */
  update(detections: readonly { box: Box; score: number }[], timeMs: number): TrackUpdate {
    const pairs: { t: number; d: number; iou: number }[] = [];
    this.#tracks.forEach((track, t) =>
      detections.forEach((det, d) => {
        const overlap = iou(track.box, det.box);
        if (overlap >= this.#minIou) pairs.push({ t, d, iou: overlap });
      }),
    );
    pairs.sort((a, b) => b.iou - a.iou);
    const matchedTracks = new Set<number>();
    const matchedDetections = new Set<number>();
    for (const { t, d } of pairs) {
      if (matchedTracks.has(t) || matchedDetections.has(d)) continue;
      matchedTracks.add(t);
      matchedDetections.add(d);
      const track = this.#tracks[t]!;
      track.box = detections[d]!.box;
      track.score = detections[d]!.score;
      track.lastSeenMs = timeMs;
      track.missed = 0;
    }
    const lost: Track[] = [];
    const alive: Track[] = [];
    this.#tracks.forEach((track, t) => {
      if (!matchedTracks.has(t)) track.missed += 1;
      (track.missed > this.#maxMissed ? lost : alive).push(track);
    });
    const appeared: Track[] = [];
    detections.forEach((det, d) => {
      if (matchedDetections.has(d)) return;
      const track: Track = {
        id: this.#nextId++,
        box: det.box,
        score: det.score,
        firstSeenMs: timeMs,
        lastSeenMs: timeMs,
        missed: 0,
      };
      appeared.push(track);
      alive.push(track);
    });
    this.#tracks = alive;
    return { tracks: alive, appeared, lost };
  }

  /** Drops every track (e.g. the source was lost). @returns the tracks dropped. */
  clear(): Track[] {
    const lost = this.#tracks;
    this.#tracks = [];
    return lost;
  }
}
