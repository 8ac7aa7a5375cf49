/** An enrolled wallet as the gallery holds it while the user is checked in. */
export interface GalleryEntry {
  wallet: string;
  /** L2-normalised embeddings (`Float32Array` of the embedder's length, 512 for ArcFace-style models). */
  embeddings: Float32Array[];
  /** The user's check-in consent: overlays show their name only when true. */
  showName: boolean;
}

/** Dot product of two L2-normalised vectors = their cosine similarity, -1..1. */
function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * One camera's gallery: the embeddings of its checked-in, enrolled users, in memory only (the
 * only copy at rest is the encrypted one in the biometric vault). A user enters it at check-in
 * (decrypted from the vault) or at enrolment, and leaves it at check-out or purge.
 */
export class FaceGallery {
  readonly #entries = new Map<string, GalleryEntry>();

  /** Number of wallets in the gallery. */
  get size(): number {
    return this.#entries.size;
  }

  /** Adds or replaces a wallet's entry. @throws RangeError when embeddings differ in length. */
  set(entry: GalleryEntry): void {
    const length = entry.embeddings[0]?.length;
    if (entry.embeddings.some((e) => e.length !== length)) throw new RangeError('embeddings differ in length');
    this.#entries.set(entry.wallet, { ...entry, embeddings: [...entry.embeddings] });
  }

  get(wallet: string): GalleryEntry | undefined {
    return this.#entries.get(wallet);
  }

  /** Removes a wallet. @returns whether it was there. */
  delete(wallet: string): boolean {
    return this.#entries.delete(wallet);
  }

  clear(): void {
    this.#entries.clear();
  }

  wallets(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * The wallet whose closest embedding is most similar to `embedding` (cosine similarity,
   * both L2-normalised), or `{wallet: null, similarity: null}` for an empty gallery. No
   * threshold here: the caller's hysteresis decides.
   */
  best(embedding: Float32Array): { wallet: string | null; similarity: number | null } {
    let wallet: string | null = null;
    let similarity: number | null = null;
    for (const entry of this.#entries.values()) {
      for (const e of entry.embeddings) {
        if (e.length !== embedding.length) continue;
        const s = dot(e, embedding);
        if (similarity === null || s > similarity) {
          similarity = s;
          wallet = entry.wallet;
        }
      }
    }
    return { wallet, similarity };
  }
}
