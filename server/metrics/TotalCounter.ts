import type { Counter } from 'prom-client';

/**
 * Feeds a Prometheus counter from a running total kept elsewhere (camerad's frames out, a
 * viewer's packets): at each scrape the counter grows by the increase since the last scrape. A
 * total that went down (camerad restarted, a viewer left) counts from zero again, so the counter
 * never decreases, as Prometheus counters must not (a `rate()` over it stays right).
 */
export class TotalCounter<L extends string> {
  readonly #counter: Counter<L>;
  /** Last total seen per label set (JSON of the labels). At most one entry per label set reported. */
  readonly #last = new Map<string, number>();

  constructor(counter: Counter<L>) {
    this.#counter = counter;
  }

  /** Reports `total` for `labels`. */
  observe(labels: Record<L, string>, total: number): void {
    const key = JSON.stringify(labels);
    const last = this.#last.get(key) ?? 0;
    const increase = total >= last ? total - last : total;
    this.#last.set(key, total);
    if (increase > 0) this.#counter.inc(labels, increase);
    else this.#counter.inc(labels, 0);
  }
}
