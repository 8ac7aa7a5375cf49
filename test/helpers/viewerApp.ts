import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'vite';
import { projectRoot } from '../../server/config/projectRoot.js';

/** Files outside web/ that the page imports (types and constants shared with the server). */
const SHARED_SOURCES = [
  'media/camera/CameraTypes.ts',
  'server/chain/chainTypes.ts',
  'server/events/EventCatalogue.ts',
  'server/sessions/SessionTypes.ts',
];

/** Files of `dir` (recursively), sorted, skipping `skip` folder names. */
function filesOf(dir: string, skip: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesOf(path, skip));
    else if (entry.isFile()) out.push(path);
  }
  return out.sort();
}

/**
 * The viewer app (web/) as it is now, built by Vite into a folder of the system's temp
 * directory named by a SHA-256 of its sources (web/ without dist, the lock file, and the
 * files it imports from media/ and server/): the end-to-end tests use what the code is,
 * not a possibly stale web/dist, and test files of one run share one build instead of each
 * making its own (each costs tens of seconds on two cores).
 * @returns the folder to serve (`ECS_SERVER__WEB_ROOT`)
 */
export async function builtViewerApp(): Promise<string> {
  const root = projectRoot();
  const hash = createHash('sha256');
  const sources = [
    ...filesOf(join(root, 'web'), new Set(['dist', 'node_modules'])),
    join(root, 'package-lock.json'),
    ...SHARED_SOURCES.map((file) => join(root, file)),
  ];
  for (const file of sources) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  const dir = join(tmpdir(), `ecs-web-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'index.html')) && statSync(dir).isDirectory()) return dir;
  const staging = `${dir}.${process.pid}.tmp`;
  await build({
    configFile: join(root, 'web/vite.config.ts'),
    build: { outDir: staging, emptyOutDir: true },
    logLevel: 'warn',
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}
