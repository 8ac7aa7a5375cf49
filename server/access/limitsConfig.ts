import { z } from 'zod';

/**
 * The `limits` section of the configuration: request rates per caller (answered with 429 and
 * `Retry-After`) and caps on what one caller may hold at once. Rates are counted in memory with
 * `rate-limiter-flexible`; a caller is its client address (after `server.trustProxy`) and, where
 * a session is known, its wallet too (both limits apply). Sign-in is limited per address only:
 * a per-wallet limit on an unauthenticated route would let anyone lock a wallet out by asking
 * challenges in its name (the outstanding challenges per wallet are capped in `auth` instead).
 */

/** A fixed-window rate: at most `points` requests per `windowS` seconds. */
const rate = (points: number, windowS: number, what: string) =>
  z
    .strictObject({
      points: z.number().int().min(1).max(1_000_000).default(points).describe('Requests allowed per window.'),
      windowS: z.number().int().min(1).max(86_400).default(windowS).describe('Window length, s.'),
    })
    .prefault({})
    .describe(what);

export const limitsSchema = z
  .strictObject({
    signinPerAddress: rate(30, 60, 'Sign-in challenges and sign-ins per client address.'),
    capturePerWallet: rate(30, 60, 'Photo captures and recording starts per wallet.'),
    capturePerAddress: rate(60, 60, 'Photo captures and recording starts per client address.'),
    facePerWallet: rate(20, 60, 'Face enrolments and recognitions per wallet.'),
    facePerAddress: rate(40, 60, 'Face enrolments and recognitions per client address.'),
    whepPerAddress: rate(30, 60, 'WHEP offers (new viewers) per client address.'),
    socketPerAddress: rate(60, 60, 'socket.io and WebSocket connections per client address.'),
    apiPerAddress: rate(600, 60, 'Any other API request per client address.'),
    whepViewersPerCamera: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe('WebRTC viewers at once per camera; the next offer gets 503.'),
    whepViewersPerAddress: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(8)
      .describe('WebRTC viewers at once per client address; the next offer gets 429.'),
    socketsPerAddress: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(32)
      .describe('socket.io connections open at once per client address.'),
    socketsTotal: z.number().int().min(1).max(1_000_000).default(2000).describe('socket.io connections open at once.'),
  })
  .prefault({});

export type LimitsConfig = z.infer<typeof limitsSchema>;
export type RateConfig = LimitsConfig['signinPerAddress'];
