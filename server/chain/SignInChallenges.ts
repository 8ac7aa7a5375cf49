import { createSignInMessageText, parseSignInMessageText } from '@solana/wallet-standard-util';
import bs58 from 'bs58';
import type { Logger } from 'pino';
import { BadRequestError } from '../../media/core/errors.js';
import type { AppDatabase } from '../store/AppDatabase.js';
import { parseAddress, randomNonce, verifyEd25519 } from './chainCrypto.js';
import type { ChainCluster, SignInChallenge, SignInInput } from './chainTypes.js';

/** Options of {@link SignInChallenges}. */
export interface SignInChallengesOptions {
  /** Database holding `chain_signin_challenges` (chainMigrations applied). */
  database: AppDatabase;
  /** Cluster named in the message's chain id, `solana:<cluster>`. */
  cluster: ChainCluster;
  /** A challenge must be signed and verified within this, s. */
  challengeTtlS: number;
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

/** Used challenges are deleted at once by prune; unused ones this long after they expired, ms. */
const PRUNE_GRACE_MS = 3_600_000;

/**
 * Sign-In With Solana (SIWS) challenges: issues a message for a wallet to sign and verifies the
 * signed message, once.
 *
 * Message text: the wallet-standard SIWS format (https://github.com/phantom/sign-in-with-solana,
 * ABNF derived from EIP-4361), built and parsed by `@solana/wallet-standard-util`
 * (`createSignInMessageText`, `parseSignInMessageText`). Chain id `solana:<cluster>`, one resource
 * `urn:ecs:camera:<cameraId>`, a 128-bit base58 nonce. The signature is ed25519 (RFC 8032) over
 * the utf8 message bytes, checked with node:crypto.
 */
export class SignInChallenges {
  readonly #db: AppDatabase['db'];
  readonly #chainId: string;
  readonly #ttlMs: number;
  readonly #statement: string | undefined;
  readonly #now: () => number;
  readonly #logger: Logger;

  constructor(opts: SignInChallengesOptions) {
    if (opts.statement?.includes('\n')) throw new TypeError('statement must be a single line');
    if (!(opts.challengeTtlS > 0)) throw new TypeError('challengeTtlS must be > 0');
    this.#db = opts.database.db;
    this.#chainId = `solana:${opts.cluster}`;
    this.#ttlMs = opts.challengeTtlS * 1000;
    this.#statement = opts.statement;
    this.#now = opts.now ?? Date.now;
    this.#logger = opts.logger.child({ module: 'siws' });
  }

  /**
   * Issues and stores a challenge for `wallet` to sign in to `cameraId`.
   * @param req.wallet base58 address; req.domain the RFC 3986 authority the client is served from
   *   (e.g. `cam.example:8443`); req.uri the page URI. Neither may hold a line break.
   * @throws BadRequestError with field 'wallet' | 'cameraId' | 'domain' | 'uri'.
   */
  issue(req: { wallet: string; cameraId: string; domain: string; uri: string }): SignInChallenge {
    parseAddress(req.wallet, 'wallet');
    for (const field of ['cameraId', 'domain', 'uri'] as const) {
      const value: unknown = req[field];
      if (typeof value !== 'string' || value.length === 0 || value.length > 512 || /[\r\n]/.test(value)) {
        throw new BadRequestError(`${field} must be a non-empty single line of at most 512 characters`, field);
      }
    }
    const now = this.#now();
    const nonce = randomNonce();
    const input: SignInInput = {
      domain: req.domain,
      address: req.wallet,
      statement: this.#statement ?? `Sign in to the camera ${req.cameraId}.`,
      uri: req.uri,
      version: '1',
      chainId: this.#chainId,
      nonce,
      issuedAt: new Date(now).toISOString(),
      expirationTime: new Date(now + this.#ttlMs).toISOString(),
      resources: [`urn:ecs:camera:${req.cameraId}`],
    };
    const message = createSignInMessageText(input);
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
        req.domain,
        req.uri,
        this.#chainId,
        input.statement,
        message,
        now,
        now + this.#ttlMs,
      );
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

  /** Deletes used challenges and those expired more than an hour ago; returns how many. */
  prune(): number {
    const { changes } = this.#db
      .prepare('DELETE FROM chain_signin_challenges WHERE used_at IS NOT NULL OR expires_at < ?')
      .run(this.#now() - PRUNE_GRACE_MS);
    if (changes > 0) this.#logger.debug({ deleted: changes }, 'sign-in challenges pruned');
    return changes;
  }
}

export type { SignInInput, SignInChallenge } from './chainTypes.js';
