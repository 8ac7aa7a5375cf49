import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { launchChromium, pollUntil, thumbDiff, grabFrame } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { collectPageErrors, readPlayer, startEmbedPageServer } from '../helpers/playerPage.js';
import { startTestServer } from '../helpers/testServer.js';
import { builtViewerApp } from '../helpers/viewerApp.js';

/**
 * The WebSocket video path in real Chromium, through the `<edge-camera>` element embedded in a
 * page of another origin (web/src/embed/EdgeCamera.ts), against the real server and camerad
 * (a `test://` camera with the latency probe strip, docs/websocket-video.md). To run the same
 * checks against another server, point `VIDEO_SERVER_URL` at it (a folder URL, e.g.
 * `https://127.0.0.1:8443/cam/`, with `VIDEO_SERVER_TOKEN` and `VIDEO_SERVER_CAMERA`), and give
 * it `server.corsOrigins` with the embedding page's origin (printed by the test).
 */

const TOKEN = 'viewer-token-for-ws-tests-0123456789';
/** Frames the WebCodecs path must decode. */
const FRAMES = 300;
/** A decoded probe time must be this close to now (camerad and the page share the clock), ms. */
const PROBE_FRESH_MS = 10_000;

describe('WebSocket video path in Chromium (<edge-camera> on another origin)', { timeout: 300_000 }, () => {
  let embed: Awaited<ReturnType<typeof startEmbedPageServer>>;
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let serverUrl: string;
  let token: string;
  let camera: string;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

  /** The viewer app as the code is now (test/helpers/viewerApp.ts). */
  let webRoot = '';

  before(async () => {
    webRoot = await builtViewerApp();
    embed = await startEmbedPageServer();
    if (process.env.VIDEO_SERVER_URL) {
      serverUrl = process.env.VIDEO_SERVER_URL;
      token = process.env.VIDEO_SERVER_TOKEN ?? '';
      camera = process.env.VIDEO_SERVER_CAMERA ?? 'cam0';
      process.stderr.write(`embedding page origin (add to server.corsOrigins): ${embed.origin}\n`);
    } else {
      server = await startTestServer({
        ECS_SERVER__TOKEN: TOKEN,
        ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
        ECS_SERVER__WEB_ROOT: webRoot,
        ECS_SERVER__CORS_ORIGINS: JSON.stringify([embed.origin, embed.origin.replace('127.0.0.1', 'lan.test')]),
        ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
        ECS_CAMERAS: JSON.stringify([
          { id: 'cam', source: 'test://', width: 640, height: 360, fps: 30, bitrateKbps: 1200, latencyProbe: true },
        ]),
      });
      await server.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
      serverUrl = `${server.url}/`;
      token = TOKEN;
      camera = 'cam';
    }
    // A repeated switch's last value wins: lan.test (a LAN name on plain HTTP) maps to 127.0.0.1.
    browser = await launchChromium({
      extraArgs: ['--host-resolver-rules=MAP lan.test 127.0.0.1 , MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await embed?.close();
  });

  /** Opens the embedding page in a fresh context; returns it with its error list. */
  async function open(force: string, host?: string): Promise<{ page: Page; errors: string[] }> {
    const context = await browser!.browser.newContext({ viewport: { width: 800, height: 600 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(embed.pageUrl({ server: serverUrl, camera, token, force }, host));
    return { page, errors };
  }

  it('WebCodecs (force=websocket): ≥ 300 decoded frames, a detailed, changing picture, path shown, no console error', async () => {
    const { page, errors } = await open('websocket');
    try {
      const r = await pollUntil(
        () => readPlayer(page),
        (p) => p.framesDecoded >= FRAMES,
        60_000,
        `${FRAMES} frames decoded by WebCodecs`,
      );
      assert.equal(r.secure, true, 'loopback is a secure context');
      assert.equal(r.path, 'websocket');
      assert.equal(r.state, 'connected');
      assert.equal(typeof r.firstFrameMs, 'number', 'first-frame time reported');
      assert.equal(
        await page.evaluate(() => document.querySelector('edge-camera')?.getAttribute('data-path')),
        'websocket',
        'the element shows the path',
      );
      const a = await grabFrame(page);
      await new Promise((r) => setTimeout(r, 1000));
      const b = await grabFrame(page);
      for (const c of [0, 1, 2]) assert.ok(a.std[c]! > 20, `channel ${c} is not flat (std ${a.std[c]})`);
      assert.ok(thumbDiff(a, b) > 1, `the picture changes (${thumbDiff(a, b)})`);
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });

  it('MSE (force=mse): fragmented MP4 from the same access units plays', async () => {
    const { page, errors } = await open('mse');
    try {
      const r = await pollUntil(
        () => readPlayer(page),
        (p) => p.framesDecoded >= 90,
        60_000,
        '90 frames through MSE',
      );
      assert.equal(r.path, 'mse');
      assert.equal(r.state, 'connected');
      const a = await grabFrame(page);
      await new Promise((r) => setTimeout(r, 1000));
      const b = await grabFrame(page);
      for (const c of [0, 1, 2]) assert.ok(a.std[c]! > 20, `channel ${c} is not flat (std ${a.std[c]})`);
      assert.ok(thumbDiff(a, b) > 1, 'the picture changes');
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });

  it('a plain-HTTP page (not a secure context: no WebCodecs) plays the WebSocket path through MSE', async () => {
    const { page, errors } = await open('websocket', 'lan.test');
    try {
      const r = await pollUntil(
        () => readPlayer(page),
        (p) => p.framesDecoded >= 60,
        60_000,
        '60 frames on a non-secure page',
      );
      assert.equal(r.secure, false);
      assert.equal(r.webCodecs, false, 'VideoDecoder exists only in secure contexts');
      assert.equal(r.path, 'mse', 'the picker took MSE');
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });

  for (const force of ['websocket', 'mse']) {
    it(`the latency probe decodes the strip of the frames shown on the ${force} path`, async () => {
      const context = await browser!.browser.newContext({ viewport: { width: 800, height: 600 } });
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      try {
        await page.goto(embed.pageUrl({ server: serverUrl, camera, token, force }));
        const probe = await pollUntil(
          () =>
            page.evaluate(() => {
              const el = document.querySelector('edge-camera') as HTMLElement & {
                player: { path: string; latency: { count: number; latest: { captureMs: number } | null } } | null;
              };
              const p = el?.player;
              return {
                path: p?.path ?? null,
                count: p?.latency.count ?? 0,
                captureMs: p?.latency.latest?.captureMs ?? null,
              };
            }),
          (r) => r.count >= 30,
          60_000,
          `30 probes decoded on the ${force} path`,
        );
        assert.equal(probe.path, force);
        const age = Date.now() - probe.captureMs!;
        assert.ok(age >= 0 && age < PROBE_FRESH_MS, `the decoded capture time is now's (${age} ms old)`);
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    });
  }

  it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
