/**
 * Cosine similarity of two embeddings, −1..1 (1: same direction). For the L2-normalised
 * embeddings of {@link FaceEmbedder} it is their dot product; this computes the general form so
 * that stored vectors need not be normalised.
 * @throws TypeError when the lengths differ or either vector is zero.
 */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new TypeError(`a and b differ in length (${a.length}, ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) throw new TypeError('a and b must be non-zero vectors');
  return dot / Math.sqrt(na * nb);
}
