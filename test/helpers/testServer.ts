import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type ResolvedConfig, loadConfig } from '../../server/config/loadConfig.js';
import { projectRoot } from '../../server/config/projectRoot.js';
import { Server } from '../../server/Server.js';
import { requireCamerad } from './camerad.js';
import { testLogger } from './logger.js';

/**
 * Starts the real server in-process (spawn mode: it runs the real camerad) on an ephemeral
 * HTTP port, with settings given as `ECS_` environment overrides (face analysis is off unless
 * `ECS_VISION__ENABLED` says otherwise). `logger` replaces the silent test logger (tests that read
 * what the server logs).
 */
export async function startTestServer(
  env: Record<string, string>,
  logger: Logger = testLogger,
): Promise<{ server: Server; url: string; config: ResolvedConfig; close: () => Promise<void> }> {
  const runtimeDir = mkdtempSync(join(tmpdir(), 'ecs-run-'));
  const config = loadConfig(projectRoot(), undefined, {
    ECS_SERVER__PORT: '0',
    ECS_CAMERAD__RUNTIME_DIR: runtimeDir,
    // Face analysis costs CPU the media tests measure; the vision tests switch it on.
    ECS_VISION__ENABLED: 'false',
    // Keys and the database of this run only, removed with the runtime folder.
    ECS_STORAGE__DATA_DIR: join(runtimeDir, 'state'),
    ...env,
  });
  // A missing camerad build fails the test here, with the build command, rather than as a camera
  // that never starts.
  if (config.camerad.mode === 'spawn' && config.cameras.length > 0) requireCamerad(config.camerad.binary);
  const server = await Server.create(config, logger);
  return {
    server,
    url: `http://127.0.0.1:${server.port}`,
    config,
    close: async () => {
      await server.close();
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}
