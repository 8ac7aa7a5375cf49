import type { Logger } from 'pino';
import type { RtmpEvent, StatsData } from '../camerad/CameradProtocol.js';
import type { CameradState } from '../camerad/CameradSupervisorTypes.js';
import { BadRequestError, CameradError, InvalidStateError, TimeoutError } from '../core/errors.js';
import { TypedEmitter } from '../core/TypedEmitter.js';
import { Backoff } from '../core/Backoff.js';
import {
  BACKOFF_JITTER,
  BACKOFF_RESET_AFTER_MS,
  type RtmpCamera,
  type RtmpEgressEvents,
  type RtmpEgressOptions,
  type RtmpEgressState,
  type RtmpStatus,
} from './RtmpEgressTypes.js';
import { parseRtmpUrl, type StreamKeyRedactor } from './StreamKeyRedactor.js';

/**
 * One camera's RTMP publication (e.g. to Livepeer) that keeps itself up: camerad runs the RTMP
 * branch but never reconnects by itself, so when it reports `failed` (ingest refused or dropped,
 * write error) the egress calls `rtmp_start` again after a capped exponential backoff with
 * jitter (1 s, 2 s, 4 s, … up to `backoffMaxMs`, starting over once a connection stayed live
 * for `backoffResetAfterMs`). A camerad restart ends the branch silently: the egress starts it
 * again on the new camerad's `hello`.
 *
 * States: `off` → `connecting` → `live` → `reconnecting` (→ `live` …) → `off` (see
 * {@link RtmpEgressState}). Every change is emitted as `state` with the {@link RtmpStatus}.
 *
 * The publish URL is registered with the {@link StreamKeyRedactor} before it is used; everything
 * the egress logs, returns, emits or throws passes through it, so the stream key never leaves.
 */
export class RtmpEgress extends TypedEmitter<RtmpEgressEvents> {
  /** The camera's id. */
  readonly camera: string;
  readonly #target: RtmpCamera;
  readonly #redactor: StreamKeyRedactor;
  readonly #logger: Logger;
  readonly #backoff: Backoff;
  readonly #resetAfterMs: number;
  readonly #unsubscribe: (() => void)[] = [];
  #state: RtmpEgressState = 'off';
  #url: string | undefined;
  #ingestHost: string | null = null;
  /** Incremented by every start and stop: a late answer of an older run is ignored. */
  #run = 0;
  /** A branch may be running in camerad: from `rtmp_start` until `failed`/`stopped`/a camerad loss. */
  #branch = false;
  /** The branch died with camerad: the next `hello` starts it again. */
  #waitingForCamerad = false;
  #bytesBefore = 0;
  #bytesCurrent = 0;
  #startedAt: number | undefined;
  #liveSince: number | undefined;
  /** The stream was live and got lost: the next `live` is a recovery. */
  #lostAfterLive = false;
  #reconnects = 0;
  #recoveries = 0;
  #lastError: string | null = null;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryAt: number | undefined;
  /** `rtmp_stop` requests sent whose `stopped` notification has not come yet. */
  #expectStopped = 0;
  #closed = false;

