/** A gallery match for one face: the best wallet and its cosine similarity, or none. */
export interface Match {
  wallet: string | null;
  /** Cosine similarity of the best gallery entry, -1..1 (null when the gallery is empty). */
  similarity: number | null;
}

/** The identity a track shows now. */
export interface TrackIdentity {
  wallet: string | null;
  similarity: number | null;
  /** True when this observation changed the shown identity. */
  changed: boolean;
}

/**
 * Keeps a track's name from flickering (a Schmitt trigger on similarity, plus agreement):
 * a track takes a wallet's name after `confirmations` consecutive matches of that wallet at or
 * above `threshold`, or at once for a match at or above `threshold + strongMargin` (a still
 * picture, or a camera that analyses rarely, may give a face only one look); it keeps it while matches stay at or above `threshold - margin`, and
 * drops it after `confirmations` consecutive observations that do not (another wallet, or
 * lower). Per track; the caller forgets a track when the tracker loses it.
 */
export class IdentityHysteresis {
  readonly #margin: number;
  readonly #confirmations: number;
  readonly #strongMargin: number;
  #threshold: number;
  readonly #state = new Map<
    number,
    { shown: string | null; similarity: number | null; candidate: string | null; streak: number }
  >();

  /**
   * @param threshold cosine similarity to accept a match (the recognition threshold).
   * @param margin how far below `threshold` a shown name survives (default 0.05).
   * @param confirmations consecutive agreeing observations to change the shown identity (default 2).
   * @param strongMargin a match this far above `threshold` names a track at once (default 0.15).
   */
  constructor(opts: { threshold: number; margin?: number; confirmations?: number; strongMargin?: number }) {
    this.#threshold = opts.threshold;
    this.#margin = opts.margin ?? 0.05;
    this.#confirmations = opts.confirmations ?? 2;
    this.#strongMargin = opts.strongMargin ?? 0.15;
  }

  /** Changes the acceptance threshold (operator setting); tracks keep their state. */
  set threshold(value: number) {
    this.#threshold = value;
  }

  get threshold(): number {
    return this.#threshold;
  }

  /** Feeds one recognition of a track. @returns the identity to show. */
  observe(trackId: number, match: Match): TrackIdentity {
    const state = this.#state.get(trackId) ?? { shown: null, similarity: null, candidate: null, streak: 0 };
    this.#state.set(trackId, state);
    const sim = match.similarity ?? -1;
    if (state.shown !== null && match.wallet === state.shown && sim >= this.#threshold - this.#margin) {
      state.similarity = sim;
      state.candidate = null;
      state.streak = 0;
      return { wallet: state.shown, similarity: sim, changed: false };
    }
    const candidate = match.wallet !== null && sim >= this.#threshold ? match.wallet : null;
    if (candidate === state.candidate) state.streak += 1;
    else {
      state.candidate = candidate;
      state.streak = 1;
    }
    // The first name of a new track needs the same agreement as a change.
    const strong = candidate !== null && state.shown === null && sim >= this.#threshold + this.#strongMargin;
    if ((strong || state.streak >= this.#confirmations) && candidate !== state.shown) {
      state.shown = candidate;
      state.similarity = candidate === null ? null : sim;
      state.candidate = null;
      state.streak = 0;
      return { wallet: state.shown, similarity: state.similarity, changed: true };
    }
    return { wallet: state.shown, similarity: state.similarity, changed: false };
  }

  /** Forgets a track. */
  forget(trackId: number): void {
    this.#state.delete(trackId);
  }
}
