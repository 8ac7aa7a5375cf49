import type { IncomingMessage } from 'node:http';
import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type { Logger } from 'pino';
import type { AuditLog } from '../biometrics/AuditLog.js';
import type { SessionManager } from '../sessions/SessionManager.js';
import type { Role } from '../sessions/SessionTypes.js';
import { accessKey, accessRow } from './accessTable.js';
import type { Caller, EntryPoint } from './accessTypes.js';
import { AccessPolicy } from './AccessPolicy.js';
import { CallerResolver } from './CallerResolver.js';
import { OriginPolicy } from './OriginPolicy.js';
import { RateLimits } from './RateLimits.js';
import { ViewerCaps } from './ViewerCaps.js';
import type { AccessSettings } from './accessSettings.js';

/** Response headers on every answer: no referrer (tokens may travel in `?token=`), no framing. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
};

/** What {@link AccessControl} needs. */
export interface AccessControlDeps {
  settings: AccessSettings;
  tokens: ConstructorParameters<typeof CallerResolver>[0]['tokens'];
  sessions: SessionManager;
  /** The role of a wallet at a camera, from the configuration (`Identity.roleOf`). */
  roleOf: (wallet: string, cameraId: string) => Role;
  audit: AuditLog;
  logger: Logger;
}

/**
 * The access model in code (docs/security.md): the request gate (Host, Origin, security
 * headers, the caller resolved once into `ctx.state.caller`), the per-route guard injected from
 * the access table (rate limits, then the requirement, then the audit of admin actions), and the
 * same checks for socket.io connections.
 */
export class AccessControl {
  readonly resolver: CallerResolver;
  readonly policy: AccessPolicy;
  readonly origins: OriginPolicy;
  readonly limits: RateLimits;
  /** WebRTC viewers at once per camera and per address. */
  readonly viewerCaps: ViewerCaps;
  readonly #sessions: SessionManager;
  readonly #audit: AuditLog;
  readonly #logger: Logger;

  constructor(deps: AccessControlDeps) {
    const { settings } = deps;
    this.resolver = new CallerResolver({
      viewerTokens: settings.viewerTokens,
      adminToken: settings.adminToken,
      metricsToken: settings.metricsToken,
      trustProxy: settings.trustProxy,
      roleOf: deps.roleOf,
      tokens: deps.tokens,
      sessions: deps.sessions,
    });
    this.policy = new AccessPolicy({
      viewerTokenSet: settings.viewerTokens.size > 0,
      allowUnauthenticated: settings.allowUnauthenticated,
      requireCheckin: settings.requireCheckin,
    });
    this.origins = new OriginPolicy({ allowedHosts: settings.allowedHosts, allowedOrigins: settings.allowedOrigins });
    this.limits = new RateLimits(settings.limits);
    this.viewerCaps = new ViewerCaps(settings.limits);
    this.#sessions = deps.sessions;
    this.#audit = deps.audit;
    this.#logger = deps.logger.child({ module: 'access' });
  }

  /**
   * The request gate, first after error mapping: security headers, the `Host` and `Origin`
   * checks (403), then the caller into `ctx.state.caller` (and its session into
   * `ctx.state.session`). A session's idle timer is reset only after a successful answer.
   */
  gate(): Middleware {
    return async (ctx: Context, next: Next) => {
      ctx.set(SECURITY_HEADERS);
      this.origins.check(ctx.get('host') || undefined, ctx.get('origin') || undefined, ctx.method);
      const header = ctx.get('authorization');
      const caller = await this.resolver.resolve(ctx.req, {
        bearer: header.startsWith('Bearer ') ? header.slice(7) : '',
        queryToken: typeof ctx.query.token === 'string' ? ctx.query.token : '',
      });
      ctx.state.caller = caller;
      if (caller.session) ctx.state.session = caller.session;
      await next();
      if (caller.session && ctx.status < 400) this.#sessions.touch(caller.session.claims.sid);
    };
  }

