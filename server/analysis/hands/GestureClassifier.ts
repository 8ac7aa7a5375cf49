/**
 * The gestures {@link GestureClassifier} knows; config validates gesture names against this list.
 * `none`: a hand making none of the others.
 */
export const GESTURES = ['open_palm', 'fist', 'thumbs_up', 'thumbs_down', 'victory', 'pointing', 'ok', 'none'] as const;

/** One of {@link GESTURES}. */
export type Gesture = (typeof GESTURES)[number];

/** How straight a finger is. */
export type FingerState = 'extended' | 'half' | 'curled';

/** The per-finger reading the rules use (exposed for tests and the overlay's debugging). */
export interface HandPose {
  /** thumb, index, middle, ring, pinky. */
  fingers: [FingerState, FingerState, FingerState, FingerState, FingerState];
  /** Straightness 0..1 per finger (1 = straight), the soft value behind `fingers`. */
  straightness: [number, number, number, number, number];
  /** Thumb direction MCP → tip in the picture, rad, 0 = up, clockwise (image y down). */
  thumbAngle: number;
  /** Thumb tip to index tip distance / palm size. */
  pinch: number;
  /** Hand direction wrist → middle-finger MCP, rad, 0 = up, clockwise. */
  handAngle: number;
  /** Index direction MCP → tip, rad, 0 = up, clockwise. */
  indexAngle: number;
}

/** What {@link GestureClassifier.classify} answers. */
export interface GestureResult {
  gesture: Gesture;
  /** 0..1: how clearly the fingers match the rule (mean agreement of the fingers it looks at). */
  score: number;
  pose: HandPose;
}

/**
 * Thresholds of the rules, degrees unless noted. The finger bend is the 3-D angle between the
 * finger's first bone (MCP → PIP) and its last (DIP → tip): 0° straight; together with the bend
 * at the knuckle (wrist → MCP against MCP → PIP). Idea from fingerpose (andypotato/fingerpose:
 * per-finger "no / half / full curl" from joint angles, then per-gesture finger states and
 * directions) and MediaPipe's gesture recognizer's canned gestures (Open_Palm, Closed_Fist,
 * Pointing_Up, Thumb_Up, Thumb_Down, Victory); the thresholds were tuned on the landmarks the
 * hand model extracts from test/fixtures/hands photographs.
 */
export const GESTURE_THRESHOLDS = {
  /** Finger (MCP→PIP vs DIP→tip, plus the knuckle bend) at most this: extended. */
  extendedDeg: 50,
  /** At least this: curled. Between: half. */
  curledDeg: 100,
  /** Thumb (CMC→MCP vs IP→tip) at most this: straight. */
  thumbStraightDeg: 40,
  /** A straight thumb also needs its tip this far (palm sizes) from the index PIP to count as extended. */
  thumbAwayPalms: 0.55,
  /** thumbs_up / thumbs_down: thumb direction within this of straight up / down. */
  thumbVerticalDeg: 40,
  /** open_palm, victory, ok: the hand (wrist → middle MCP) within this of up, i.e. fingers not pointing down (a hand hanging or resting on a lap). */
  raisedDeg: 90,
  /** fist: a raised fist, wrist below the knuckles within this of up. */
  fistRaisedDeg: 45,
  /** pointing: the index within this of up (MediaPipe's Pointing_Up). */
  pointingUpDeg: 60,
  /** ok: thumb tip to index tip at most this many palm sizes. */
  okPinchPalms: 0.35,
  /** victory: index and middle tips at least this many palm sizes apart. */
  victorySpreadPalms: 0.25,
  /** open_palm: fingers fanned, index (MCP → tip) and pinky directions at least this far apart (a flat hand resting with its fingers together is not a sign). */
  openSpreadDeg: 10,
} as const;

type Vec = readonly number[];

function sub(a: Vec, b: Vec): number[] {
  return [a[0]! - b[0]!, a[1]! - b[1]!, (a[2] ?? 0) - (b[2] ?? 0)];
}

