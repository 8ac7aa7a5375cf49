import Router from '@koa/router';
import type { Context } from 'koa';
import { ChallengeCapError } from '../../chain/ChallengeCapError.js';
import type { SessionChain, SessionRoutes } from '../../sessions/SessionRoutes.js';
import type { SessionView } from '../../sessions/SessionTypes.js';
import { HttpError } from '../HttpError.js';
import { parseJsonBody } from '../parseJsonBody.js';
import { sessionOf } from '../sessionAuth.js';
import {
  challengeBody,
  checkinBody,
  checkoutBody,
  endBody,
  purgeBody,
  refreshBody,
  signinBody,
  submitBody,
} from './sessionBodies.js';

/** The on-chain half, present when `chain.rpcUrl` is configured. */
export type SessionChainDeps = SessionChain;

/** What the session routes need (built by server/wiring/createIdentity.ts). */
export type SessionRouterDeps = SessionRoutes;

/**
 * Wallet sessions and on-chain check-in (`/api/session/*`), and the biometric purge:
 * - `GET /config` → chain settings the page needs.
 * - `POST /challenge` `{wallet, cameraId?}` → a Sign-In With Solana message to sign, naming the
 *   configured domain and URI (never the request's Host); 503 + `Retry-After` when the server
 *   holds `auth.maxChallenges` challenges.
 * - `POST /signin` `{message, signature}` → session token, refresh token, session.
 *   Both check `Origin` when sent: its host must be the SIWS domain, or the origin one of
 *   `server.corsOrigins`; else 403 (field `origin`), nothing stored.
 * - `POST /refresh` `{refreshToken}` → the same, rotated. A spent token ends its session (401).
 * - `GET /` → the caller's session; `GET /active` → open sessions (operator: all at the camera).
 * - `POST /end` `{sessionId?}` → ends the caller's session (the operator may end any at the camera).
 * - `POST /checkin/tx` `{showName, keepEnrolment}`, `POST /checkout/tx` → a transaction to sign.
 * - `POST /submit` `{transaction}` → relays it, waits for confirmation, applies it.
 * - `POST /api/biometrics/purge` `{wallet?}` → deletes a wallet's biometric data and key.
 * - `GET /api/biometric/status` → what the box holds for the caller's wallet: kinds, counts,
 *   bytes, creation and expiry times (ISO 8601), packages, whether a key exists; never the data.
 */
