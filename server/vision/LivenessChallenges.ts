import { randomBytes, randomUUID } from 'node:crypto';
import { NotFoundError } from '../../media/core/errors.js';
import { HttpError } from '../http/HttpError.js';
import { cosineSimilarity } from './cosineSimilarity.js';
import { type HeadPose, poseOf } from './headPose.js';
import type { Box } from './visionTypes.js';
import { VisionBusyError } from './VisionBusyError.js';

/** Where a challenge stands. */
export type ChallengeStatus = 'pending' | 'passed' | 'failed' | 'expired' | 'used';

/** What the caller (and only the caller) is shown of its challenge. */
export interface LivenessChallengeView {
  challengeId: string;
  cameraId: string;
  /** The poses to hold in order: `center` (face the camera), then each turn followed by `center`. */
  steps: HeadPose[];
  /** Steps done by the face closest to finishing. */
  done: number;
  status: ChallengeStatus;
  /** Why it failed. */
  reason?: string;
  /** Until when it can be performed (pending) or used to enrol (passed), ms since the epoch. */
  expiresAt: number;
}

/** One face (a tracker's track) in an analysed frame, with its head yaw (headPose.ts). */
export interface PoseObservation {
  trackId: number;
  /** In the analysed frame's pixels. */
  box: Box;
  yaw: number;
}

export interface LivenessChallengesOptions {
  /** Head turns per challenge (random left/right). */
  turns: number;
  /** Time to perform a challenge, and then to enrol with it, ms. */
  timeoutMs: number;
  /** Yaw ratios for a turn and for facing the camera (headPose.ts). */
  yawTurn: number;
  yawCenter: number;
  /** Consecutive analysed frames a pose must be held to count. */
  holdFrames: number;
  /** Challenges kept at once. */
  maxOutstanding: number;
  /** The recognition threshold now: the faces seen at each `center` step must match at least this. */
  threshold: () => number;
  now?: () => number;
}

/** Progress of one track through one challenge. */
interface TrackProgress {
  /** Index of the next step expected. */
  index: number;
  /** The pose counted last. */
  held: HeadPose | null;
  /** The pose seen on the last frames, and for how many. */
  candidate: HeadPose | null;
  frames: number;
  /** Embedding of the face at the first `center` step; every later `center` must match it. */
  reference?: Float32Array;
}

interface Challenge {
  id: string;
  wallet: string;
  cameraId: string;
  steps: HeadPose[];
  status: ChallengeStatus;
  reason?: string;
  expiresAt: number;
  tracks: Map<number, TrackProgress>;
  /** The track that performed it, its face's embedding at the last `center` step and its box. */
  passed?: { trackId: number; embedding: Float32Array; box: Box };
}

/** Tracks followed per challenge (faces passing by); more are ignored. */
const MAX_TRACKS_PER_CHALLENGE = 32;

/**
 * Liveness challenges for enrolment from a camera: the caller asks for one and is shown, in
 * its own HTTP response only (never in the video every viewer sees), a random sequence of head
 * turns; the person in front of the camera performs it within `timeoutMs`; the face (tracker
 * track) that performed it is the one enrolled. Poses come from the 68 landmarks of each
 * tracked face ({@link poseOf}), a pose counts once held for `holdFrames` analysed frames, and
 * a track must hold, in order: `center`, turn₁, `center`, turn₂, …, turnₙ, `center`. Once a
 * track has started (faced the camera), any other counted pose fails the whole challenge (one
 * guess per challenge), and the face at every `center` step must match the one at the first
 * (cosine similarity ≥ the recognition threshold), so the person cannot be swapped halfway.
 * Two faces finishing on the same frame fail it too (exactly one face may perform it).
 * One challenge per wallet (a new one replaces the previous), at most `maxOutstanding` in all.
 * Why this stops enrolling a bystander, and its limits: server/vision/README.md.
 */
export class LivenessChallenges {
  readonly #opts: LivenessChallengesOptions;
  readonly #now: () => number;
  readonly #byId = new Map<string, Challenge>();

  constructor(opts: LivenessChallengesOptions) {
    this.#opts = opts;
    this.#now = opts.now ?? Date.now;
  }

  /** Challenges kept (pending, passed and not yet used, or finished within their timeout). */
  get size(): number {
    return this.#byId.size;
  }

