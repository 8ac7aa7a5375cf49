/**
 * Thrown by `SignInChallenges.issue` when the server holds `auth.maxChallenges` challenges and
 * none can be pruned: the HTTP layer answers 503 with `Retry-After: retryAfterS`.
 */
export class ChallengeCapError extends Error {
  override name = 'ChallengeCapError';
  /**
   * @param retryAfterS whole seconds until the oldest outstanding challenge expires (≥ 1).
   */
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}
