import { join } from 'node:path';
import { Connection } from '@solana/web3.js';
import type { Logger } from 'pino';
import { AuditLog } from '../biometrics/AuditLog.js';
import { BiometricSweeper } from '../biometrics/BiometricSweeper.js';
import { BiometricVault } from '../biometrics/BiometricVault.js';
import { biometricsMigrations } from '../biometrics/biometricsMigrations.js';
import { captureMigrations } from '../capture/captureMigrations.js';
import { loadOrCreateMasterKey } from '../biometrics/MasterKey.js';
import { ChainWatcher } from '../chain/ChainWatcher.js';
import { FaceNftBuilder } from '../chain/FaceNftBuilder.js';
import { chainMigrations } from '../chain/chainMigrations.js';
import { CheckinTransactions } from '../chain/CheckinTransactions.js';
import { loadCameraKeypair } from '../chain/loadCameraKeypair.js';
import { SignInChallenges } from '../chain/SignInChallenges.js';
import { signInSite } from '../chain/signInSite.js';
import { TransactionRelay } from '../chain/TransactionRelay.js';
import type { ResolvedConfig } from '../config/loadConfig.js';
import { requireCheckinOf } from '../access/accessSettings.js';
import { loadOrCreateSecret } from '../sessions/loadOrCreateSecret.js';
import { type Prunable, type SessionEventSink, SessionLifecycle } from '../sessions/SessionLifecycle.js';
import { SessionManager } from '../sessions/SessionManager.js';
import { sessionMigrations } from '../sessions/sessionMigrations.js';
import { SessionTokens } from '../sessions/SessionTokens.js';
import type { SessionChain, SessionRoutes } from '../sessions/SessionRoutes.js';
import type { Role } from '../sessions/SessionTypes.js';
import { AppDatabase } from '../store/AppDatabase.js';
import { ensurePrivateDir } from '../../media/core/privateFiles.js';

/** The database file inside `storage.dataDir`. */
export const DATABASE_FILE = 'server.db';

/** How often timed-out sessions are ended and expired state is pruned, ms. */
const SESSION_SWEEP_MS = 15_000;

