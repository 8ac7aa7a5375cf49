import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchChromium, pollUntil } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { freeUdpPort } from '../helpers/freePort.js';
import { collectPageErrors, readPlayer } from '../helpers/playerPage.js';
import { PrefixProxy } from '../helpers/PrefixProxy.js';
import { startTestServer } from '../helpers/testServer.js';
import { builtViewerApp } from '../helpers/viewerApp.js';

/**
 * The viewer page served under a path prefix by a proxy that strips it (`/cam/x` → `/x`,
 * test/helpers/PrefixProxy.ts): every request the page makes (status, WHEP and its Location,
 * ICE servers, session and face panels, socket.io, the WebSocket video, MJPEG) stays under
 * `/cam/`, and the video plays over WebRTC and, forced, over the next paths.
 */

const TOKEN = 'viewer-token-path-prefix-test';
const CAMERA = 'cam';

describe('the viewer page under a path prefix (proxy strips /cam)', { timeout: 300_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let proxy: PrefixProxy | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;

  /** The viewer app as the code is now (test/helpers/viewerApp.ts). */
  let webRoot = '';

  before(async () => {
    webRoot = await builtViewerApp();
    ctx = await startTestServer({
      ECS_SERVER__WEB_ROOT: webRoot,
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/cam/',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: CAMERA, source: 'test://smpte', width: 640, height: 360, fps: 30, bitrateKbps: 800 },
      ]),
    });
    proxy = await PrefixProxy.start(ctx.url, '/cam/');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    await ctx?.close();
  });

  it('plays WebRTC, loads the panels and opens socket.io, all under /cam/', async () => {
    const page = await browser!.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectPageErrors(page);
    try {
      await page.goto(`${proxy!.url}?token=${TOKEN}`);
      const r = await pollUntil(
        () => readPlayer(page, CAMERA),
        (p) => p.state === 'connected' && p.framesDecoded >= 30,
        60_000,
        'WebRTC through the prefix',
      );
      assert.equal(r.path, 'webrtc');
      await pollUntil(
        async () => proxy!.forwarded.filter((p) => p.startsWith('/socket.io/')).length,
        (n) => n > 0,
        30_000,
        'a socket.io request through the prefix',
      );
      assert.ok(
        proxy!.forwarded.some((p) => p.startsWith('/api/session/config')),
        'the session panel asked for its config',
      );
      assert.ok(
        proxy!.forwarded.some((p) => p.startsWith('/whep/')),
        'WHEP went through the prefix',
      );
      assert.deepEqual(proxy!.outside, [], 'no request left the prefix');
      assert.deepEqual(
        errors.filter((e) => !/api\/webrtc\/ice-servers/.test(e)),
        [],
      );
    } finally {
      await page.close();
    }
  });

  it('forced onto MJPEG, the picture comes through the prefix too', async () => {
    const page = await browser!.browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${proxy!.url}?token=${TOKEN}&force=mjpeg`);
      const r = await pollUntil(
        () => readPlayer(page, CAMERA),
        (p) => p.state === 'connected',
        60_000,
        'MJPEG through the prefix',
      );
      assert.equal(r.path, 'mjpeg');
      assert.ok(proxy!.forwarded.some((p) => p.startsWith('/stream?camera=')));
      assert.deepEqual(proxy!.outside, []);
    } finally {
      await page.close();
    }
  });

  it('forced onto the WebSocket path, the upgrade goes through the prefix and WebCodecs plays', async () => {
    const page = await browser!.browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await page.goto(`${proxy!.url}?token=${TOKEN}&force=websocket`);
      const r = await pollUntil(
        () => readPlayer(page, CAMERA),
        (p) => p.state === 'connected' && p.framesDecoded >= 30,
        60_000,
        'the WebSocket path through the prefix',
      );
      assert.equal(r.path, 'websocket');
      assert.ok(proxy!.forwarded.some((p) => p.startsWith(`/api/cameras/${CAMERA}/ws?token=`)));
      assert.deepEqual(proxy!.outside, []);
    } finally {
      await page.close();
    }
  });

  it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
