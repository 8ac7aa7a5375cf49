/** Display helpers of the session panel. */

/** "7xKX…AsU3": the first and last `keep` characters of a base58 address or signature. */
export function shorten(value: string, keep = 4): string {
  return value.length <= 2 * keep + 1 ? value : `${value.slice(0, keep)}…${value.slice(-keep)}`;
}

/** Local date and time of an ISO 8601 instant ("–" for null, the text itself when unparsable). */
export function formatTime(iso: string | null): string {
  if (iso === null) return '–';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toLocaleString();
}

/** The message of anything thrown: wallet adapter errors often have an empty message but a name. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const field = (err as { field?: unknown }).field;
    const text = err.message || err.name;
    return typeof field === 'string' && field ? `${text} (field: ${field})` : text;
  }
  return String(err);
}