  /**
   * A new challenge for `wallet` at `cameraId`, replacing the wallet's previous one.
   * @throws VisionBusyError when `maxOutstanding` challenges of other wallets are open.
   */
  create(wallet: string, cameraId: string): LivenessChallengeView {
    const now = this.#now();
    this.prune(now);
    for (const [id, c] of this.#byId) if (c.wallet === wallet) this.#byId.delete(id);
    if (this.#byId.size >= this.#opts.maxOutstanding) {
      throw new VisionBusyError(`${this.#byId.size} liveness challenges open: retry later`, 5);
    }
    const steps: HeadPose[] = ['center'];
    // One uniform random bit per turn: the low bit of a CSPRNG byte.
    for (const byte of randomBytes(this.#opts.turns)) steps.push((byte & 1) === 0 ? 'left' : 'right', 'center');
    const challenge: Challenge = {
      id: randomUUID(),
      wallet,
      cameraId,
      steps,
      status: 'pending',
      expiresAt: now + this.#opts.timeoutMs,
      tracks: new Map(),
    };
    this.#byId.set(challenge.id, challenge);
    return this.#view(challenge);
  }

  /** The caller's own challenge. @throws NotFoundError for an unknown id or another wallet's. */
  get(id: string, wallet: string): LivenessChallengeView {
    return this.#view(this.#own(id, wallet));
  }

  /** Whether a challenge on `cameraId` waits for poses (the camera's frames then get landmarks). */
  active(cameraId: string): boolean {
    const now = this.#now();
    for (const c of this.#byId.values()) {
      if (c.cameraId === cameraId && c.status === 'pending' && c.expiresAt > now) return true;
    }
    return false;
  }

  /**
   * Feeds the poses of the faces in one analysed frame of `cameraId` to its pending challenges.
   * @param embed the embedding of a face of this frame given by its box (called at `center` steps).
   */
  async observe(
    cameraId: string,
    observations: readonly PoseObservation[],
    embed: (box: Box) => Promise<Float32Array>,
  ): Promise<void> {
    const now = this.#now();
    for (const c of this.#byId.values()) {
      if (c.cameraId !== cameraId || c.status !== 'pending') continue;
      if (c.expiresAt <= now) {
        c.status = 'expired';
        continue;
      }
      const finished: { trackId: number; embedding: Float32Array; box: Box }[] = [];
      for (const o of observations) {
        const outcome = await this.#step(c, o, embed);
        if (outcome === 'failed') break;
        if (outcome) finished.push(outcome);
      }
      if (c.status !== 'pending') continue;
      if (finished.length > 1) this.#fail(c, `${finished.length} faces performed the challenge at once`);
      else if (finished.length === 1) {
        c.status = 'passed';
        c.passed = finished[0];
        c.expiresAt = now + this.#opts.timeoutMs;
      }
    }
  }

  /**
   * Uses the caller's passed challenge (once): the face that performed it.
   * @throws NotFoundError unknown or another wallet's; HttpError 403 not passed (pending,
   *   failed, expired, used) or for another camera.
   */
  take(id: string, wallet: string, cameraId: string): { embedding: Float32Array; box: Box } {
    const c = this.#own(id, wallet);
    if (c.status === 'passed' && c.expiresAt <= this.#now()) c.status = 'expired';
    if (c.cameraId !== cameraId) throw new HttpError(403, 'the challenge was made for another camera', 'challengeId');
    if (c.status !== 'passed' || !c.passed) {
      throw new HttpError(
        403,
        `the liveness challenge is ${c.status}${c.reason ? ` (${c.reason})` : ''}: enrolment needs a passed challenge`,
        'challengeId',
      );
    }
    c.status = 'used';
    const { embedding, box } = c.passed;
    c.passed = undefined;
    return { embedding, box };
  }

  /** Drops challenges past their time (finished ones too). */
  prune(now = this.#now()): void {
    for (const [id, c] of this.#byId) if (c.expiresAt <= now) this.#byId.delete(id);
  }

  /** One track's pose on one frame: its outcome once it finishes, 'failed' if it failed the challenge. */
  async #step(
    c: Challenge,
    o: PoseObservation,
    embed: (box: Box) => Promise<Float32Array>,
  ): Promise<{ trackId: number; embedding: Float32Array; box: Box } | 'failed' | undefined> {
    let t = c.tracks.get(o.trackId);
    if (!t) {
      if (c.tracks.size >= MAX_TRACKS_PER_CHALLENGE) return undefined;
      t = { index: 0, held: null, candidate: null, frames: 0 };
      c.tracks.set(o.trackId, t);
    }
    const pose = poseOf(o.yaw, { turn: this.#opts.yawTurn, center: this.#opts.yawCenter });
    if (pose !== t.candidate) [t.candidate, t.frames] = [pose, 0];
    t.frames += 1;
    if (pose === null || t.frames !== this.#opts.holdFrames || pose === t.held) return undefined;
    // A newly held pose. Before the track faces the camera it has not started: nothing counts.
    if (t.index === 0 && pose !== 'center') {
      t.held = pose;
      return undefined;
    }
    const expected = c.steps[t.index]!;
    if (pose !== expected) {
      this.#fail(c, `step ${t.index + 1}: expected ${expected}, saw ${pose}`);
      return 'failed';
    }
    let embedding: Float32Array | undefined;
    if (pose === 'center') {
      try {
        embedding = await embed(o.box);
      } catch {
        // Inference busy or the face lost: count this pose on a later frame.
        t.frames = 0;
        return undefined;
      }
      if (t.reference && cosineSimilarity(embedding, t.reference) < this.#opts.threshold()) {
        this.#fail(c, `step ${t.index + 1}: a different face than at the start`);
        return 'failed';
      }
      t.reference ??= embedding;
    }
    t.held = pose;
    t.index += 1;
    return t.index === c.steps.length ? { trackId: o.trackId, embedding: embedding!, box: o.box } : undefined;
  }

  #fail(c: Challenge, reason: string): void {
    c.status = 'failed';
    c.reason = reason;
  }

  #own(id: string, wallet: string): Challenge {
    const c = this.#byId.get(id);
    if (!c || c.wallet !== wallet) throw new NotFoundError('no such liveness challenge');
    return c;
  }

  #view(c: Challenge): LivenessChallengeView {
    const done = Math.max(0, ...[...c.tracks.values()].map((t) => t.index));
    return {
      challengeId: c.id,
      cameraId: c.cameraId,
      steps: [...c.steps],
      done: c.status === 'passed' || c.status === 'used' ? c.steps.length : done,
      status: c.status === 'pending' && c.expiresAt <= this.#now() ? 'expired' : c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      expiresAt: c.expiresAt,
    };
  }
}
