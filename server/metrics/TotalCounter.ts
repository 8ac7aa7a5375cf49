import type { Counter } from 'prom-client';

/**
 * Feeds a Prometheus counter from running totals kept elsewhere (camerad's frames out, each
 * viewer's packets): at each scrape the counter grows by the increase since the last scrape. A
 * total that went down (camerad restarted) counts from zero again, so the counter never
 * decreases, as Prometheus counters must not (a `rate()` over it stays right). Totals of parts
 * that come and go (viewers) are observed per part ({@link observeParts}), so a part that leaves
 * takes nothing back and adds nothing again.
 */
export class TotalCounter<L extends string> {
  readonly #counter: Counter<L>;
  /** Last total seen per label set (JSON of the labels). At most one entry per label set reported. */
  readonly #last = new Map<string, number>();
  /** Last total seen per label set and part id; only the parts of the last observation are kept. */
  readonly #lastParts = new Map<string, Map<string, number>>();

  constructor(counter: Counter<L>) {
    this.#counter = counter;
  }

  /** Reports `total` for `labels`. */
  observe(labels: Record<L, string>, total: number): void {
    const key = JSON.stringify(labels);
    const last = this.#last.get(key) ?? 0;
    this.#last.set(key, total);
    this.#counter.inc(labels, increaseOf(last, total));
  }

  /**
   * Reports the totals of the parts now present for `labels` (`[part id, total]`, e.g. each
   * viewer's packets): the counter grows by each part's increase; a new part adds its whole
   * total, a part no longer listed is forgotten.
   */
  observeParts(labels: Record<L, string>, parts: Iterable<readonly [string, number]>): void {
    const key = JSON.stringify(labels);
    const last = this.#lastParts.get(key) ?? new Map<string, number>();
    const now = new Map<string, number>();
    let increase = 0;
    for (const [id, total] of parts) {
      increase += increaseOf(last.get(id) ?? 0, total);
      now.set(id, total);
    }
    this.#lastParts.set(key, now);
    this.#counter.inc(labels, increase);
  }
}

/** What a total grew by since `last`; a total that went down started again from zero. */
function increaseOf(last: number, total: number): number {
  return total >= last ? total - last : total;
}
