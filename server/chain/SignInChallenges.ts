import { createSignInMessageText, parseSignInMessageText } from '@solana/wallet-standard-util';
import bs58 from 'bs58';
import type { Logger } from 'pino';
import { BadRequestError } from '../../media/core/errors.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import { ChallengeCapError } from './ChallengeCapError.js';
import { parseAddress, randomNonce, verifyEd25519 } from './chainCrypto.js';
import type { ChainCluster, SignInChallenge, SignInInput } from './chainTypes.js';
import type { SignInSite } from './signInSite.js';

/** Options of {@link SignInChallenges}. */
export interface SignInChallengesOptions {
  /** Database holding `chain_signin_challenges` (chainMigrations applied). */
  database: AppDatabase;
  /** Cluster named in the message's chain id, `solana:<cluster>`. */
  cluster: ChainCluster;
  /** A challenge must be signed and verified within this, s. */
  challengeTtlS: number;
  /**
   * The SIWS domain and URI, read at each issue (configuration, never a request header; see
   * `signInSite`). A provider because the loopback default needs the bound HTTP port.
   */
  site: () => SignInSite;
  /** Rows kept per wallet (`auth.maxChallengesPerWallet`): the oldest is replaced by a new one. */
  maxChallengesPerWallet: number;
  /** Rows kept in all (`auth.maxChallenges`): beyond it a new challenge is refused (ChallengeCapError). */
  maxChallenges: number;
  /** Human-readable statement line; default 'Sign in to the camera <cameraId>.'. Single line. */
  statement?: string;
  /** Clock, Unix ms; default `Date.now`. */
  now?: () => number;
  logger: Logger;
}

interface ChallengeRow {
  nonce: string;
  wallet: string;
  camera_id: string;
  domain: string;
  uri: string;
  chain_id: string;
  statement: string | null;
  message: string;
  issued_at: number;
  expires_at: number;
  used_at: number | null;
}

/**
 * Prune keeps a challenge this long after it expired, ms, so that a sign-in arriving just late is
 * told "challenge expired" (or a replay "nonce already used") rather than "unknown nonce". Under
 * the total cap, expired and used rows are deleted at once regardless.
 */
export const CHALLENGE_PRUNE_GRACE_MS = 60_000;

/**
 * Sign-In With Solana (SIWS) challenges: issues a message for a wallet to sign and verifies the
 * signed message, once.
 *
 * Message text: the wallet-standard SIWS format (https://github.com/phantom/sign-in-with-solana,
 * ABNF derived from EIP-4361), built and parsed by `@solana/wallet-standard-util`
 * (`createSignInMessageText`, `parseSignInMessageText`). Chain id `solana:<cluster>`, one resource
 * `urn:ecs:camera:<cameraId>`, a 128-bit base58 nonce. The signature is ed25519 (RFC 8032) over
 * the utf8 message bytes, checked with node:crypto.
 *
 * Bounded: at most `maxChallengesPerWallet` rows per wallet (a new challenge deletes that wallet's oldest,
 * so a page reloaded many times still signs in, and one wallet cannot fill the table) and
 * `maxChallenges` rows in all (expired and used ones are deleted first; if the table is still full the
 * new challenge is refused with {@link ChallengeCapError}). The only request-controlled value a
 * row holds is the wallet address (checked to be one); the domain and URI come from `site`, the
 * camera id is one of the configured cameras (checked by the caller).
 */
export class SignInChallenges {
  readonly #db: AppDatabase['db'];
  readonly #chainId: string;
  readonly #ttlMs: number;
  readonly #statement: string | undefined;
  readonly #site: () => SignInSite;
  readonly #maxChallengesPerWallet: number;
  readonly #maxChallenges: number;
  readonly #now: () => number;
  readonly #logger: Logger;

  constructor(opts: SignInChallengesOptions) {
    if (opts.statement?.includes('\n')) throw new TypeError('statement must be a single line');
    if (!(opts.challengeTtlS > 0)) throw new TypeError('challengeTtlS must be > 0');
    if (!(opts.maxChallengesPerWallet >= 1) || !(opts.maxChallenges >= 1))
      throw new TypeError('challenge caps must be ≥ 1');
    this.#db = opts.database.db;
    this.#chainId = `solana:${opts.cluster}`;
    this.#ttlMs = opts.challengeTtlS * 1000;
    this.#statement = opts.statement;
    this.#site = opts.site;
    this.#maxChallengesPerWallet = opts.maxChallengesPerWallet;
    this.#maxChallenges = opts.maxChallenges;
    this.#now = opts.now ?? Date.now;
    this.#logger = opts.logger.child({ module: 'siws' });
  }

