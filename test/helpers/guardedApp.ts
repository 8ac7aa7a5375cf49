import { mkdtempSync, rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import { AccessControl } from '../../server/access/AccessControl.js';
import { accessSettings } from '../../server/access/accessSettings.js';
import { AuditLog } from '../../server/biometrics/AuditLog.js';
import { biometricsMigrations } from '../../server/biometrics/biometricsMigrations.js';
import { configSchema } from '../../server/config/configSchema.js';
import { errorMiddleware } from '../../server/http/errorMiddleware.js';
import { SessionManager } from '../../server/sessions/SessionManager.js';
import { sessionMigrations } from '../../server/sessions/sessionMigrations.js';
import { SessionTokens } from '../../server/sessions/SessionTokens.js';
import { AppDatabase } from '../../server/store/AppDatabase.js';

/** A router-level test app and how to stop it. */
export interface GuardedApp {
  url: string;
  http: HttpServer;
  access: AccessControl;
  close(): Promise<void>;
}

/**
 * Serves routers on 127.0.0.1 behind the production access gate and guards (the access table,
 * real SQLite sessions and audit log in a temporary folder), as `createHttpApp` does, without
 * the rest of the server: for router-level tests.
 * @param settings configuration sections to apply (`server`: tokens, publicUrl, …; `limits`), validated with defaults.
 */
export async function guardedApp(
  routers: readonly Router[],
  settings: Record<string, unknown>,
  logger: Logger,
): Promise<GuardedApp> {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-guarded-'));
  const database = AppDatabase.open(join(dir, 'server.db'), [...sessionMigrations, ...biometricsMigrations], logger);
  const config = configSchema.parse(settings);
  const access = new AccessControl({
    settings: accessSettings(config),
    tokens: new SessionTokens(Buffer.alloc(32, 7), 900),
    sessions: new SessionManager({ database, timeouts: config.auth, logger }),
    roleOf: () => 'user',
    audit: new AuditLog(database),
    logger,
  });
  const app = new Koa();
  app.use(errorMiddleware(logger));
  app.use(access.gate());
  app.use(bodyParser({ enableTypes: ['json'] }));
  access.protect(routers);
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  const http = await new Promise<HttpServer>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = http.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    http,
    access,
    close: async () => {
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
