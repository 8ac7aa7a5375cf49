import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { progress } from './report.js';

/** Newest modification time (ms) of the files under `dir`, recursively. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds web/dist (both pages: the viewer and latency.html) when latency.html is missing or
 * older than the page sources; vite's output goes to stderr, so stdout keeps only the summary
 * and the JSON line. Used by bench:latency and bench:vision.
 */
export function ensureWebBuilt(root: string, bench: string): void {
  const built = join(root, 'web/dist/latency.html');
  const sources = Math.max(
    newestMtime(join(root, 'web/src')),
    ...['web/index.html', 'web/latency.html', 'web/vite.config.ts'].map((f) => statSync(join(root, f)).mtimeMs),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  progress(bench, 'building web/dist (npx vite build web)');
  execFileSync('npx', ['--no-install', 'vite', 'build', 'web'], { cwd: root, stdio: ['ignore', 2, 2] });
}
