/** The JSON request bodies of the session routes (`sessionRouter.ts`), also read by `openapiSessions.ts`. */

import { z } from 'zod';
import { isSolanaAddress } from '../../solanaAddress.js';
import type { RouteBodies } from './routeBodies.js';

/** A base58 string that decodes to a 32-byte ed25519 public key. */
export const walletAddress = z
  .string()
  .refine(isSolanaAddress, 'not a base58 Solana address (32 bytes)')
  .describe('base58 Solana address (32-byte ed25519 public key)');

/** `POST /api/session/challenge`. */
export const challengeBody = z.strictObject({
  wallet: walletAddress,
  cameraId: z.string().optional().describe('Default: the first camera'),
});
/** `POST /api/session/signin`. */
export const signinBody = z.strictObject({
  message: z.string().min(1).max(4096).describe('The signed SIWS text'),
  signature: z.string().min(1).max(200).describe('base58 ed25519 signature, 64 bytes'),
});
/** `POST /api/session/refresh`. */
export const refreshBody = z.strictObject({
  refreshToken: z.string().min(1).max(200).describe('The refresh token of the last sign-in or refresh (single use)'),
});
/** `POST /api/session/end`. */
export const endBody = z.strictObject({
  sessionId: z.uuid().optional().describe('The session to end (operator: any at the camera); default: the caller’s'),
});
/** `POST /api/session/checkin/tx`. */
export const checkinBody = z.strictObject({
  showName: z.boolean().default(false).describe('Show my name on the stream'),
  keepEnrolment: z.boolean().default(false).describe('Keep my face enrolment after check-out'),
});
/** `POST /api/session/checkout/tx`: nothing. */
export const checkoutBody = z.strictObject({});
/** `POST /api/session/submit`. */
export const submitBody = z.strictObject({
  transaction: z.string().min(1).max(4096).describe('base64 signed wire transaction'),
});
/** `POST /api/biometrics/purge`. */
export const purgeBody = z.strictObject({
  wallet: walletAddress
    .optional()
    .describe(
      'base58 Solana address (32-byte ed25519 public key) whose data to delete; default: the caller’s (only the operator may name another)',
    ),
});

/** Body schema per route. */
export const sessionBodies: RouteBodies = {
  'POST /api/session/challenge': challengeBody,
  'POST /api/session/signin': signinBody,
  'POST /api/session/refresh': refreshBody,
  'POST /api/session/end': endBody,
  'POST /api/session/checkin/tx': checkinBody,
  'POST /api/session/checkout/tx': checkoutBody,
  'POST /api/session/submit': submitBody,
  'POST /api/biometrics/purge': purgeBody,
};
