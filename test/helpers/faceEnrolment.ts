import assert from 'node:assert/strict';
import type { RgbImage } from '../../server/vision/visionTypes.js';
import type { Answer, WalletFlow } from './walletFlow.js';

/** A pose of the liveness challenge. */
export type Step = 'left' | 'right' | 'center';

/** `GET /api/face/enroll/challenge/{id}`. */
export interface ChallengeView {
  challengeId: string;
  steps: Step[];
  done: number;
  status: string;
  reason?: string;
  expiresAt: number;
}

/** Frames of one person: turned to their own left and right, facing the camera (two frames if any). */
export interface PoseFrames {
  left: RgbImage;
  right: RgbImage;
  center: RgbImage;
  center2?: RgbImage;
}

/**
 * Enrolment from the camera by the operator's approval: the user asks, the operator approves
 * from their own session. @returns the approval's answer (asserted 200).
 */
export async function approvedEnrolment(flow: WalletFlow, userToken: string, operatorToken: string): Promise<Answer> {
  const asked = await flow.call('POST', '/api/face/enroll/requests', {}, userToken);
  assert.equal(asked.status, 200, JSON.stringify(asked.json));
  const approved = await flow.call(
    'POST',
    `/api/face/enroll/requests/${String(asked.json.requestId)}/approve`,
    {},
    operatorToken,
  );
  assert.equal(approved.status, 200, JSON.stringify(approved.json));
  return approved;
}

/**
 * The person in front of a dir:// camera performing a liveness challenge, as the caller's page
 * drives it: the frame for the current step is held in front of the camera until the server
 * counts it, then the next step's. A dir:// camera sends an analysis frame only when a new image
 * arrives, so the photograph is written again every 300 ms, as a live camera sends frames of a
 * person holding still.
 */
export class ChallengePlayer {
  /**
   * @param show puts a photograph in front of the camera (PhotoCamera.show with a fresh name).
   */
  constructor(
    private readonly flow: WalletFlow,
    private readonly show: (photo: RgbImage) => Promise<void>,
  ) {}

  /** A new challenge for the caller (asserted 200). */
  async challenge(token: string): Promise<ChallengeView> {
    const res = await this.flow.call('POST', '/api/face/enroll/challenge', {}, token);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json as unknown as ChallengeView;
  }

  /** The caller's view of its challenge (asserted 200). */
  async view(id: string, token: string): Promise<ChallengeView> {
    const res = await this.flow.call('GET', `/api/face/enroll/challenge/${id}`, undefined, token);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return res.json as unknown as ChallengeView;
  }

  /**
   * Holds `photo` until the challenge counted more than `done` steps or stopped pending.
   * @throws Error naming the step after `timeoutMs`.
   */
  async hold(photo: RgbImage, id: string, token: string, done: number, timeoutMs = 15_000): Promise<ChallengeView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.show(photo);
      await new Promise((r) => setTimeout(r, 300));
      const v = await this.view(id, token);
      if (v.done > done || v.status !== 'pending') return v;
      if (Date.now() > deadline) {
        throw new Error(`step ${done + 1} (${v.steps[done]}) not counted: ${JSON.stringify(v)}`);
      }
    }
  }

  /**
   * Plays the challenge: for step i, holds `frameFor(step, i)` until counted; stops when the
   * challenge is no longer pending. @returns the last view.
   */
  async perform(
    token: string,
    challenge: ChallengeView,
    frameFor: (step: Step, i: number) => RgbImage,
  ): Promise<ChallengeView> {
    let v = challenge;
    for (let i = 0; i < challenge.steps.length; i++) {
      v = await this.hold(frameFor(challenge.steps[i]!, i), challenge.challengeId, token, i);
      if (v.status !== 'pending') return v;
    }
    return v;
  }
}

/** The person of `frames` following the steps (alternating two frontal frames when given). */
export function follows(frames: PoseFrames): (step: Step, i: number) => RgbImage {
  return (step, i) =>
    step === 'center' ? (i % 4 === 0 || !frames.center2 ? frames.center : frames.center2) : frames[step];
}
