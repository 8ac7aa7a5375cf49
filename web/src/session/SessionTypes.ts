/**
 * Request and answer bodies of the server's session API (`/api/session/*`, the lead's
 * server/http/routers/sessionRouter.ts). Times are ISO 8601 strings unless said otherwise;
 * addresses and signatures are base58. The shapes the server defines are imported from its own
 * type-only modules, so the two cannot drift apart.
 */

export type {
  BuiltTransaction,
  SignInChallenge as ChallengeAnswer,
  SignInInput,
} from '../../../server/chain/chainTypes';
export type { Consent as SessionConsent, SessionView } from '../../../server/sessions/SessionTypes';
import type { SessionView } from '../../../server/sessions/SessionTypes';

/** `GET /api/session/config`. */
export interface SessionConfig {
  /** False: the server has no RPC URL, so no check-in. */
  chainEnabled: boolean;
  cluster: string;
  /** CAIP-2 style chain id used in sign-in messages, e.g. `solana:devnet`. */
  chainId: string;
  cameraAddress: string | null;
  operatorWallet: string | null;
  /** Photos, recordings and enrolment from the camera need a check-in at the camera. */
  requireCheckin?: boolean;
  /** Camera ids one may sign in at (the first is the server's default). */
  cameras?: string[];
}

/** `POST /api/session/challenge` answer: a Sign-In With Solana request. */
/** `SolanaSignInInput` of @solana/wallet-standard-features (the fields the server sets). */
/** `POST /api/session/signin` and `POST /api/session/refresh` answer. */
export interface TokenAnswer {
  /** Session JWT for `Authorization: Bearer`. */
  token: string;
  tokenExpiresAt: string;
  /** Single-use token for `POST /api/session/refresh`. */
  refreshToken: string;
  refreshExpiresAt: string;
  session: SessionView;
}

/** `POST /api/session/checkin/tx` and `POST /api/session/checkout/tx` answer. */
/** `POST /api/session/submit` answer. */
export interface SubmitAnswer {
  /** base58 transaction signature. */
  signature: string;
  slot: number;
  kind: 'checkin' | 'checkout';
  session: SessionView;
}
