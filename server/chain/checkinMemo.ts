/**
 * The memo text of a check-in/check-out transaction: `mmoment:<kind>:<cameraId>:<nonce>`, utf8,
 * carried by an SPL Memo v3 instruction (https://spl.solana.com/memo) whose signer is the user.
 * Camera ids are `[a-zA-Z0-9_-]{1,32}` (configSchema), nonces alphanumeric, so `:` separates.
 */
export interface CheckinMemo {
  kind: 'checkin' | 'checkout';
  cameraId: string;
  nonce: string;
}

const MEMO_PATTERN = /^mmoment:(checkin|checkout):([a-zA-Z0-9_-]{1,32}):([a-zA-Z0-9]{8,64})$/;

/** Formats the memo text, e.g. `mmoment:checkin:front-door:5Hq…`. */
export function formatCheckinMemo(memo: CheckinMemo): string {
  return `mmoment:${memo.kind}:${memo.cameraId}:${memo.nonce}`;
}

/** Parses a memo text; null when it is not a check-in/check-out memo. */
export function parseCheckinMemo(text: string): CheckinMemo | null {
  const m = MEMO_PATTERN.exec(text);
  if (!m) return null;
  return { kind: m[1] as CheckinMemo['kind'], cameraId: m[2]!, nonce: m[3]! };
}
