import { createHash, createHmac } from 'node:crypto';
import type { IceServer } from './IceServer.js';

/** What {@link TurnCredentials} needs: the `webrtc.turn` settings (media/sfu/webrtcConfig.ts). */
export interface TurnCredentialOptions {
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** TURN URIs of the server holding the secret (`turn:198.18.1.2:3478?transport=udp`). */
  urls: readonly string[];
  /** Lifetime of a credential, s. */
  credentialTtlS: number;
}

/** One minted credential. */
export interface TurnCredential {
  /** `<expiry, unix s>:<label>`. */
  username: string;
  /** base64(HMAC-SHA1(secret, username)). */
  credential: string;
  /** When coturn stops accepting it for new allocations, ms since epoch. */
  expiresAt: number;
}

/** Characters kept in a label; `:` is coturn's separator (`rest-api-separator`) and never kept. */
const LABEL = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * Mints time-limited TURN credentials for coturn's `use-auth-secret` mode, the TURN REST API
 * of draft-uberti-behave-turn-rest-00 §2.2: username `<expiry unix s>:<label>`, password
 * base64(HMAC-SHA1(secret, username)). coturn recomputes the HMAC from its own copy of the
 * secret and refuses (401) a wrong password or an expiry in the past when an allocation is
 * made; a running allocation outlives the expiry (coturn issues #774, #1204).
 *
 * The label names who the credential is for (a viewer token's name, a wallet, a hash of an
 * address: never a token) and shows in coturn's log as the user. The secret never leaves this
 * object. Plain data in, so a worker thread can build its own from the same options.
 */
export class TurnCredentials {
  readonly #options: TurnCredentialOptions;
  readonly #now: () => number;

  /**
   * @param options the secret, the server's URIs and the lifetime (s)
   * @param now clock, ms since epoch (tests mint expired credentials with it)
   * @throws TypeError when `secret` is empty or `urls` is empty
   */
  constructor(options: TurnCredentialOptions, now: () => number = Date.now) {
    if (options.secret === '') throw new TypeError('options.secret must not be empty');
    if (options.urls.length === 0) throw new TypeError('options.urls must name at least one TURN URI');
    this.#options = options;
    this.#now = now;
  }

  /** A label coturn can carry: kept as is when it is 1–64 of `A-Za-z0-9._@-`, else `h-` + 16 hex of its SHA-256. */
  static label(raw: string): string {
    return LABEL.test(raw) ? raw : `h-${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
  }

  /** Mints a credential for `label` (passed through {@link TurnCredentials.label}), valid for the configured lifetime. */
  mint(label: string): TurnCredential {
    const expiry = Math.floor(this.#now() / 1000) + this.#options.credentialTtlS;
    const username = `${expiry}:${TurnCredentials.label(label)}`;
    return { username, credential: TurnCredentials.password(this.#options.secret, username), expiresAt: expiry * 1000 };
  }

  /** The server's URIs with a fresh credential for `label`, as an `RTCIceServer`. */
  iceServer(label: string): IceServer & { expiresAt: number } {
    const { username, credential, expiresAt } = this.mint(label);
    return { urls: [...this.#options.urls], username, credential, expiresAt };
  }

  /** base64(HMAC-SHA1(secret, username)) (draft-uberti-behave-turn-rest-00 §2.2). */
  static password(secret: string, username: string): string {
    return createHmac('sha1', secret).update(username).digest('base64');
  }
}
