import { defineConfig } from 'vite';

/**
 * Build config for the viewer page. Run from the repo root as
 * `npx vite build web`: Vite then uses `web/` as the root and finds this file.
 * `base: "./"` keeps every asset URL relative so the server may mount the
 * page under any path prefix.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Everything is bundled locally: the page must work on a closed network.
    assetsInlineLimit: 0,
  },
});
