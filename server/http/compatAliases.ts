/**
 * The original system's paths (../shared/design/SEED-API.md) that web front ends were written
 * against, served as aliases of this server's routes: same handler, same access requirement
 * (the access table derives each alias's row from its target's), same status and body. The
 * OpenAPI document lists each with `x-alias-of`.
 */
export interface CompatAlias {
  method: 'GET' | 'POST';
  /** The original's path. */
  path: string;
  /** The route it is an alias of (same method). */
  aliasOf: string;
}

export const COMPAT_ALIASES: readonly CompatAlias[] = [
  { method: 'GET', path: '/health', aliasOf: '/api/health' },
  { method: 'POST', path: '/connect', aliasOf: '/api/session/challenge' },
  { method: 'POST', path: '/enroll_face', aliasOf: '/api/face/enroll' },
  { method: 'POST', path: '/recognize_face', aliasOf: '/api/face/recognize' },
  { method: 'POST', path: '/api/biometric/purge', aliasOf: '/api/biometrics/purge' },
  { method: 'POST', path: '/api/blockchain/checkin', aliasOf: '/api/session/checkin/tx' },
  { method: 'POST', path: '/api/blockchain/checkout', aliasOf: '/api/session/checkout/tx' },
  { method: 'POST', path: '/api/blockchain/submit', aliasOf: '/api/session/submit' },
];

/** The original's test pages; each redirects to the viewer page (query kept). */
export const TEST_PAGES: readonly string[] = ['/test-page', '/local-test'];
