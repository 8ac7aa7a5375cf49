/**
 * `promise`'s value, or a rejection naming `what` when it has not settled within `timeoutMs`
 * (ms): a hang guard for a wait that has no bound of its own, not a speed bound.
 * @throws Error `timed out after <timeoutMs> ms waiting for <what>`, or `promise`'s own rejection.
 */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
