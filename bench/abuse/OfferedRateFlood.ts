/** Options of {@link OfferedRateFlood}. */
export interface OfferedRateFloodOptions {
  /** Name in reports, e.g. `challenge`. */
  kind: string;
  /** Requests started per second, whatever the answers (open loop). */
  ratePerS: number;
  /** Requests outstanding at once; a request due while this many wait is counted as not sent. Default 256. */
  maxInFlight?: number;
  /** One request. @returns its outcome for the tally: an HTTP status (`"429"`) or a short word (`"connected"`). */
  send: () => Promise<string>;
}

/** What a flood did, for the bench's JSON. */
export interface FloodReport {
  kind: string;
  offered_per_s: number;
  /** Requests started. */
  sent: number;
  /** Requests due but not started because `maxInFlight` were outstanding (the client could not keep up). */
  not_sent: number;
  /** Requests started per second over the flood. */
  achieved_per_s: number;
  /** Requests answered (or failed) per second over the flood. */
  completed_per_s: number;
  /** Outcome → count (`"429"`, `"201"`, `"error: ECONNRESET"`, …). */
  outcomes: Record<string, number>;
}

/**
 * Requests at a fixed offered rate (open loop: a slow answer does not slow the sender, as an
 * attacker's would not), up to a bound on requests outstanding. A 10 ms tick starts however
 * many requests are due by then (`ratePerS × elapsed`), so the achieved rate tracks the offered
 * one while the client keeps up.
 */
export class OfferedRateFlood {
  readonly #options: Required<OfferedRateFloodOptions>;
  readonly #outcomes = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #stoppedAt = 0;
  #sent = 0;
  #notSent = 0;
  #completed = 0;
  #inFlight = 0;
  readonly #pending = new Set<Promise<void>>();

  constructor(options: OfferedRateFloodOptions) {
    if (!(options.ratePerS > 0)) throw new TypeError(`ratePerS must be > 0, got ${options.ratePerS}`);
    this.#options = { maxInFlight: 256, ...options };
  }

  /** Starts sending. Idempotent. */
  start(): void {
    if (this.#timer) return;
    this.#startedAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), 10);
  }

  /** Stops starting requests and waits for those outstanding. Idempotent. */
  async stop(): Promise<void> {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#stoppedAt = performance.now();
    }
    await Promise.all([...this.#pending]);
  }

  /** The tally so far (rates over the time from start to stop, or to now while running). */
  report(): FloodReport {
    const seconds = ((this.#stoppedAt || performance.now()) - this.#startedAt) / 1000;
    const per = (n: number) => (seconds > 0 ? Math.round((n / seconds) * 10) / 10 : 0);
    return {
      kind: this.#options.kind,
      offered_per_s: this.#options.ratePerS,
      sent: this.#sent,
      not_sent: this.#notSent,
      achieved_per_s: per(this.#sent),
      completed_per_s: per(this.#completed),
      outcomes: Object.fromEntries([...this.#outcomes].sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  #tick(): void {
    const due = Math.floor(((performance.now() - this.#startedAt) / 1000) * this.#options.ratePerS);
    while (this.#sent + this.#notSent < due) {
      if (this.#inFlight >= this.#options.maxInFlight) {
        this.#notSent += 1;
        continue;
      }
      this.#sent += 1;
      this.#inFlight += 1;
      const request = this.#options
        .send()
        .catch((error: unknown) => `error: ${(error as { code?: string }).code ?? (error as Error).message}`)
        .then((outcome) => {
          this.#outcomes.set(outcome, (this.#outcomes.get(outcome) ?? 0) + 1);
          this.#completed += 1;
          this.#inFlight -= 1;
          this.#pending.delete(request);
        });
      this.#pending.add(request);
    }
  }
}
