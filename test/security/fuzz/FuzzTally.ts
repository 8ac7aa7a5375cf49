/** Statuses that mean a case reached the server's validation (and was refused there). */
export const VALIDATION_STATUSES: ReadonlySet<number> = new Set([400, 413, 415, 422]);

/** Statuses that mean a case did not reach validation: its credential or the limits stopped it. */
export const GATE_STATUSES: ReadonlySet<number> = new Set([401, 403, 429]);

/**
 * Counts of fuzz cases: per group (a route, WHEP, SIWS, …), per status and per violation kind,
 * and how many reached validation. Bounded by the number of groups × statuses × kinds.
 */
export class FuzzTally {
  readonly #groups = new Map<string, { sent: number; validated: number; statuses: Map<number, number> }>();
  readonly #violations = new Map<string, number>();

  /** Records one answer. */
  add(group: string, violation: string, status: number): void {
    let g = this.#groups.get(group);
    if (!g) this.#groups.set(group, (g = { sent: 0, validated: 0, statuses: new Map() }));
    g.sent += 1;
    if (VALIDATION_STATUSES.has(status)) g.validated += 1;
    g.statuses.set(status, (g.statuses.get(status) ?? 0) + 1);
    const kind = violation.replace(/:.*$/, '');
    this.#violations.set(kind, (this.#violations.get(kind) ?? 0) + 1);
  }

  /** Cases sent, in all. */
  get sent(): number {
    return [...this.#groups.values()].reduce((n, g) => n + g.sent, 0);
  }

  /** Cases answered 400/413/415/422, in all. */
  get validated(): number {
    return [...this.#groups.values()].reduce((n, g) => n + g.validated, 0);
  }

  /** Cases sent in one group. */
  sentIn(group: string): number {
    return this.#groups.get(group)?.sent ?? 0;
  }

  /** A plain object for printing: totals, then each group with its statuses, then violation kinds. */
  summary(): Record<string, unknown> {
    return {
      sent: this.sent,
      reachedValidation: this.validated,
      groups: Object.fromEntries(
        [...this.#groups].map(([name, g]) => [
          name,
          { sent: g.sent, validated: g.validated, statuses: Object.fromEntries(g.statuses) },
        ]),
      ),
      violations: Object.fromEntries([...this.#violations].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