  /**
   * Puts the guard of each route's access-table row in front of its handlers.
   * @throws Error naming the route when a route has no row (deny by default: the server does
   *   not start with an undeclared entry point).
   */
  protect(routers: readonly Router[]): void {
    for (const router of routers) {
      for (const layer of router.stack) {
        const methods = layer.methods.filter((m) => m !== 'HEAD');
        if (methods.length === 0) continue; // router.use() middleware, not a route
        const rows = new Map<string, EntryPoint>();
        for (const method of methods) {
          const path = String(layer.path);
          const row = accessRow(method, path);
          if (!row)
            throw new Error(`no access-table row for ${accessKey(method, path)} (server/access/accessTable.ts)`);
          rows.set(method, row);
        }
        layer.stack.unshift(this.#guard(rows));
      }
    }
  }

  #guard(rows: ReadonlyMap<string, EntryPoint>): Middleware {
    return async (ctx: Context, next: Next) => {
      const row = rows.get(ctx.method === 'HEAD' ? 'GET' : ctx.method);
      if (!row) return next();
      const caller = callerOf(ctx);
      const camera = (ctx.params as Record<string, string | undefined> | undefined)?.camera;
      await this.limits.consume(row.rate, caller.address, walletOf(caller));
      this.policy.check(caller, row, camera);
      if (!row.audit) return next();
      try {
        await next();
        this.#auditAdmin(ctx, row, caller, ctx.status < 400 ? 'ok' : 'error');
      } catch (error) {
        this.#auditAdmin(ctx, row, caller, 'error');
        throw error;
      }
    };
  }

  /** Appends an admin action to the audit log with its actor (never a token). */
  #auditAdmin(ctx: Context, row: EntryPoint, caller: Caller, result: 'ok' | 'error'): void {
    const actor = caller.admin ? 'admin:token' : `operator:${caller.session?.claims.wallet ?? 'unknown'}`;
    const action = `admin.${row.method.toLowerCase()}${row.path.replace(/[^A-Za-z0-9]+/g, '.')}`.slice(0, 64);
    try {
      this.#audit.append({ actor, wallet: null, action, result, detail: { path: ctx.path, status: ctx.status } });
    } catch (error) {
      this.#logger.error({ err: error, action }, 'cannot write the audit log');
    }
  }

  /**
   * Admission of a socket.io or WebSocket connection (its upgrade or polling request): `Host`
   * and `Origin` (any foreign origin refused: WebSockets are not covered by CORS), the
   * per-address connection rate, then the caller.
   * @throws HttpError 403 / 429 / 401 as for HTTP routes.
   */
  async admitSocket(req: IncomingMessage, credentials: { bearer: string; queryToken: string }): Promise<Caller> {
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    this.origins.check(req.headers.host, origin, 'GET', true);
    const caller = await this.resolver.resolve(req, credentials);
    await this.limits.consume('socket', caller.address);
    return caller;
  }

  /**
   * Admission of a WebSocket upgrade request for an access-table row (before the upgrade, so a
   * refusal is an ordinary HTTP answer): {@link admitSocket} with the credentials of an HTTP
   * request (`Authorization: Bearer`, or `?token=` for browsers, which cannot set headers on a
   * WebSocket), then the row's requirement for the camera.
   * @throws HttpError 403 (Host, Origin, insufficient credentials), 429 (rate), 401 (none).
   */
  async admitUpgrade(req: IncomingMessage, row: EntryPoint, camera?: string): Promise<Caller> {
    const header = typeof req.headers.authorization === 'string' ? req.headers.authorization : '';
    const query = new URL(req.url ?? '/', 'http://upgrade.invalid').searchParams.get('token') ?? '';
    const caller = await this.admitSocket(req, {
      bearer: header.startsWith('Bearer ') ? header.slice(7, 4096 + 7) : '',
      queryToken: query.slice(0, 4096),
    });
    this.policy.check(caller, row, camera);
    return caller;
  }
}

/** The caller resolved by the gate. @throws Error when the gate did not run (a wiring bug). */
export function callerOf(ctx: Context): Caller {
  const caller = ctx.state.caller as Caller | undefined;
  if (!caller) throw new Error('access gate did not run before this route');
  return caller;
}

/** The wallet a request speaks for: its session's (never one named in a body: anyone can name any wallet). */
function walletOf(caller: Caller): string | undefined {
  return caller.session?.claims.wallet;
}
