/**
 * Request and answer bodies of the server's session API (`/api/session/*`, the lead's
 * server/http/routers/sessionRouter.ts). Times are ISO 8601 strings unless said otherwise;
 * addresses and signatures are base58.
 */

/** Consent given at check-in. */
export interface SessionConsent {
  /** Show the user's name on the stream. */
  showName: boolean;
  /** Keep the face enrolment after check-out (otherwise it is purged). */
  keepEnrolment: boolean;
}

/** A session as the server shows it to its owner (or to the operator). */
export interface SessionView {
  id: string;
  cameraId: string;
  /** base58 wallet address. */
  wallet: string;
  role: 'user' | 'operator';
  createdAt: string;
  lastSeenAt: string;
  /** Absolute end of the session. */
  expiresAt: string;
  /** End of the session if it stays unused. */
  idleExpiresAt: string;
  checkedIn: boolean;
  checkedInAt: string | null;
  /** base58 signature of the check-in transaction. */
  checkinSignature: string | null;
  consent: SessionConsent | null;
  endedAt: string | null;
  endReason: string | null;
}

/** `GET /api/session/config`. */
export interface SessionConfig {
  /** False: the server has no RPC URL, so no check-in. */
  chainEnabled: boolean;
  cluster: string;
  /** CAIP-2 style chain id used in sign-in messages, e.g. `solana:devnet`. */
  chainId: string;
  cameraAddress: string | null;
  operatorWallet: string | null;
  /** Camera ids one may sign in at (the first is the server's default). */
  cameras?: string[];
}

/** `POST /api/session/challenge` answer: a Sign-In With Solana request. */
export interface ChallengeAnswer {
  /** The SIWS message text, for wallets without `solana:signIn` (signed with `signMessage`). */
  message: string;
  nonce: string;
  domain: string;
  chainId: string;
  issuedAt: string;
  expirationTime: string;
  /** The `SolanaSignInInput` for wallets with `solana:signIn`. */
  input: SignInInput;
}

/** `SolanaSignInInput` of @solana/wallet-standard-features (the fields the server sets). */
export interface SignInInput {
  domain?: string;
  address?: string;
  statement?: string;
  uri?: string;
  version?: string;
  chainId?: string;
  nonce?: string;
  issuedAt?: string;
  expirationTime?: string;
  notBefore?: string;
  requestId?: string;
  resources?: string[];
}

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
export interface BuiltTransaction {
  txId: string;
  /** base64 of the unsigned legacy transaction (wire format). */
  transaction: string;
  blockhash: string;
  lastValidBlockHeight: number;
  /** Submit before this. */
  expiresAt: string;
  /** The memo text the transaction carries. */
  memo: string;
}

/** `POST /api/session/submit` answer. */
export interface SubmitAnswer {
  /** base58 transaction signature. */
  signature: string;
  slot: number;
  kind: 'checkin' | 'checkout';
  session: SessionView;
}
