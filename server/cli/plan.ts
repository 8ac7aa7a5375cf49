import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cameradArgs } from '../config/cameradArgs.js';
import { ConfigError } from '../config/ConfigError.js';
import { loadConfig } from '../config/loadConfig.js';
import { projectRoot } from '../config/projectRoot.js';

/**
 * `node dist/server/cli/plan.js [--config FILE]`: validates the configuration and writes, for
 * entrypoint.sh, one file per camera holding camerad's argv (binary first, NUL-separated) in
 * the runtime dir. Prints one line per camera: `<id>\t<socket path>\t<argv file>`.
 * Exit code 2 with the setting named on a configuration error.
 */
function plan(): void {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  let config;
  try {
    config = loadConfig(projectRoot(), values.config ?? process.env.ECS_CONFIG, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`camserver: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  mkdirSync(config.camerad.runtimeDir, { recursive: true });
  for (const camera of config.cameras) {
    const file = join(config.camerad.runtimeDir, `camerad-${camera.id}.argv`);
    writeFileSync(file, [config.camerad.binary, ...cameradArgs(camera, config)].join('\0') + '\0');
    process.stdout.write(`${camera.id}\t${camera.socketPath}\t${file}\n`);
  }
}

plan();
