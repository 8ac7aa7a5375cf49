import type { BiometricHoldings } from '../biometrics/BiometricVaultTypes.js';
import type { ChainWatcher } from '../chain/ChainWatcher.js';
import type { CheckinTransactions } from '../chain/CheckinTransactions.js';
import type { SignInChallenges } from '../chain/SignInChallenges.js';
import type { SignInSite } from '../chain/signInSite.js';
import type { TransactionRelay } from '../chain/TransactionRelay.js';
import type { SessionLifecycle } from './SessionLifecycle.js';
import type { SessionManager } from './SessionManager.js';
import type { SessionTokens } from './SessionTokens.js';
import type { Role } from './SessionTypes.js';

/** The on-chain half of the session routes, present when `chain.rpcUrl` is configured. */
export interface SessionChain {
  cluster: string;
  /** The camera's public key, base58. */
  cameraAddress: string;
  transactions: CheckinTransactions;
  relay: TransactionRelay;
  watcher: ChainWatcher;
}

/**
 * What the session routes (server/http/routers/sessionRouter.ts) use, built by
 * server/wiring/createIdentity.ts: declared here, below both, so that wiring imports no router.
 */
export interface SessionRoutes {
  sessions: SessionManager;
  tokens: SessionTokens;
  challenges: SignInChallenges;
  lifecycle: SessionLifecycle;
  purge: (wallet: string, actor: string) => { blobs: number; key: boolean; packages: number };
  /** What the box holds of a wallet's biometric data, without the data (`BiometricVault.holdings`). */
  holdings: (wallet: string) => BiometricHoldings;
  /** Camera ids; the first is the default for a challenge that names none. */
  cameraIds: readonly string[];
  /** The role of a wallet at a camera, from the configuration at the time of the call. */
  roleOf: (wallet: string, cameraId: string) => Role;
  operatorWallet: string | undefined;
  /** Photos, recordings and enrolment need a check-in (`auth.requireCheckin` after its default). */
  requireCheckin: boolean;
  /** The SIWS domain and URI (configuration; see `signInSite`). */
  site: () => SignInSite;
  /** `server.corsOrigins`: other origins whose pages may sign in here. */
  corsOrigins: readonly string[];
  cluster: string;
  chain: SessionChain | undefined;
}
