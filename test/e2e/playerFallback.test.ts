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
 * The player that picks (web/src/player/PickingPlayer.ts) against the real server, in Chromium
 * made unable to use UDP for WebRTC (`--webrtc-ip-handling-policy=disable_non_proxied_udp`:
 * no ICE candidate can be gathered, so ICE cannot succeed): the viewer page and the
 * `<edge-camera>` element of another origin give up on WebRTC after `player.webrtcTimeoutMs` and
 * play the next path (the WebSocket path where the server has it, else MJPEG), showing which.
 * A browser without the switch still plays WebRTC.
 */

const TOKEN = 'viewer-token-player-fallback-test';
const CAMERA = 'cam';
const WEBRTC_TIMEOUT_MS = 2000;

describe('player fallback when WebRTC cannot connect (real server, Chromium)', { timeout: 300_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let embed: Awaited<ReturnType<typeof startEmbedPageServer>> | undefined;
  let noUdp: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let normal: Awaited<ReturnType<typeof launchChromium>> | undefined;
  /** The path the fallback must reach: `websocket` when the server serves the WebSocket video path. */
  let expected: string;
  /** Whether the server has `GET /api/webrtc/ice-servers`. */
  let iceRoute: boolean;

  /** The viewer app as the code is now (test/helpers/viewerApp.ts). */
  let webRoot = '';

  before(async () => {
    webRoot = await builtViewerApp();
    embed = await startEmbedPageServer();
    ctx = await startTestServer({
      ECS_SERVER__WEB_ROOT: webRoot,
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_SERVER__CORS_ORIGINS: JSON.stringify([embed.origin]),
      ECS_PLAYER__WEBRTC_TIMEOUT_MS: String(WEBRTC_TIMEOUT_MS),
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: CAMERA, source: 'test://smpte', width: 640, height: 360, fps: 30, bitrateKbps: 800 },
      ]),
    });
    // A plain GET of the WebSocket path: 404 = the server does not have it (then MJPEG is next).
    const probe = await fetch(`${ctx.url}/api/cameras/${CAMERA}/ws?token=${TOKEN}`);
    expected = probe.status === 404 ? 'mjpeg' : 'websocket';
    // Without the ICE-servers route the player reads its 404 as "none", which Chromium logs.
    iceRoute = (await fetch(`${ctx.url}/api/webrtc/ice-servers?token=${TOKEN}`)).status !== 404;
    noUdp = await launchChromium({ extraArgs: ['--webrtc-ip-handling-policy=disable_non_proxied_udp'] });
    normal = await launchChromium();
  });

  after(async () => {
    await noUdp?.close();
    await normal?.close();
    await ctx?.close();
    await embed?.close();
  });

  /**
   * Console errors of a run, less those of routes this server lacks (the WebSocket handshake
   * refused, the ICE-servers 404), which the player handles.
   */
  const unexpected = (errors: string[]): string[] =>
    errors.filter(
      (e) =>
        !(expected !== 'websocket' && /WebSocket connection to .* failed|\/ws\?token=/.test(e)) &&
        !(!iceRoute && /api\/webrtc\/ice-servers/.test(e)),
    );

  /** Frames to wait for: the browser reports one `load` for a whole MJPEG stream, so 1 there (the picture check shows it moves). */
  const minFrames = (): number => (expected === 'mjpeg' ? 1 : 10);

  async function openPage(b: typeof noUdp, url: string): Promise<{ page: Page; errors: string[] }> {
    const context = await b!.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(url);
    return { page, errors };
  }

  it('the status carries player.webrtcTimeoutMs', async () => {
    const body = (await (await fetch(`${ctx!.url}/api/status?token=${TOKEN}`)).json()) as { player: unknown };
    assert.deepEqual(body.player, { webrtcTimeoutMs: WEBRTC_TIMEOUT_MS });
  });

  it('UDP unusable: the viewer page leaves WebRTC after the timeout and plays the next path, shown in the tile', async () => {
    const { page, errors } = await openPage(noUdp, `${ctx!.url}/?token=${TOKEN}`);
    try {
      const r = await pollUntil(
        () => readPlayer(page, CAMERA),
        (p) => p.state === 'connected' && p.framesDecoded >= minFrames(),
        60_000,
        'playing after the fallback',
      );
      assert.equal(r.path, expected);
      assert.equal(r.attempts[0]?.path, 'webrtc', 'WebRTC was tried first');
      assert.match(r.attempts[0]?.error ?? '', /no WebRTC frame within|connection failed|ICE/);
      assert.equal(typeof r.firstFrameMs, 'number');
      assert.ok(r.firstFrameMs! >= WEBRTC_TIMEOUT_MS, 'the first frame came after the WebRTC timeout');
      const tile = page.locator(`#tile-${CAMERA}`);
      assert.equal(await tile.getAttribute('data-path'), expected);
      assert.ok(await tile.locator('[data-role=path]').isVisible(), 'the path badge shows');
      const a = await grabFrame(page, CAMERA);
      await new Promise((res) => setTimeout(res, 1500));
      const b = await grabFrame(page, CAMERA);
      assert.ok(Math.max(...a.std) > 20, 'the picture is not flat');
      assert.ok(thumbDiff(a, b) > 0.5, 'the picture changes');
      assert.deepEqual(unexpected(errors), []);
    } finally {
      await page.context().close();
    }
  });

  it('UDP unusable: <edge-camera> on another origin falls back the same way', async () => {
    const { page, errors } = await openPage(
      noUdp,
      embed!.pageUrl({ server: `${ctx!.url}/`, camera: CAMERA, token: TOKEN }),
    );
    try {
      const r = await pollUntil(
        () => readPlayer(page),
        (p) => p.state === 'connected' && p.framesDecoded >= minFrames(),
        60_000,
        'the element playing after the fallback',
      );
      assert.equal(r.path, expected);
      assert.equal(r.attempts[0]?.path, 'webrtc');
      assert.equal(await page.evaluate(() => document.querySelector('edge-camera')?.dataset.path), expected);
      assert.deepEqual(unexpected(errors), []);
    } finally {
      await page.context().close();
    }
  });

  it('UDP usable: the viewer page plays WebRTC', async () => {
    const { page, errors } = await openPage(normal, `${ctx!.url}/?token=${TOKEN}`);
    try {
      const r = await pollUntil(
        () => readPlayer(page, CAMERA),
        (p) => p.state === 'connected' && p.framesDecoded >= 30,
        60_000,
        'WebRTC playing',
      );
      assert.equal(r.path, 'webrtc');
      assert.deepEqual(r.attempts, [{ path: 'webrtc', error: null }]);
      assert.deepEqual(unexpected(errors), []);
    } finally {
      await page.context().close();
    }
  });

  it('?relay=1: the peer connection is relay-only, and without a TURN server the player falls back', async () => {
    const { page, errors } = await openPage(normal, `${ctx!.url}/?token=${TOKEN}&relay=1`);
    try {
      const policy = await pollUntil(
        () =>
          page.evaluate(
            (id) =>
              (
                window as unknown as {
                  __viewer: { players: Map<string, { pc: RTCPeerConnection | null }> };
                }
              ).__viewer?.players
                .get(id)
                ?.pc?.getConfiguration().iceTransportPolicy ?? null,
            CAMERA,
          ),
        (p) => p !== null,
        30_000,
        'the WebRTC attempt',
      );
      assert.equal(policy, 'relay');
      const r = await pollUntil(
        () => readPlayer(page, CAMERA),
        (p) => p.state === 'connected' && p.path !== 'webrtc',
        60_000,
        'the fallback from a relay-only WebRTC without TURN',
      );
      assert.equal(r.path, expected);
      assert.match(r.attempts[0]?.error ?? '', /no WebRTC frame within/);
      assert.deepEqual(unexpected(errors), []);
    } finally {
      await page.context().close();
    }
  });

  it('sends no DNS query and no packet off the machine', { skip: egressSkip }, () => {
    assertNoEgress();
  });
});
