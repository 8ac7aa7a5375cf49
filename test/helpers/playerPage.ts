import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

/**
 * Helpers for browser tests of the player that picks (web/src/player/): the custom element
 * embedded in a page of another origin, its test hooks, and the picture of whichever element
 * plays.
 */

/** What a test reads of a player (`PickingPlayer`): the hooks documented in web/README.md. */
export interface PlayerReading {
  state: string;
  path: string | null;
  framesDecoded: number;
  firstFrameMs: number | null;
  reconnects: number;
  lastError: string | null;
  attempts: { path: string; error: string | null }[];
  secure: boolean;
  webCodecs: boolean;
}

/** Attributes of the embedded `<edge-camera>`. */
export interface EmbedAttributes {
  server: string;
  camera: string;
  token?: string;
  force?: string;
  relay?: boolean;
}

/**
 * A tiny static server on 127.0.0.1 (another port: another origin) whose `/` is a page
 * embedding `<edge-camera>` with the attributes of the query (`server`, `camera`, `token`,
 * `force`, `relay`) and the script `<server>edge-camera.js`. `close()` is idempotent.
 */
export async function startEmbedPageServer(): Promise<{
  origin: string;
  pageUrl: (a: EmbedAttributes, host?: string) => string;
  close: () => Promise<void>;
}> {
  const esc = (s: string): string => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
  const http = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const server = q.get('server') ?? '';
    const attrs = ['server', 'camera', 'token', 'force']
      .filter((k) => q.get(k))
      .map((k) => `${k}="${esc(q.get(k)!)}"`)
      .concat(q.get('relay') ? ['relay'] : [])
      .join(' ');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html><head><meta charset="utf-8"><title>embed</title><link rel="icon" href="data:,">` +
        `<script type="module" src="${esc(new URL('edge-camera.js', server).href)}"></script></head>` +
        `<body style="margin:0"><edge-camera ${attrs} style="width:640px"></edge-camera></body></html>`,
    );
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  let closed = false;
  return {
    origin: `http://127.0.0.1:${port}`,
    pageUrl: (a, host = '127.0.0.1') => {
      const u = new URL(`http://${host}:${port}/`);
      for (const [k, v] of Object.entries(a)) if (v !== undefined && v !== false) u.searchParams.set(k, String(v));
      return u.href;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * Reads the player of `<edge-camera>` (no `cameraId`) or of the viewer page's camera
 * (`window.__viewer.players.get(cameraId)`).
 */
export async function readPlayer(page: Page, cameraId?: string): Promise<PlayerReading> {
  return page.evaluate((id) => {
    type P = Omit<PlayerReading, 'secure' | 'webCodecs'>;
    const w = window as unknown as { __viewer?: { players: Map<string, P> } };
    const el = document.querySelector('edge-camera') as (HTMLElement & { player: P | null }) | null;
    const p = id ? w.__viewer?.players.get(id) : el?.player;
    return {
      state: p?.state ?? 'none',
      path: p?.path ?? null,
      framesDecoded: p?.framesDecoded ?? 0,
      firstFrameMs: p?.firstFrameMs ?? null,
      reconnects: p?.reconnects ?? 0,
      lastError: p?.lastError ?? null,
      attempts: p ? p.attempts.map((a) => ({ path: a.path, error: a.error })) : [],
      secure: window.isSecureContext,
      webCodecs: 'VideoDecoder' in window,
    };
  }, cameraId ?? null);
}

/** Collects console errors and uncaught page errors of `page` (a test asserts the list stays empty). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}
