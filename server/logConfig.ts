import { z } from 'zod';

/**
 * The `log` section of the configuration (server/config/configSchema.ts plugs `logSchema` in):
 * the server's pino logger (server/createLogger.ts) and camerad's `--log-level`.
 */
export const logSchema = z
  .strictObject({
    level: z
      .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal'])
      .default('info')
      .describe(
        'Least severe log level written (pino JSON lines on stdout; camerad gets the nearest of its own levels).',
      ),
  })
  .prefault({});

/** The `log` section after validation and defaults. */
export type LogConfig = z.infer<typeof logSchema>;
