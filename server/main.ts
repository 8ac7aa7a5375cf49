import { parseArgs } from 'node:util';
import { ConfigError } from './config/ConfigError.js';
import { loadConfig } from './config/loadConfig.js';
import { projectRoot } from './config/projectRoot.js';
import { createLogger } from './createLogger.js';
import { Server } from './Server.js';
import { maskSourceUrl } from '../media/camerad/sourceCredentials.js';

/**
 * Entry point: `node dist/server/main.js [--config FILE]` (or `ECS_CONFIG=FILE`).
 * Wiring only: configuration → logger → Server; SIGTERM/SIGINT close it.
 * Exit codes: 0 clean stop, 2 configuration error, 1 start-up failure.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  const file = values.config ?? process.env.ECS_CONFIG;
  let config;
  try {
    config = loadConfig(projectRoot(), file, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`camserver: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.log.level);
  logger.info(
    { origin: config.origin, cameras: config.cameras.map((c) => `${c.id}=${maskSourceUrl(c.source)}`) },
    'configuration loaded',
  );
  const server = await Server.create(config, logger);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'signal received');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`camserver: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
