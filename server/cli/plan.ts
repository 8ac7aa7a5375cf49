import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePrivateDir, writePrivateFile } from '../../media/core/privateFiles.js';
import { cameradArgs, cameradSourceFile } from '../config/cameradArgs.js';
import { ConfigError } from '../config/ConfigError.js';
import { loadConfig } from '../config/loadConfig.js';
import { projectRoot } from '../config/projectRoot.js';

/**
 * `node dist/server/cli/plan.js [--config FILE]`: validates the configuration and writes, for
 * entrypoint.sh, two files per camera in the runtime folder (made 0700): camerad's argv (binary
 * first, NUL-separated; no secret in it) and the source file it names (`--source-file`), both
 * mode 0600. Prints one line per camera: `<id>\t<socket path>\t<argv file>`.
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
  try {
    ensurePrivateDir(config.camerad.runtimeDir, 'camerad.runtimeDir');
  } catch (error) {
    process.stderr.write(`camserver: configuration error: ${(error as Error).message}\n`);
    process.exit(2);
  }
  for (const camera of config.cameras) {
    writePrivateFile(cameradSourceFile(camera, config.camerad.runtimeDir), `${camera.source}\n`);
    const file = join(config.camerad.runtimeDir, `camerad-${camera.id}.argv`);
    writePrivateFile(file, [config.camerad.binary, ...cameradArgs(camera, config)].join('\0') + '\0');
    process.stdout.write(`${camera.id}\t${camera.socketPath}\t${file}\n`);
  }
}

plan();
