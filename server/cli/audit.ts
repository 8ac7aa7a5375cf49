import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../biometrics/AuditLog.js';
import { biometricsMigrations } from '../biometrics/biometricsMigrations.js';
import { ConfigError } from '../config/ConfigError.js';
import { loadConfig } from '../config/loadConfig.js';
import { projectRoot } from '../config/projectRoot.js';
import { AppDatabase } from '../store/AppDatabase.js';

const USAGE = 'usage: audit verify [--data-dir DIR]';

/** The database file inside the data directory (as the server names it). */
const DATABASE_FILE = 'server.db';

/**
 * `node --import tsx server/cli/audit.ts verify [--data-dir DIR]` (npm script `audit:verify`):
 * re-checks the biometric audit log's hash chain in `<DIR>/server.db` (DIR defaults to
 * `storage.dataDir` of the normal configuration: `ECS_CONFIG` and the `ECS_` variables).
 * Safe while the server runs (WAL: a second connection only reads).
 *
 * Prints one line. Exit codes: 0 the chain verifies; 1 it does not (the line names the first
 * bad seq and why); 2 usage or configuration error, or no database in DIR.
 */
function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    process.stderr.write(`audit: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'verify') {
    process.stderr.write(
      `audit: expected the command "verify"${positionals.length ? `, got "${positionals.join(' ')}"` : ''}\n${USAGE}\n`,
    );
    return 2;
  }

  let dataDir = values['data-dir'];
  if (dataDir === undefined) {
    try {
      dataDir = loadConfig(projectRoot(), process.env.ECS_CONFIG, process.env).storage.dataDir;
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`audit: configuration error: ${error.message} (or pass --data-dir)\n`);
        return 2;
      }
      throw error;
    }
  }
  const file = join(dataDir, DATABASE_FILE);
  // AppDatabase.open would create an empty database: a wrong folder must not "verify".
  if (!existsSync(file)) {
    process.stderr.write(`audit: no database at ${file}\n`);
    return 2;
  }

  const database = AppDatabase.open(file, biometricsMigrations);
  try {
    const result = new AuditLog(database).verify();
    if (result.ok) {
      process.stdout.write(
        `audit log OK: ${result.rows} entries verified, head ${result.head ?? '(empty)'} (${file})\n`,
      );
      return 0;
    }
    process.stdout.write(
      `audit log BROKEN at seq ${result.firstBadSeq}: ${result.reason} (${result.rows} entries verified before it; ${file})\n`,
    );
    return 1;
  } finally {
    database.close();
  }
}

process.exitCode = main(process.argv.slice(2));
