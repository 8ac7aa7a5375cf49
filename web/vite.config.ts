import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * Build config for the viewer page. Run from the repo root as
 * `npx vite build web`: Vite then uses `web/` as the root and finds this file.
 * `base: "./"` keeps every asset URL relative so the server may mount the
 * page under any path prefix.
 *
 * Two pages (multi-page build): `index.html`, the viewer, and `latency.html`, the latency
 * probe page used by `npm run bench:latency` (docs/latency-probe.md); and one script with a
 * stable name, `edge-camera.js` (the `<edge-camera>` custom element that pages of other origins
 * load from the server, src/edge-camera.ts). Its chunks load relative to it, so it works under
 * any prefix too.
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
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        latency: resolve(import.meta.dirname, 'latency.html'),
        'edge-camera': resolve(import.meta.dirname, 'src/edge-camera.ts'),
      },
      // Keep the entry's exports: other pages import the element's class from it.
      preserveEntrySignatures: 'exports-only',
      output: {
        entryFileNames: (chunk) => (chunk.name === 'edge-camera' ? 'edge-camera.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
