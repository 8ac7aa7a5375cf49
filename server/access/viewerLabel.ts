import { createHash } from 'node:crypto';
import type { Caller } from './accessTypes.js';

/**
 * Who a caller is, as a short label for places outside the server that must tell viewers apart
 * without learning a credential: coturn's log shows it as the TURN user of a minted credential
 * (media/sfu/ice/TurnCredentials.ts). Never a token.
 * @returns `viewer.<token name>`, `admin`, `wallet.<base58 wallet>`, or `addr.<16 hex of SHA-256 of the address>`
 *   for a local or unauthenticated viewer
 */
export function viewerLabel(caller: Caller): string {
  if (caller.viewer !== null) return `viewer.${caller.viewer}`;
  if (caller.admin) return 'admin';
  if (caller.session !== null) return `wallet.${caller.session.claims.wallet}`;
  return `addr.${createHash('sha256').update(caller.address).digest('hex').slice(0, 16)}`;
}