  /**
   * Issues and stores a challenge for `wallet` to sign in to `cameraId`, naming the configured
   * site (domain and URI). Replaces the wallet's oldest challenge when it holds
   * `maxChallengesPerWallet`.
   * @param req.wallet base58 address; req.cameraId a configured camera id (the caller checks).
   * @throws BadRequestError with field 'wallet' | 'cameraId'; ChallengeCapError when the table
   *   holds `maxChallenges` live challenges; Error when the site is not known yet (not listening).
   */
  issue(req: { wallet: string; cameraId: string }): SignInChallenge {
    parseAddress(req.wallet, 'wallet');
    const value: unknown = req.cameraId;
    if (typeof value !== 'string' || value.length === 0 || value.length > 512 || /[\r\n]/.test(value)) {
      throw new BadRequestError('cameraId must be a non-empty single line of at most 512 characters', 'cameraId');
    }
    const site = this.#site();
    for (const field of ['domain', 'uri'] as const) {
      if (site[field].length === 0 || /[\r\n]/.test(site[field]))
        throw new Error(`sign-in ${field} is not a single line`);
    }
    const now = this.#now();
    const nonce = randomNonce();
    const input: SignInInput = {
      domain: site.domain,
      address: req.wallet,
      statement: this.#statement ?? `Sign in to the camera ${req.cameraId}.`,
      uri: site.uri,
      version: '1',
      chainId: this.#chainId,
      nonce,
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + this.#ttlMs).toISOString(),
      resources: [`urn:ecs:camera:${req.cameraId}`],
    };
    const message = createSignInMessageText(input);
    this.#db.transaction(() => {
      this.#makeRoom(req.wallet, now);
      this.#db
        .prepare(
          `INSERT INTO chain_signin_challenges
           (nonce, wallet, camera_id, domain, uri, chain_id, statement, message, issued_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          nonce,
          req.wallet,
          req.cameraId,
          input.domain,
          input.uri,
          this.#chainId,
          input.statement,
          message,
          now,
          now + this.#ttlMs,
        );
    })();
    this.#logger.debug({ wallet: req.wallet, camera: req.cameraId, nonce }, 'sign-in challenge issued');
    return {
      message,
      nonce,
      domain: input.domain,
      chainId: input.chainId,
      issuedAt: input.issuedAt,
      expirationTime: input.expirationTime,
      input,
    };
  }

  /**
   * Verifies a signed challenge and marks its nonce used. Checks, in order: the text parses as a
   * SIWS message; its nonce names a stored, unused challenge; domain, chain id, address and every
   * other field equal the challenge (and the text is exactly the issued one); not expired; the
   * signature is 64 base58 bytes and verifies for the address. Writes nothing when a check fails.
   * @param req.signature base58, 64 bytes.
   * @returns the signed-in wallet (base58) and camera id.
   * @throws BadRequestError with field 'message' | 'signature' | 'wallet'.
   */
  verify(req: { message: string; signature: string }): { wallet: string; cameraId: string; nonce: string } {
    if (typeof req.message !== 'string') throw new BadRequestError('message must be a string', 'message');
    const parsed = parseSignInMessageText(req.message);
    if (!parsed) throw new BadRequestError('message is not a Sign-In With Solana message', 'message');
    if (!parsed.nonce) throw new BadRequestError('message has no nonce', 'message');
    const row = this.#db.prepare('SELECT * FROM chain_signin_challenges WHERE nonce = ?').get(parsed.nonce) as
      ChallengeRow | undefined;
    if (!row) throw new BadRequestError('unknown nonce: request a new challenge', 'message');
    if (row.used_at !== null) throw new BadRequestError('nonce already used', 'message');
    if (parsed.domain !== row.domain) {
      throw new BadRequestError(`domain mismatch: expected ${row.domain}, got ${parsed.domain}`, 'message');
    }
    if (parsed.chainId !== row.chain_id) {
      throw new BadRequestError(`chain id mismatch: expected ${row.chain_id}, got ${parsed.chainId}`, 'message');
    }
    if (parsed.address !== row.wallet) {
      throw new BadRequestError(`address mismatch: the challenge is for ${row.wallet}`, 'wallet');
    }
    const expected: Record<string, string | undefined> = {
      statement: row.statement ?? undefined,
      uri: row.uri,
      version: '1',
      issuedAt: new Date(row.issued_at).toISOString(),
      expirationTime: new Date(row.expires_at).toISOString(),
      notBefore: undefined,
      requestId: undefined,
      resources: `urn:ecs:camera:${row.camera_id}`,
    };
    const got: Record<string, string | undefined> = {
      statement: parsed.statement,
      uri: parsed.uri,
      version: parsed.version,
      issuedAt: parsed.issuedAt,
      expirationTime: parsed.expirationTime,
      notBefore: parsed.notBefore,
      requestId: parsed.requestId,
      resources: parsed.resources?.join('\n'),
    };
    for (const [field, value] of Object.entries(expected)) {
      if (got[field] !== value) throw new BadRequestError(`${field} differs from the challenge`, 'message');
    }
    if (req.message !== row.message) throw new BadRequestError('message differs from the challenge', 'message');
    if (this.#now() >= row.expires_at) throw new BadRequestError('challenge expired', 'message');

    if (typeof req.signature !== 'string' || !/^[1-9A-HJ-NP-Za-km-z]+$/.test(req.signature)) {
      throw new BadRequestError('signature is not valid base58', 'signature');
    }
    const signature = bs58.decode(req.signature);
    if (signature.length !== 64) {
      throw new BadRequestError(`signature must be 64 bytes, got ${signature.length}`, 'signature');
    }
    const publicKey = parseAddress(row.wallet, 'wallet').toBytes();
    if (!verifyEd25519(publicKey, new TextEncoder().encode(req.message), signature)) {
      throw new BadRequestError(`signature does not verify for ${row.wallet}`, 'signature');
    }

    const { changes } = this.#db
      .prepare('UPDATE chain_signin_challenges SET used_at = ? WHERE nonce = ? AND used_at IS NULL')
      .run(this.#now(), row.nonce);
    if (changes !== 1) throw new BadRequestError('nonce already used', 'message');
    this.#logger.info({ wallet: row.wallet, camera: row.camera_id }, 'sign-in verified');
    return { wallet: row.wallet, cameraId: row.camera_id, nonce: row.nonce };
  }

  /**
   * Deletes challenges expired more than {@link CHALLENGE_PRUNE_GRACE_MS} ago, used or not (run
   * by the session sweep every 15 s). @returns how many.
   */
  prune(): number {
    const { changes } = this.#db
      .prepare('DELETE FROM chain_signin_challenges WHERE expires_at < ?')
      .run(this.#now() - CHALLENGE_PRUNE_GRACE_MS);
    if (changes > 0) this.#logger.debug({ deleted: changes }, 'sign-in challenges pruned');
    return changes;
  }

  /** Rows in the table (all states). */
  count(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM chain_signin_challenges').get() as { n: number }).n;
  }

  /**
   * Makes room for one more row of `wallet` (inside issue's transaction): deletes the wallet's
   * oldest rows beyond `maxChallengesPerWallet - 1`; when the table is full, deletes expired and used rows;
   * if it is still full, throws.
   */
  #makeRoom(wallet: string, now: number): void {
    const replaced = this.#db
      .prepare(
        `DELETE FROM chain_signin_challenges WHERE nonce IN (
           SELECT nonce FROM chain_signin_challenges WHERE wallet = ? ORDER BY issued_at DESC, nonce LIMIT -1 OFFSET ?)`,
      )
      .run(wallet, this.#maxChallengesPerWallet - 1).changes;
    if (replaced > 0) this.#logger.debug({ wallet, replaced }, 'oldest sign-in challenges of the wallet replaced');
    if (this.count() < this.#maxChallenges) return;
    this.#db.prepare('DELETE FROM chain_signin_challenges WHERE expires_at <= ? OR used_at IS NOT NULL').run(now);
    if (this.count() < this.#maxChallenges) return;
    const { oldest } = this.#db.prepare('SELECT min(expires_at) AS oldest FROM chain_signin_challenges').get() as {
      oldest: number;
    };
    const retryAfterS = Math.max(1, Math.ceil((oldest - now) / 1000));
    this.#logger.warn({ max: this.#maxChallenges, retryAfterS }, 'sign-in challenge table full: challenge refused');
    throw new ChallengeCapError(
      `too many sign-in challenges outstanding on this server: retry in ${retryAfterS} s`,
      retryAfterS,
    );
  }
}

export type { SignInInput, SignInChallenge } from './chainTypes.js';