export function sessionRouter(deps: SessionRouterDeps): Router {
  const router = new Router();
  const issueTokens = async (
    session: SessionView,
    refreshToken: string,
    refreshExpiresAt: number,
  ): Promise<Record<string, unknown>> => {
    const { token, expiresAt } = await deps.tokens.issue({
      sid: session.id,
      wallet: session.wallet,
      cameraId: session.cameraId,
      role: session.role,
    });
    return {
      token,
      tokenExpiresAt: new Date(expiresAt).toISOString(),
      refreshToken,
      refreshExpiresAt: new Date(refreshExpiresAt).toISOString(),
      session,
    };
  };
  /** 403 unless the request's Origin (when sent) is the SIWS domain's or an allowed origin. */
  const checkOrigin = (ctx: Context): void => {
    const origin = ctx.get('origin');
    if (origin === '') return;
    if (deps.corsOrigins.includes(origin)) return;
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    const { domain } = deps.site();
    if (host === undefined || host !== domain) {
      throw new HttpError(
        403,
        `sign-in from origin ${JSON.stringify(origin.slice(0, 200))} refused: the page must be served from ${domain}`,
        'origin',
      );
    }
  };
  const chainOf = (): SessionChainDeps => {
    if (!deps.chain) throw new HttpError(503, 'chain not configured on this server: set chain.rpcUrl', 'chain');
    return deps.chain;
  };

  router.get('/api/session/config', (ctx) => {
    ctx.body = {
      chainEnabled: deps.chain !== undefined,
      cluster: deps.cluster,
      chainId: `solana:${deps.cluster}`,
      cameraAddress: deps.chain?.cameraAddress ?? null,
      operatorWallet: deps.operatorWallet ?? null,
      requireCheckin: deps.requireCheckin,
      cameras: deps.cameraIds,
    };
  });

  router.post('/api/session/challenge', (ctx) => {
    checkOrigin(ctx);
    const body = parseJsonBody(ctx, challengeBody);
    const cameraId = body.cameraId ?? deps.cameraIds[0];
    if (cameraId === undefined || !deps.cameraIds.includes(cameraId)) {
      throw new HttpError(404, `unknown camera "${body.cameraId}"`, 'cameraId');
    }
    try {
      ctx.body = deps.challenges.issue({ wallet: body.wallet, cameraId });
    } catch (error) {
      if (!(error instanceof ChallengeCapError)) throw error;
      ctx.set('Retry-After', String(error.retryAfterS));
      throw new HttpError(503, error.message);
    }
  });

  router.post('/api/session/signin', async (ctx) => {
    checkOrigin(ctx);
    const body = parseJsonBody(ctx, signinBody);
    const { wallet, cameraId } = deps.challenges.verify(body);
    const opened = deps.sessions.signIn(cameraId, wallet, deps.roleOf(wallet, cameraId));
    ctx.body = await issueTokens(opened.session, opened.refreshToken, opened.refreshExpiresAt);
  });

  router.post('/api/session/refresh', async (ctx) => {
    const body = parseJsonBody(ctx, refreshBody);
    const next = deps.sessions.refresh(body.refreshToken);
    if (!next.ok && next.reason === 'reused') {
      deps.lifecycle.refreshReused(next.ended);
      throw new HttpError(401, 'refresh token already used: the session is ended, sign in again', 'refreshToken');
    }
    if (!next.ok) throw new HttpError(401, 'refresh token unknown, used or expired: sign in again', 'refreshToken');
    // The role as configured now (the stored one is from sign-in).
    const role = deps.roleOf(next.session.wallet, next.session.cameraId);
    ctx.body = await issueTokens({ ...next.session, role }, next.refreshToken, next.refreshExpiresAt);
  });

  router.get('/api/session', (ctx) => {
    ctx.body = { session: sessionOf(ctx).session };
  });

  router.get('/api/session/active', (ctx) => {
    const { claims } = sessionOf(ctx);
    const sessions =
      claims.role === 'operator'
        ? deps.sessions.listOpen(claims.cameraId)
        : deps.sessions.listOpen(claims.cameraId, claims.wallet);
    ctx.body = { cameraId: claims.cameraId, sessions };
  });

  router.post('/api/session/end', (ctx) => {
    const { claims } = sessionOf(ctx);
    const body = parseJsonBody(ctx, endBody);
    const id = body.sessionId ?? claims.sid;
    const target = deps.sessions.get(id);
    if (!target) throw new HttpError(404, `unknown session "${id}"`, 'sessionId');
    const mayEnd =
      target.wallet === claims.wallet && target.cameraId === claims.cameraId
        ? true
        : claims.role === 'operator' && target.cameraId === claims.cameraId;
    if (!mayEnd) throw new HttpError(403, 'that session belongs to another wallet', 'sessionId');
    const ended = deps.sessions.end(id, 'ended');
    if (!ended) throw new HttpError(409, 'session already ended', 'sessionId');
    deps.lifecycle.announceEnded(ended);
    ctx.body = { session: ended.session };
  });

  const buildTx = (kind: 'checkin' | 'checkout') => async (ctx: Context) => {
    const { claims, session } = sessionOf(ctx);
    const chain = chainOf();
    // A check-in carries the consent; a check-out's body must be empty.
    const consent = kind === 'checkin' ? parseJsonBody(ctx, checkinBody) : undefined;
    if (kind === 'checkout') parseJsonBody(ctx, checkoutBody);
    if (kind === 'checkin' && session.checkedIn)
      throw new HttpError(409, 'already checked in: check out first', 'session');
    if (kind === 'checkout' && !session.checkedIn) throw new HttpError(409, 'not checked in', 'session');
    ctx.body = await chain.transactions.build({ kind, wallet: claims.wallet, cameraId: claims.cameraId, consent });
  };
  router.post('/api/session/checkin/tx', buildTx('checkin'));
  router.post('/api/session/checkout/tx', buildTx('checkout'));

  router.post('/api/session/submit', async (ctx) => {
    const { claims } = sessionOf(ctx);
    const chain = chainOf();
    const body = parseJsonBody(ctx, submitBody);
    const relayed = await chain.relay.submit({
      transaction: body.transaction,
      wallet: claims.wallet,
      cameraId: claims.cameraId,
    });
    // The watcher is the one path from chain to sessions; poll now rather than at its next tick.
    await chain.watcher.pollNow();
    const session = deps.sessions.openFor(claims.cameraId, claims.wallet) ?? deps.sessions.get(claims.sid) ?? null;
    ctx.body = { ...relayed, session };
  });

  router.post('/api/biometrics/purge', (ctx) => {
    const { claims } = sessionOf(ctx);
    const body = parseJsonBody(ctx, purgeBody);
    const wallet = body.wallet ?? claims.wallet;
    if (wallet !== claims.wallet && claims.role !== 'operator') {
      throw new HttpError(403, "only the operator may purge another wallet's data", 'wallet');
    }
    const actor = `${claims.role}:${claims.wallet}`;
    ctx.body = { wallet, ...deps.purge(wallet, actor) };
  });

  router.get('/api/biometric/status', (ctx) => {
    const { claims } = sessionOf(ctx);
    const held = deps.holdings(claims.wallet);
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      wallet: claims.wallet,
      kinds: held.kinds.map((k) => ({
        kind: k.kind,
        count: k.count,
        bytes: k.bytes,
        firstCreatedAt: iso(k.firstCreatedAt),
        lastCreatedAt: iso(k.lastCreatedAt),
        nextExpiresAt: iso(k.nextExpiresAt),
      })),
      packages: held.packages,
      key: held.key,
    };
  });
  return router;
}
