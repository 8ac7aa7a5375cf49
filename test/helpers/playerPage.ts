import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import type { FrameGrab } from './browser.js';

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

/**
 * Measures the picture of the element that plays (the visible video, canvas or img of the
 * `<edge-camera>` shadow root, or of the viewer page's camera tile): per-channel mean and
 * standard deviation, and a 32×18 thumbnail.
 */
export async function grabPlayer(page: Page, cameraId?: string): Promise<FrameGrab> {
  return page.evaluate((id) => {
    const root: ParentNode | null = id ? document : (document.querySelector('edge-camera')?.shadowRoot ?? null);
    const sel = id ? `#video-${id}, #canvas-${id}, #img-${id}` : 'video, canvas, img';
    const el = [...(root?.querySelectorAll<HTMLVideoElement | HTMLCanvasElement | HTMLImageElement>(sel) ?? [])].find(
      (e) => !e.hidden,
    );
    if (!el) throw new Error('no visible player element');
    const w =
      el instanceof HTMLVideoElement ? el.videoWidth : el instanceof HTMLImageElement ? el.naturalWidth : el.width;
    const h =
      el instanceof HTMLVideoElement ? el.videoHeight : el instanceof HTMLImageElement ? el.naturalHeight : el.height;
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    ctx.drawImage(el, 0, 0);
    const data = ctx.getImageData(0, 0, w, h).data;
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      for (let c = 0; c < 3; c++) {
        sum[c]! += data[i + c]!;
        sq[c]! += data[i + c]! * data[i + c]!;
      }
    }
    const mean = sum.map((s) => s / n) as [number, number, number];
    const std = sq.map((s, c) => Math.sqrt(Math.max(0, s / n - mean[c]! * mean[c]!))) as [number, number, number];
    const small = document.createElement('canvas');
    small.width = 32;
    small.height = 18;
    const sctx = small.getContext('2d', { willReadFrequently: true })!;
    sctx.drawImage(el, 0, 0, 32, 18);
    return { mean, std, thumb: Array.from(sctx.getImageData(0, 0, 32, 18).data) };
  }, cameraId ?? null);
}

/** Collects console errors and uncaught page errors of `page` (a test asserts the list stays empty). */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}