  constructor(target: RtmpCamera, redactor: StreamKeyRedactor, logger: Logger, options: RtmpEgressOptions) {
    const child = logger.child({ module: 'rtmp', camera: target.id });
    super(child);
    this.camera = target.id;
    this.#target = target;
    this.#redactor = redactor;
    this.#logger = child;
    this.#backoff = new Backoff({
      initialMs: options.backoffInitialMs,
      maxMs: options.backoffMaxMs,
      jitter: options.backoffJitter ?? BACKOFF_JITTER,
    });
    this.#resetAfterMs = options.backoffResetAfterMs ?? BACKOFF_RESET_AFTER_MS;
    this.#unsubscribe.push(target.onRtmp((event) => this.#onRtmp(event)));
    const onHello = (): void => this.#onHello();
    const onState = (state: CameradState): void => this.#onCameradState(state);
    const onStats = (stats: StatsData): void => this.#onStats(stats);
    this.#unsubscribe.push(target.onRestarted(onHello), target.onState(onState), target.onCameradStats(onStats));
  }

  get state(): RtmpEgressState {
    return this.#state;
  }

  /** True from {@link start} until {@link stop} (whatever the connection is doing). */
  get active(): boolean {
    return this.#state !== 'off';
  }

  /** The status, redacted (safe to log and return). */
  status(): RtmpStatus {
    const now = Date.now();
    return {
      camera: this.camera,
      state: this.#state,
      ingest_host: this.#ingestHost,
      bytes_sent: this.#bytesBefore + this.#bytesCurrent,
      started_at: this.#state === 'off' ? null : (this.#startedAt ?? null),
      uptime_ms: this.#state === 'off' || this.#startedAt === undefined ? null : now - this.#startedAt,
      live_ms: this.#state === 'live' && this.#liveSince !== undefined ? now - this.#liveSince : null,
      reconnects: this.#reconnects,
      recoveries: this.#recoveries,
      last_error: this.#lastError,
      next_retry_ms: this.#retryAt === undefined ? null : Math.max(0, this.#retryAt - now),
    };
  }

  /**
   * Starts publishing to `url` (`rtmp://host[:port]/app/key` or `rtmps://…`) and keeps it up
   * until {@link stop}. Resolves once camerad accepted the branch (state `connecting`); whether
   * the ingest takes it shows later (`live`, or `reconnecting` with `last_error`).
   * @returns the status.
   * @throws InvalidStateError when already started (any state but `off`) or closed, or when
   *   camerad is not connected.
   * @throws BadRequestError naming `url` when it is not an RTMP URL; CameradError `bad_request`
   *   when camerad refuses it. Messages are redacted.
   */
  async start(url: string): Promise<RtmpStatus> {
    if (this.#closed) throw new InvalidStateError('RTMP egress is closed');
    if (this.#state !== 'off') throw new InvalidStateError(`RTMP egress already ${this.#state}: stop it first`);
    const parts = parseRtmpUrl(url);
    // Registered before anything can quote it (even the error below).
    this.#redactor.addUrl(url);
    if (!parts) throw new BadRequestError('url: must be rtmp://host[:port]/app/key or rtmps://…', 'url');
    const run = ++this.#run;
    this.#url = url;
    this.#ingestHost = parts.host;
    this.#bytesBefore = 0;
    this.#bytesCurrent = 0;
    this.#reconnects = 0;
    this.#recoveries = 0;
    this.#lastError = null;
    this.#lostAfterLive = false;
    this.#waitingForCamerad = false;
    this.#liveSince = undefined;
    this.#startedAt = Date.now();
    this.#backoff.reset();
    this.#setState('connecting');
    this.#logger.info({ ingest: this.#ingestHost }, 'RTMP egress starting');
    try {
      await this.#launch();
    } catch (error) {
      const redacted = this.#redactError(error);
      if (run === this.#run) {
        this.#branch = false;
        this.#lastError = redacted.message;
        this.#setState('off');
        this.#logger.warn({ error: redacted.message }, 'RTMP egress could not start');
      }
      throw redacted;
    }
    return this.status();
  }

  /**
   * Stops publishing (camerad finishes the branch) and any pending retry.
   * @returns the final status (state `off`; bytes, reconnects and last error of the run kept).
   * @throws InvalidStateError when not started.
   */
  async stop(): Promise<RtmpStatus> {
    if (this.#state === 'off') throw new InvalidStateError('RTMP egress is not running');
    this.#run += 1;
    this.#clearRetry();
    this.#waitingForCamerad = false;
    const hadBranch = this.#branch;
    this.#branch = false;
    this.#liveSince = undefined;
    this.#setState('off', false);
    if (hadBranch) {
      try {
        const { bytes_sent } = await this.#stopBranch();
        this.#bytesCurrent = Math.max(this.#bytesCurrent, bytes_sent);
      } catch (error) {
        // Gone already (failed meanwhile, camerad restarted): nothing left to stop.
        if (
          !(error instanceof InvalidStateError) &&
          !(error instanceof CameradError && error.code === 'not_streaming')
        ) {
          this.#logger.warn({ error: this.#redactError(error).message }, 'rtmp_stop failed');
        }
      }
    }
    this.#bytesBefore += this.#bytesCurrent;
    this.#bytesCurrent = 0;
    const status = this.status();
    this.#logger.info({ bytesSent: status.bytes_sent, reconnects: status.reconnects }, 'RTMP egress stopped');
    this.safeEmit('state', status);
    return status;
  }

  /** Stops publishing if it runs and detaches from the camera. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#state !== 'off') await this.stop().catch(() => undefined);
    this.#clearRetry();
    for (const remove of this.#unsubscribe.splice(0)) remove();
    this.removeAllListeners();
  }

  /** Sends `rtmp_start`; a branch left running (attach mode after a server restart) is replaced. */
  async #launch(): Promise<void> {
    const url = this.#url!;
    this.#branch = true;
    try {
      await this.#target.startRtmp(url);
    } catch (error) {
      if (!(error instanceof CameradError && error.code === 'busy')) throw error;
      this.#logger.warn('camerad already runs an RTMP branch: replacing it');
      await this.#stopBranch().catch(() => undefined);
      await this.#target.startRtmp(url);
    }
  }

  /** Sends `rtmp_stop`; its `stopped` notification is then not taken for a branch ending on its own. */
  async #stopBranch(): Promise<{ bytes_sent: number }> {
    this.#expectStopped += 1;
    try {
      return await this.#target.stopRtmp();
    } catch (error) {
      this.#expectStopped -= 1; // nothing was stopped: no notification follows
      throw error;
    }
  }

  /** A retry (after the backoff, or on a new camerad's hello). */
  async #attempt(run: number): Promise<void> {
    this.#clearRetry();
    if (run !== this.#run || this.#state === 'off' || this.#closed) return;
    this.#reconnects += 1;
    this.#state = 'reconnecting';
    this.safeEmit('state', this.status());
    this.#logger.info({ reconnects: this.#reconnects }, 'RTMP egress reconnecting');
    try {
      await this.#launch();
    } catch (error) {
      if (run !== this.#run) return;
      this.#branch = false;
      if (error instanceof InvalidStateError) {
        // camerad is down: its next hello starts the branch again.
        this.#waitingForCamerad = true;
        this.#lastError = 'camerad is not running: the stream starts again when it is back';
        this.safeEmit('state', this.status());
        return;
      }
      this.#failed(this.#redactError(error).message);
    }
  }

  #onRtmp(event: RtmpEvent): void {
    if (event.state === 'stopped' && this.#expectStopped > 0) {
      this.#expectStopped -= 1;
      return;
    }
    if (this.#state === 'off' || !this.#branch) return;
    this.#bytesCurrent = Math.max(this.#bytesCurrent, event.bytes_sent);
    switch (event.state) {
      case 'live':
        if (this.#state === 'live') return;
        if (this.#lostAfterLive) {
          this.#recoveries += 1;
          this.#lostAfterLive = false;
        }
        this.#liveSince = Date.now();
        this.#setState('live');
        this.#logger.info({ reconnects: this.#reconnects }, 'RTMP egress live');
        return;
      case 'failed':
        this.#failed(this.#redactor.redact(event.error ?? 'RTMP branch failed'));
        return;
      case 'stopped':
        this.#failed('camerad stopped the RTMP branch');
        return;
      default:
        return;
    }
  }

  /** The branch ended on its own: counts it and schedules the next attempt. */
  #failed(message: string): void {
    this.#branch = false;
    this.#lost(message);
    const delay = this.#backoff.next();
    const run = this.#run;
    this.#retryAt = Date.now() + delay;
    this.#retryTimer = setTimeout(() => void this.#attempt(run), delay);
    this.#logger.warn({ error: message, retryInMs: delay, reconnects: this.#reconnects }, 'RTMP egress failed');
    this.safeEmit('state', this.status());
  }

  /** Bookkeeping of a lost branch: bytes, backoff reset after a long live period, state. */
  #lost(message: string): void {
    const now = Date.now();
    if (this.#liveSince !== undefined && now - this.#liveSince >= this.#resetAfterMs) this.#backoff.reset();
    if (this.#state === 'live') this.#lostAfterLive = true;
    this.#liveSince = undefined;
    this.#bytesBefore += this.#bytesCurrent;
    this.#bytesCurrent = 0;
    this.#lastError = message;
    this.#setState('reconnecting', false);
  }

  /** camerad's connection went away (crash, restart): its branch is gone with it. */
  #onCameradState(state: CameradState): void {
    if (state === 'running' || this.#state === 'off') return;
    if (!this.#branch && this.#waitingForCamerad) return;
    this.#clearRetry();
    if (this.#branch) {
      this.#branch = false;
      this.#lost('camerad restarted: the stream starts again when it is back');
      this.#logger.warn('RTMP branch ended with camerad; waiting for it to come back');
    }
    this.#waitingForCamerad = true;
    this.safeEmit('state', this.status());
  }

  /** A (re)started camerad has no branch: starts it again (at once, it is a fresh process). */
  #onHello(): void {
    this.#expectStopped = 0; // a new camerad owes no notifications of the old one
    if (this.#state === 'off') return;
    if (this.#branch) {
      // camerad restarted without a state change seen here (attach mode reconnect).
      this.#branch = false;
      this.#lost('camerad restarted: the stream starts again');
    }
    this.#waitingForCamerad = false;
    void this.#attempt(this.#run);
  }

  /** Bytes of the running branch from camerad's stats (between `rtmp` notifications). */
  #onStats(stats: StatsData): void {
    if (!this.#branch || this.#state === 'off') return;
    if (stats.rtmp_state === undefined || stats.rtmp_state === 'off' || typeof stats.rtmp_bytes !== 'number') return;
    this.#bytesCurrent = Math.max(this.#bytesCurrent, stats.rtmp_bytes);
  }

  #clearRetry(): void {
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retryAt = undefined;
  }

  /** Sets the state; emits the status unless `emit` is false (the caller emits after more changes). */
  #setState(state: RtmpEgressState, emit = true): void {
    if (this.#state === state) return;
    this.#state = state;
    if (emit) this.safeEmit('state', this.status());
  }

  /** The same error with its message redacted (class, code and field kept). */
  #redactError(error: unknown): Error {
    const message = this.#redactor.redact(error instanceof Error ? error.message : String(error));
    if (error instanceof CameradError) return new CameradError(error.code, message);
    if (error instanceof BadRequestError) return new BadRequestError(message, error.field);
    if (error instanceof InvalidStateError) return new InvalidStateError(message);
    if (error instanceof TimeoutError) return new TimeoutError(message, error.timeoutMs);
    return new Error(message);
  }
}
