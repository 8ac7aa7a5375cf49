import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The camerad binary the tests run; CAMERAD_BIN overrides it (e.g. an older build, to compare timings). */
export const CAMERAD =
  process.env.CAMERAD_BIN ?? join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'native/build/camerad');

/** How to build camerad, as the failure message says it. */
export const CAMERAD_BUILD_COMMAND =
  '`cmake -S native -B native/build && cmake --build native/build -j2` (or `npm run build:native`)';

/**
 * The one check every test that needs camerad makes: a missing build fails the test (never
 * skips it), with the build command in the message.
 * @param binary the path the test will run (default {@link CAMERAD}).
 * @returns `binary`.
 * @throws Error naming the path and the build command when the file is absent.
 */
export function requireCamerad(binary: string = CAMERAD): string {
  if (!existsSync(binary)) throw new Error(`${binary} not found: build it first with ${CAMERAD_BUILD_COMMAND}`);
  return binary;
}
