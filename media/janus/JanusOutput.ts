import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Backoff } from '../core/Backoff.js';
import { JanusAdminClient } from './JanusAdminClient.js';
import { JanusApiClient } from './JanusApiClient.js';
import type { JanusConfig } from './janusConfig.js';
import { JanusError } from './JanusError.js';
import { type JanusCameraSource, JanusForwarder } from './JanusForwarder.js';
import { type JanusToken, type JanusTokenRefusal, JanusTokens } from './JanusTokens.js';

/** `connecting`: first attempt; `up`: every mountpoint exists; `retrying`: the last attempt failed, another is scheduled. */
export type JanusState = 'connecting' | 'up' | 'retrying' | 'closed';

/** `outputs.janus` of `GET /api/status`. */
export interface JanusStatus {
  state: JanusState;
  /** Why the last attempt or the session failed; null when up. */
  error: string | null;
  /** When the next attempt starts, ms from now; null unless retrying. */
  next_retry_ms: number | null;
  /** Whether the viewer page plays from Janus (`publicUrl` set). */
  public: boolean;
  /** Session and mountpoints re-created after a loss (a Janus restart) since start. */
  recreations: number;
  /** Viewer tokens outstanding. */
  tokens: number;
  cameras: { camera: string; up: boolean; packets: number; bytes: number; dropped: number }[];
}

/** What a viewer gets from `POST /api/cameras/:camera/janus`. */
export interface JanusGrant {
  /** Janus HTTP API the browser uses (`publicUrl`). */
  publicUrl: string;
  token: string;
  mountpoint: number;
  pin: string;
  /** ms since epoch. */
  expires: number;
}

/** Settings of {@link JanusOutput} resolved from `outputs.janus` (media/janus/createJanus.ts). */
export interface JanusOutputOptions {
  config: JanusConfig & { apiUrl: string };
  rtpHost: string;
  srtp: boolean;
  profileLevelId: string;
}

/**
 * The Janus forward (docs/janus.md): one Janus session with a Streaming plugin handle, a
 * {@link JanusForwarder} per camera, and the viewer tokens. It adds its own token through the
 * Admin API (`token_auth`), opens the session, creates every mountpoint and adds back the viewer
 * tokens still valid; then keeps the session alive every `keepaliveMs`. A failed step, a
 * keepalive Janus no longer answers or answers "no such session" (it restarted) puts it in
 * `retrying` with the error, and everything is created again after a backoff (1 s doubling to
 * 30 s by default) — nothing else in the server is touched. {@link close} is idempotent.
 */
export class JanusOutput {
  readonly #options: JanusOutputOptions;
  readonly #logger: Logger;
  readonly #admin: JanusAdminClient;
  readonly #serverToken = randomBytes(16).toString('hex');
  readonly #forwarders = new Map<string, JanusForwarder>();
  readonly #tokens: JanusTokens;
  readonly #backoff: Backoff;
  #api: JanusApiClient | undefined;
  #state: JanusState = 'connecting';
  #error: string | null = null;
  #retryAt: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  #recreations = 0;
  #everUp = false;
  #closing: Promise<void> | undefined;

