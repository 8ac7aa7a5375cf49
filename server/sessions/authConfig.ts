import { z } from 'zod';
import { isSolanaAddress } from '../solanaAddress.js';

/** A base58 Solana address (32-byte ed25519 public key). */
const base58Address = z.string().refine(isSolanaAddress, 'a base58 Solana address (32 bytes)');

/**
 * The `auth` section of the configuration (server/config/configSchema.ts plugs `authSchema` in):
 * Sign-In With Solana sessions (server/sessions/): token lifetimes, challenges, check-in.
 */
export const authSchema = z
  .strictObject({
    domain: z
      .string()
      .regex(/^[a-zA-Z0-9.-]+(:\d{1,5})?$/, 'a host name, optionally with :port')
      .optional()
      .describe(
        'Sign-In With Solana domain: the host of the page that signs; default server.publicUrl’s host (never a request header).',
      ),
    operatorWallet: base58Address
      .optional()
      .describe('Wallet address of the camera operator (may change thresholds, clear galleries, control outputs).'),
    tokenTtlS: z.number().int().min(30).max(86_400).default(900).describe('Session token (JWT) lifetime, s.'),
    refreshTtlS: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(7 * 86_400)
      .describe('Refresh token lifetime (single use, rotated), s.'),
    idleTimeoutS: z
      .number()
      .int()
      .min(30)
      .max(7 * 86_400)
      .default(1800)
      .describe('A session unused this long ends, s.'),
    absoluteTimeoutS: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(12 * 3600)
      .describe('A session ends this long after sign-in whatever its use, s.'),
    challengeTtlS: z.number().int().min(10).max(3600).default(300).describe('Sign-in challenge validity, s.'),
    maxChallengesPerWallet: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe('Sign-in challenges kept per wallet; a new one replaces the oldest.'),
    maxChallenges: z
      .number()
      .int()
      .min(10)
      .max(1_000_000)
      .default(10_000)
      .describe('Sign-in challenges kept in all; beyond it a new one gets 503 with Retry-After.'),
    endedSessionRetentionS: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(600)
      .describe('Ended sessions are kept this long (so a late end or submit is told why), then deleted, s.'),
    requireCheckin: z
      .boolean()
      .optional()
      .describe(
        'Capture, recording and enrolment from the camera need a check-in at that camera; default on when chain.rpcUrl is set.',
      ),
    jwtSecretFile: z
      .string()
      .optional()
      .describe('File holding the JWT signing secret; default <dataDir>/jwt.key, generated on first start.'),
  })
  .prefault({});

/** The `auth` section after validation and defaults. */
export type AuthConfig = z.infer<typeof authSchema>;
