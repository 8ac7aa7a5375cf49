/** An analyzer type cannot run on this server (its models are missing, or what it builds on is off); the message says why. */
export class AnalyzerUnavailableError extends Error {
  override name = 'AnalyzerUnavailableError';
}