/** Everything identity-related the server runs: store, sessions, chain, biometrics. */
export interface Identity {
  database: AppDatabase;
  sessions: SessionManager;
  tokens: SessionTokens;
  lifecycle: SessionLifecycle;
  vault: BiometricVault;
  audit: AuditLog;
  /** The role of a wallet at a camera, from the configuration (operator iff `auth.operatorWallet`). */
  roleOf: (wallet: string, cameraId: string) => Role;
  /** The session routes' dependencies. */
  routes: SessionRoutes;
  /** The face NFT builder and the store that lets the relay accept its transactions (chain on). */
  faceNft: { builder: FaceNftBuilder; transactions: CheckinTransactions } | undefined;
  /** Starts the timers and the chain watcher. */
  start(): void;
  /** Stops them and closes the database. Idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the SQLite store (all concerns' migrations), loads or creates the keys in the data
 * directory (JWT secret, biometric master key, camera keypair), and builds sessions, the
 * biometric vault and, when `chain.rpcUrl` is set, the on-chain half (check-in transactions,
 * relay, watcher) against a web3.js `Connection`.
 * @param opts.boundPort the listening HTTP port once known (the loopback Sign-In With Solana
 *   domain needs it when `server.publicUrl` is unset); undefined before listen.
 * @param opts.events where the session lifecycle sends `session:*` events (the event hub).
 * @throws Error when a key file is unusable or the database cannot be opened.
 */
export function createIdentity(
  config: ResolvedConfig,
  cameraIds: readonly string[],
  logger: Logger,
  opts: { boundPort: () => number | undefined; events: SessionEventSink },
): Identity {
  // The data folder (database, keys, media) is 0700 before anything is written in it.
  const widened = ensurePrivateDir(config.storage.dataDir, 'storage.dataDir');
  if (widened !== undefined)
    logger.warn({ folder: config.storage.dataDir, was: widened.toString(8) }, 'data folder tightened to 0700');
  const database = AppDatabase.open(
    join(config.storage.dataDir, DATABASE_FILE),
    [...sessionMigrations, ...chainMigrations, ...biometricsMigrations, ...captureMigrations],
    logger,
  );
  try {
    const tokens = new SessionTokens(loadOrCreateSecret(config.auth.jwtSecretFile, 32), config.auth.tokenTtlS);
    const sessions = new SessionManager({ database, timeouts: config.auth, logger });
    const audit = new AuditLog(database);
    const vault = new BiometricVault({
      database,
      masterKey: loadOrCreateMasterKey(config.biometrics.masterKeyFile, logger),
      audit,
      dataDir: config.storage.dataDir,
      logger,
    });
    const sweeper = new BiometricSweeper({ vault, purgeIntervalMs: config.biometrics.purgeIntervalS * 1000, logger });
    const operator = config.auth.operatorWallet;
    // Computed at each call from the configuration (one operator wallet for every camera), so
    // a wallet that is no longer the operator loses the role on its next request.
    const roleOf = (wallet: string, _cameraId: string): Role => (wallet === operator ? 'operator' : 'user');
    // The SIWS domain and URI: configuration only (never a request header).
    const site = signInSite({
      publicUrl: config.server.publicUrl,
      domain: config.auth.domain,
      boundPort: opts.boundPort,
    });
    const challenges = new SignInChallenges({
      database,
      cluster: config.chain.cluster,
      challengeTtlS: config.auth.challengeTtlS,
      site,
      maxChallengesPerWallet: config.auth.maxChallengesPerWallet,
      maxChallenges: config.auth.maxChallenges,
      logger,
    });
    const prunables: Prunable[] = [{ name: 'challenges', prune: () => challenges.prune() }];
    const lifecycle = new SessionLifecycle({
      sessions,
      purger: vault,
      audit,
      roleOf,
      events: opts.events,
      prunables,
      logger,
    });

    let chain: SessionChain | undefined;
    let faceNft: Identity['faceNft'];
    if (config.chain.rpcUrl) {
      const keypair = loadCameraKeypair(config.chain.keypairFile, logger);
      const connection = new Connection(config.chain.rpcUrl, {
        commitment: config.chain.commitment,
        disableRetryOnRateLimit: true,
      });
      const { commitment } = config.chain;
      const transactions = new CheckinTransactions({
        database,
        connection,
        cameraAddress: keypair.publicKey,
        commitment,
        txTtlS: config.chain.txTtlS,
        logger,
      });
      const relay = new TransactionRelay({
        database,
        connection,
        pending: transactions,
        commitment,
        confirmTimeoutMs: config.chain.confirmTimeoutMs,
        logger,
      });
      const watcher = new ChainWatcher({
        database,
        connection,
        cameraAddress: keypair.publicKey,
        cameraIds: new Set(cameraIds),
        commitment,
        pageSize: config.chain.watcherPageSize,
        pollMs: config.chain.watcherPollMs,
        consentFor: (nonce, wallet) => transactions.consentFor(nonce, wallet),
        handler: (event) => lifecycle.onChainEvent(event),
        logger,
      });
      prunables.push({ name: 'transactions', prune: () => transactions.prune() });
      faceNft = { builder: new FaceNftBuilder({ connection, authority: keypair }), transactions };
      chain = {
        cluster: config.chain.cluster,
        cameraAddress: keypair.publicKey.toBase58(),
        transactions,
        relay,
        watcher,
      };
      logger.info(
        { rpc: redactUrl(config.chain.rpcUrl), cluster: config.chain.cluster, camera: chain.cameraAddress },
        'chain enabled',
      );
    } else {
      logger.info('chain disabled (no chain.rpcUrl): sign-in works, check-in does not');
    }

    const routes: SessionRoutes = {
      sessions,
      tokens,
      challenges,
      lifecycle,
      purge: (wallet, actor) => vault.purge(wallet, { actor, reason: 'request' }),
      holdings: (wallet) => vault.holdings(wallet),
      cameraIds,
      roleOf,
      operatorWallet: operator,
      site,
      corsOrigins: config.server.corsOrigins,
      requireCheckin: requireCheckinOf(config),
      cluster: config.chain.cluster,
      chain,
    };
    let closing: Promise<void> | undefined;
    return {
      database,
      sessions,
      tokens,
      lifecycle,
      vault,
      audit,
      roleOf,
      routes,
      faceNft,
      start() {
        lifecycle.start(SESSION_SWEEP_MS);
        sweeper.start();
        chain?.watcher.start();
      },
      close() {
        closing ??= (async () => {
          lifecycle.close();
          sweeper.close();
          await chain?.watcher.close();
          await vault.whenScrubbed();
          database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    database.close();
    throw error;
  }
}

/** An RPC URL without credentials or query (API keys often ride in either). */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : '/…'}`;
}
