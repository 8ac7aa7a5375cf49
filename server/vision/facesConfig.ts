import { z } from 'zod';

/**
 * The `faces` section of the server's configuration (server/config/configSchema.ts plugs
 * `facesSchema` in): how cameras feed the face pipeline, who may enrol and recognise from
 * uploads, and how enrolment from the camera proves the face in frame is the caller's (liveness
 * challenge and/or the operator's approval; server/vision/README.md). Every field has a default.
 */

/** Which enrolment paths from the camera are on (`faces.enrolment`). */
export const ENROLMENT_MODES = ['liveness', 'operator', 'both'] as const;
export type EnrolmentMode = (typeof ENROLMENT_MODES)[number];

export const facesSchema = z
  .strictObject({
    analysisFps: z
      .number()
      .min(0.5)
      .max(30)
      .default(5)
      .describe('Frames per second each camera sends for face analysis (one in flight at a time).'),
    reembedMs: z
      .number()
      .int()
      .min(200)
      .max(600_000)
      .default(3000)
      .describe('A face that stays in view is re-identified this often, ms (new faces at once).'),
    uploadEnroll: z
      .boolean()
      .default(false)
      .describe('Allow enrolment from an uploaded image (lets anyone enrol a photo of someone else).'),
    uploadRecognize: z
      .boolean()
      .default(false)
      .describe(
        'Allow users (not only the operator) to recognise faces in an uploaded image; they only ever learn about their own face.',
      ),
    enrolment: z
      .enum(ENROLMENT_MODES)
      .default('both')
      .describe(
        'Enrolment from the camera: liveness (the caller performs a head-turn challenge only they were shown), operator (the operator approves a request from their own session), or both.',
      ),
    liveness: z
      .strictObject({
        turns: z
          .number()
          .int()
          .min(2)
          .max(8)
          .default(4)
          .describe(
            'Head turns (left/right, random) per challenge, each followed by facing the camera: 2^turns sequences.',
          ),
        timeoutS: z
          .number()
          .int()
          .min(5)
          .max(120)
          .default(30)
          .describe('Time to perform the challenge, and then to enrol after passing it, s.'),
        yawTurn: z
          .number()
          .min(0.1)
          .max(0.9)
          .default(0.35)
          .describe(
            'Yaw ratio (nose tip against the jaw line, −1..1; server/vision/headPose.ts) at or beyond which the head counts as turned (≈ 25–30°).',
          ),
        yawCenter: z
          .number()
          .min(0.02)
          .max(0.5)
          .default(0.2)
          .describe(
            'Yaw ratio within which the face counts as facing the camera (frontal fixture faces: −0.15..0.11).',
          ),
        holdFrames: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(2)
          .describe(
            'Consecutive analysed frames a pose must be held to count (a turn passing through centre does not).',
          ),
        maxOutstanding: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(64)
          .describe('Challenges kept at once (one per wallet; a new one replaces the wallet’s previous one).'),
      })
      .prefault({})
      .describe('The head-turn challenge that proves a face enrolling from the camera is the caller’s.'),
    requests: z
      .strictObject({
        ttlS: z
          .number()
          .int()
          .min(10)
          .max(86_400)
          .default(600)
          .describe('How long an enrolment request waits for the operator’s approval, s.'),
        maxOutstanding: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .default(64)
          .describe('Enrolment requests kept at once (one per wallet and camera).'),
      })
      .prefault({})
      .describe('Enrolment requests waiting for the operator’s approval.'),
  })
  .prefault({});

/** The `faces` section after validation and defaults. */
export type FacesConfig = z.infer<typeof facesSchema>;