function angleDeg(u: Vec, v: Vec): number {
  const dot = u[0]! * v[0]! + u[1]! * v[1]! + u[2]! * v[2]!;
  const n = Math.hypot(u[0]!, u[1]!, u[2]!) * Math.hypot(v[0]!, v[1]!, v[2]!);
  if (n === 0) return 0;
  return (Math.acos(Math.max(-1, Math.min(1, dot / n))) * 180) / Math.PI;
}

function dist2d(a: Vec, b: Vec): number {
  return Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
}

/** Joint indices (MediaPipe Hands) per finger: [MCP (CMC for the thumb), PIP, DIP, tip]. */
const FINGER_JOINTS = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
  [9, 10, 11, 12],
  [13, 14, 15, 16],
  [17, 18, 19, 20],
] as const;

/**
 * Classifies a hand's gesture from its 21 landmarks (pure; no state). Rules, in this order:
 * - `ok`: thumb tip within 0.35 palm sizes of the index tip, at least two of middle, ring,
 *   pinky extended, hand raised.
 * - `thumbs_up` / `thumbs_down`: thumb extended and within 40° of up / down; the four fingers
 *   not extended and at least three curled.
 * - `victory`: index and middle extended and spread; ring and pinky not extended; hand raised.
 * - `pointing`: index extended and within 60° of up; middle, ring, pinky not extended.
 * - `open_palm`: the four fingers extended and fanned (index and pinky ≥ 10° apart), the thumb
 *   not curled, hand raised.
 * - `fist`: the four fingers curled, the thumb not extended, wrist below the knuckles (45°).
 * - otherwise `none`.
 * "Raised": wrist → middle-finger MCP within 90° of up. Gestures are signs shown with a raised
 * hand, as in MediaPipe's canned set; the orientation rules are what keeps hands resting on a
 * lap, a hip or a knee (the `none` photographs of the fixture) from reading as an open palm or
 * a fist. The palm size is the wrist → middle-finger MCP distance in the picture.
 */
export class GestureClassifier {
  /**
   * @param keypoints 21 points `[x, y]` or `[x, y, z]` (any consistent pixel unit; z as
   * MediaPipe's, same scale as x) in MediaPipe Hands order.
   * @throws TypeError for fewer than 21 points.
   */
  classify(keypoints: readonly Vec[]): GestureResult {
    if (keypoints.length < 21) throw new TypeError(`a hand has 21 keypoints, got ${keypoints.length}`);
    const pose = this.pose(keypoints);
    const t = GESTURE_THRESHOLDS;
    const [thumb, index, middle, ring, pinky] = pose.fingers;
    const s = pose.straightness;
    const ext = (f: FingerState): boolean => f === 'extended';
    const agree = (wanted: ('up' | 'down' | null)[]): number => {
      let sum = 0;
      let n = 0;
      wanted.forEach((w, i) => {
        if (w === null) return;
        sum += w === 'up' ? s[i]! : 1 - s[i]!;
        n++;
      });
      return n ? sum / n : 0;
    };
    const deg = (rad: number): number => Math.abs((rad * 180) / Math.PI);
    const thumbDeg = deg(pose.thumbAngle);
    const raised = deg(pose.handAngle) <= t.raisedDeg;
    const others = [middle, ring, pinky].filter(ext).length;
    if (pose.pinch <= t.okPinchPalms && others >= 2 && raised) {
      return { gesture: 'ok', score: agree([null, null, 'up', 'up', 'up']), pose };
    }
    const fourDown = [index, middle, ring, pinky].every((f) => !ext(f));
    const curled = [index, middle, ring, pinky].filter((f) => f === 'curled').length;
    if (ext(thumb) && fourDown && curled >= 3) {
      if (thumbDeg <= t.thumbVerticalDeg) {
        return { gesture: 'thumbs_up', score: agree(['up', 'down', 'down', 'down', 'down']), pose };
      }
      if (180 - thumbDeg <= t.thumbVerticalDeg) {
        return { gesture: 'thumbs_down', score: agree(['up', 'down', 'down', 'down', 'down']), pose };
      }
    }
    if (ext(index) && ext(middle) && !ext(ring) && !ext(pinky) && raised) {
      const palm = palmSize(keypoints);
      if (dist2d(keypoints[8]!, keypoints[12]!) >= t.victorySpreadPalms * palm) {
        return { gesture: 'victory', score: agree([null, 'up', 'up', 'down', 'down']), pose };
      }
    }
    if (ext(index) && !ext(middle) && !ext(ring) && !ext(pinky) && deg(pose.indexAngle) <= t.pointingUpDeg) {
      return { gesture: 'pointing', score: agree([null, 'up', 'down', 'down', 'down']), pose };
    }
    const fanned = angleDeg(sub(keypoints[8]!, keypoints[5]!), sub(keypoints[20]!, keypoints[17]!)) >= t.openSpreadDeg;
    if (ext(index) && ext(middle) && ext(ring) && ext(pinky) && thumb !== 'curled' && raised && fanned) {
      return { gesture: 'open_palm', score: agree(['up', 'up', 'up', 'up', 'up']), pose };
    }
    if (curled === 4 && !ext(thumb) && deg(pose.handAngle) <= t.fistRaisedDeg) {
      return { gesture: 'fist', score: agree([null, 'down', 'down', 'down', 'down']), pose };
    }
    return { gesture: 'none', score: 1 - Math.max(...s.slice(1).map((v) => Math.abs(v - 0.5) * 2)) / 2, pose };
  }