  constructor(cameras: Iterable<JanusCameraSource>, options: JanusOutputOptions, logger: Logger) {
    const c = options.config;
    this.#options = options;
    this.#logger = logger.child({ output: 'janus' });
    this.#admin = new JanusAdminClient(c.adminUrl!, c.adminSecret, c.requestTimeoutMs);
    this.#backoff = new Backoff({ initialMs: c.backoffInitialMs, maxMs: c.backoffMaxMs });
    this.#tokens = new JanusTokens(c.maxTokens, c.maxTokensPerAddress, c.tokenTtlS * 1000, (t) => {
      if (this.#state === 'up') this.#admin.removeToken(t.token).catch(() => undefined);
    });
    for (const camera of cameras) {
      this.#forwarders.set(
        camera.id,
        new JanusForwarder(camera, {
          rtpHost: options.rtpHost,
          rtpInterface: c.rtpInterface,
          srtp: options.srtp,
          streamingAdminKey: c.streamingAdminKey,
          profileLevelId: options.profileLevelId,
        }),
      );
    }
  }

  /** Starts the first attempt (in the background). */
  start(): void {
    this.#schedule(0);
  }

  get state(): JanusState {
    return this.#state;
  }

  /** The forwarder of a camera (tests and metrics), undefined for an unknown camera. */
  forwarder(cameraId: string): JanusForwarder | undefined {
    return this.#forwarders.get(cameraId);
  }

  get cameraIds(): string[] {
    return [...this.#forwarders.keys()];
  }

  /** Why `caller` (an address) cannot get a viewer token now (`maxTokens`, `maxTokensPerAddress`), or undefined. */
  tokenRefusal(caller: string): JanusTokenRefusal | undefined {
    return this.#tokens.refusal(caller);
  }

  status(): JanusStatus {
    return {
      state: this.#state,
      error: this.#error,
      next_retry_ms: this.#retryAt === null ? null : Math.max(0, this.#retryAt - Date.now()),
      public: this.#options.config.publicUrl !== undefined,
      recreations: this.#recreations,
      tokens: this.#tokens.size,
      cameras: [...this.#forwarders.values()].map((f) => {
        const s = f.stats;
        return { camera: f.cameraId, up: s.up, packets: s.packets, bytes: s.bytes, dropped: s.dropped };
      }),
    };
  }

  /**
   * Mints a viewer token for `cameraId` through the Admin API and asks for a keyframe, after a
   * keepalive that finds a restarted Janus at once (then the forward is re-created and this
   * answers undefined).
   * @returns undefined when the forward is not up (the caller answers 503 with {@link status}).
   * @param caller who asks (the caller's address), for the per-caller bound.
   * @throws JanusTokenLimitError past `maxTokens` or `maxTokensPerAddress`; JanusError when `publicUrl` is unset or the Admin API fails.
   */
  async mint(cameraId: string, caller: string): Promise<JanusGrant | undefined> {
    const forwarder = this.#forwarders.get(cameraId);
    const mountpoint = forwarder?.mountpoint;
    const publicUrl = this.#options.config.publicUrl;
    if (publicUrl === undefined)
      throw new JanusError('outputs.janus.publicUrl is not set: viewers have no way to Janus', 0);
    if (!forwarder || !mountpoint || this.#state !== 'up') return undefined;
    // A viewer asking is the moment to know Janus still has the session and mountpoint: a Janus
    // restart is found here at once, not at the next keepalive (up to keepaliveMs later).
    const api = this.#api;
    if (api) {
      try {
        await api.keepalive();
      } catch (error) {
        this.#lost(api, error as Error);
        return undefined;
      }
    }
    const token = this.#tokens.mint(cameraId, caller);
    try {
      await this.#admin.addToken(token.token);
    } catch (error) {
      this.#tokens.drop(token.token);
      throw error;
    }
    forwarder.requestKeyframe();
    return { publicUrl, token: token.token, mountpoint: mountpoint.id, pin: mountpoint.pin, expires: token.expiresAt };
  }

  /** Stops retrying and keepalives, destroys the mountpoints and session, removes the tokens (best effort). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#state = 'closed';
      clearTimeout(this.#timer);
      const api = this.#api;
      this.#api = undefined;
      const tokens = this.#tokens.clear();
      if (api?.isOpen) {
        await Promise.allSettled([...this.#forwarders.values()].map((f) => f.destroy(api)));
        await Promise.allSettled([
          ...tokens.map((t) => this.#admin.removeToken(t.token)),
          this.#admin.removeToken(this.#serverToken),
        ]);
        await api.close();
      }
      for (const f of this.#forwarders.values()) f.close();
    })();
    return this.#closing;
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#state === 'closed') return;
    this.#timer = setTimeout(() => void this.#connect(), delayMs);
    this.#timer.unref();
  }

  async #connect(): Promise<void> {
    this.#retryAt = null;
    const c = this.#options.config;
    const api = new JanusApiClient(c.apiUrl, this.#serverToken, c.requestTimeoutMs);
    try {
      await this.#admin.addToken(this.#serverToken);
      await api.open();
      this.#api = api;
      for (const f of this.#forwarders.values()) await f.create(api);
      await Promise.all(this.#tokens.valid().map((t: JanusToken) => this.#admin.addToken(t.token)));
    } catch (error) {
      if (this.#api === api) this.#api = undefined;
      void api.close();
      this.#fail(error as Error);
      return;
    }
    if (this.#state === 'closed') {
      await Promise.allSettled([...this.#forwarders.values()].map((f) => f.destroy(api)));
      await api.close();
      return;
    }
    if (this.#everUp) this.#recreations++;
    this.#everUp = true;
    this.#state = 'up';
    this.#error = null;
    this.#backoff.reset();
    this.#logger.info(
      { cameras: this.cameraIds, srtp: this.#options.srtp, recreations: this.#recreations },
      'janus mountpoints created',
    );
    this.#keepalive(api);
  }

  #keepalive(api: JanusApiClient): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      api.keepalive().then(
        () => {
          if (this.#api === api && this.#state === 'up') this.#keepalive(api);
        },
        (error: Error) => this.#lost(api, error),
      );
    }, this.#options.config.keepaliveMs);
    this.#timer.unref();
  }

  /** The session `api` stopped answering: the forward is down until re-created. */
  #lost(api: JanusApiClient, error: Error): void {
    if (this.#api !== api || this.#state !== 'up') return;
    this.#api = undefined;
    void api.close();
    // 458: no such session; 403: Janus no longer knows the server's token. Both: it restarted.
    const restarted = error instanceof JanusError && (error.sessionGone || error.code === 403);
    this.#fail(restarted ? new JanusError(`Janus lost the session (restarted?): ${error.message}`, 458) : error);
  }

  #fail(error: Error): void {
    if (this.#state === 'closed') return;
    for (const f of this.#forwarders.values()) f.forget();
    const delay = this.#backoff.next();
    this.#state = 'retrying';
    this.#error = error.message;
    this.#retryAt = Date.now() + delay;
    this.#logger.warn({ error: this.#error, retryMs: delay }, 'janus forward down; retrying');
    this.#schedule(delay);
  }
}