  /** The per-finger reading of a hand (see {@link HandPose}). */
  pose(keypoints: readonly Vec[]): HandPose {
    const t = GESTURE_THRESHOLDS;
    const palm = palmSize(keypoints);
    const wrist = keypoints[0]!;
    const fingers: FingerState[] = [];
    const straightness: number[] = [];
    FINGER_JOINTS.forEach(([a, b, c, d], i) => {
      const pa = keypoints[a]!;
      const pb = keypoints[b]!;
      const pc = keypoints[c]!;
      const pd = keypoints[d]!;
      if (i === 0) {
        const bend = angleDeg(sub(pb, pa), sub(pd, pc));
        const away = dist2d(pd, keypoints[6]!) / palm;
        const straight = bend <= t.thumbStraightDeg;
        const state: FingerState =
          straight && away >= t.thumbAwayPalms ? 'extended' : away < t.thumbAwayPalms * 0.6 ? 'curled' : 'half';
        fingers.push(state);
        straightness.push(clamp01(Math.min((90 - bend) / (90 - t.thumbStraightDeg), away / t.thumbAwayPalms)));
        return;
      }
      const bend = angleDeg(sub(pb, pa), sub(pd, pc)) + angleDeg(sub(pa, wrist), sub(pb, pa)) / 2;
      fingers.push(bend <= t.extendedDeg ? 'extended' : bend >= t.curledDeg ? 'curled' : 'half');
      straightness.push(clamp01((t.curledDeg - bend) / (t.curledDeg - t.extendedDeg)));
    });
    const thumbDir = sub(keypoints[4]!, keypoints[2]!);
    const handDir = sub(keypoints[9]!, keypoints[0]!);
    const indexDir = sub(keypoints[8]!, keypoints[5]!);
    return {
      handAngle: Math.atan2(handDir[0]!, -handDir[1]!),
      indexAngle: Math.atan2(indexDir[0]!, -indexDir[1]!),
      fingers: fingers as HandPose['fingers'],
      straightness: straightness as HandPose['straightness'],
      thumbAngle: Math.atan2(thumbDir[0]!, -thumbDir[1]!),
      pinch: dist2d(keypoints[4]!, keypoints[8]!) / palm,
    };
  }
}

/** Wrist → middle-finger MCP distance in the picture (at least 1e-6). */
function palmSize(keypoints: readonly Vec[]): number {
  return Math.max(1e-6, dist2d(keypoints[0]!, keypoints[9]!));
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
