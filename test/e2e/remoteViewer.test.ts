import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SAMPLE_FOOTAGE, projectRoot } from '../../server/config/projectRoot.js';
import { pollUntil, thumbDiff, grabFrame } from '../helpers/browser.js';
import { assertNoEgress, egressSkip } from '../helpers/egress.js';
import { collectPageErrors, readPlayer } from '../helpers/playerPage.js';
import { createTestKeypair } from '../helpers/testWallet/testKeypair.js';
import { testWalletScript } from '../helpers/testWallet/testWalletScript.js';
import { freeTcpPort, freeUdpPort } from '../helpers/freePort.js';
import { startTestServer } from '../helpers/testServer.js';
import { builtViewerApp } from '../helpers/viewerApp.js';
import { TestNetwork, type Link } from '../helpers/TestNetwork.js';
import { TlsProxy } from '../helpers/TlsProxy.js';

const root = projectRoot();
const TOKEN = 'a-remote-viewer-token-of-32-chars';
const PROXY_PORT = 8443;
/** Frames the fallback path must decode. */
const FRAMES = 300;
const WALLET_NAME = 'ECS Test Wallet';
const SECOND_ORIGIN_PORT = 8444;

const skip = (TestNetwork.skipReason({ nft: true, chromium: true }) ?? TlsProxy.missing()) || egressSkip;

/**
 * Must-show 1 of issue 13: a viewer whose network drops every UDP packet reaches the box only
 * through a TLS reverse proxy (nginx, one HTTPS port, path prefix stripped). Chromium runs in its
 * own network namespace, joined to the server's by a veth pair (198.18.0.0/15) on which nftables
 * drops and counts every UDP packet and counts DNS. The player tries WebRTC (ICE over UDP: the
 * counter rises), falls back to the WebSocket path and plays the sample footage.
 */
describe('a viewer behind a UDP-blocking network, through a TLS reverse proxy', { skip, timeout: 600_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-remote-e2e-'));
  let webRoot = '';
  const net = new TestNetwork('remote');
  let link: Link;
  let viewerNs: string;
  let proxy: TlsProxy;
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Browser;
  const keypair = createTestKeypair();

  /** A fresh page (own context) whose console errors and uncaught exceptions are collected. */
  const newPage = async (): Promise<{ page: Page; errors: string[] }> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    return { page, errors: collectPageErrors(page) };
  };

  /** Waits until the player of `cam` (viewer page) or of `<edge-camera>` decoded FRAMES over the WebSocket path. */
  const playsOverWebSocket = async (page: Page, cameraId?: string) => {
    const r = await pollUntil(
      () => readPlayer(page, cameraId),
      (p) => p.framesDecoded >= FRAMES && p.path !== 'webrtc',
      120_000,
      `${FRAMES} frames decoded after the fallback`,
    );
    const a = await grabFrame(page, cameraId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = await grabFrame(page, cameraId);
    for (const c of [0, 1, 2]) assert.ok(a.std[c]! > 10, `channel ${c} is not flat (std ${a.std[c]})`);
    assert.ok(thumbDiff(a, b) > 1, `the picture changes (${thumbDiff(a, b)})`);
    return r;
  };

  before(async () => {
    webRoot = await builtViewerApp();
    viewerNs = await net.addNamespace('viewer');
    link = await net.link(null, viewerNs);
    // On the box's end of the viewer's only link: count DNS, drop and count every UDP packet.
    await net.filter(link.a, [
      { match: 'udp dport 53', counter: 'dns' },
      { match: 'udp sport 53', counter: 'dns_replies' },
      { match: 'meta l4proto udp', counter: 'udp', verdict: 'drop' },
    ]);
    const httpPort = await freeTcpPort();
    const publicUrl = `https://${link.a.address}:${PROXY_PORT}/cam/`;
    const secondOrigin = `https://${link.a.address}:${SECOND_ORIGIN_PORT}`;
    ctx = await startTestServer({
      ECS_SERVER__PORT: String(httpPort),
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: publicUrl,
      ECS_SERVER__TRUST_PROXY: JSON.stringify(['127.0.0.1']),
      ECS_SERVER__CORS_ORIGINS: JSON.stringify([secondOrigin]),
      ECS_SERVER__WEB_ROOT: webRoot,
      ECS_WEBRTC__ANNOUNCED_ADDRESSES: JSON.stringify([link.a.address]),
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_STORAGE__DATA_DIR: join(dataDir, 'state'),
      ECS_CAMERAS: JSON.stringify([
        {
          id: 'cam',
          source: `file://${join(root, SAMPLE_FOOTAGE)}`,
          width: 640,
          height: 360,
          fps: 25,
          bitrateKbps: 800,
        },
      ]),
    });
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
    proxy = await TlsProxy.start({
      address: link.a.address,
      port: PROXY_PORT,
      prefix: '/cam/',
      upstreamPort: httpPort,
      secondOrigin: { port: SECOND_ORIGIN_PORT, files: { 'index.html': embedPage(publicUrl) } },
    });
    ({ browser } = await net.launchChromium(viewerNs, [`--ignore-certificate-errors-spki-list=${proxy.spkiHash}`]));
  });

  after(async () => {
    await browser?.close();
    await proxy?.close();
    await ctx?.close();
    await net.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the viewer page and the API under the prefix, as a secure context', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${proxy.url}?token=${TOKEN}`);
    const info = await page.evaluate(async (token) => {
      const res = await fetch('api/status', { headers: { authorization: `Bearer ${token}` } });
      return {
        secure: isSecureContext,
        status: res.status,
        body: (await res.json()) as { cameras: { whep: string }[] },
      };
    }, TOKEN);
    assert.equal(info.secure, true, 'the proxied page is a secure context (WebCodecs available)');
    assert.equal(info.status, 200);
    assert.equal(info.body.cameras[0]?.whep, '/cam/whep/cam');
    await page.context().close();
    assert.deepEqual(errors, []);
  });

  it('tries WebRTC (UDP dropped), falls back to the WebSocket path and plays the sample footage', async () => {
    const udpBefore = (await net.counters()).udp?.packets ?? 0;
    const { page, errors } = await newPage();
    try {
      await page.goto(`${proxy.url}?token=${TOKEN}`);
      const r = await playsOverWebSocket(page, 'cam');
      assert.equal(r.path, 'websocket', 'WebCodecs in a secure context');
      assert.equal(r.state, 'connected');
      assert.equal(typeof r.firstFrameMs, 'number', 'the first-frame time is reported');
      assert.ok(
        r.attempts.some((a) => a.path === 'webrtc' && a.error !== null),
        `WebRTC was tried first and failed (${JSON.stringify(r.attempts)})`,
      );
      assert.equal(await page.locator('#tile-cam').getAttribute('data-path'), 'websocket', 'the tile shows the path');
      const udp = (await net.counters()).udp?.packets ?? 0;
      assert.ok(udp > udpBefore, `ICE tried UDP and nftables dropped it (${udpBefore} → ${udp} packets)`);
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });

  it('plays forced onto MSE (fragmented MP4) through the same proxy', async () => {
    const { page, errors } = await newPage();
    try {
      await page.goto(`${proxy.url}?token=${TOKEN}&force=mse`);
      const r = await playsOverWebSocket(page, 'cam');
      assert.equal(r.path, 'mse');
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });

  it('signs in with a wallet and hears socket.io through the same proxy', async () => {
    const { page, errors } = await newPage();
    try {
      await page.addInitScript({ content: await testWalletScript(keypair.seed, WALLET_NAME) });
      await page.goto(`${proxy.url}?token=${TOKEN}`);
      await page.click(`#session button[data-wallet="${WALLET_NAME}"]`);
      await page.locator('#session select[data-role=camera] option[value=cam]').waitFor({ state: 'attached' });
      await page.selectOption('#session select[data-role=camera]', 'cam');
      await page.click('#session [data-action=signin]');
      await page.waitForFunction(
        () => {
          const s = (window as unknown as { __session?: { signedIn: boolean; eventsConnected: boolean } }).__session;
          return s?.signedIn === true && s.eventsConnected === true;
        },
        undefined,
        { timeout: 30_000 },
      );
      // The session ends on the server while the page stays signed in (as the operator's revocation
      // or a timeout would end it): the page hears it on socket.io through the proxy. (The page's
      // own sign-out closes its socket as soon as the server answered, so it may miss the event.)
      const sessionId = await page.evaluate(
        () => (window as unknown as { __session: { session: { id: string } } }).__session.session.id,
      );
      const ended = ctx.server.identity.sessions.end(sessionId, 'ended');
      assert.ok(ended, 'the session was open on the server');
      ctx.server.identity.lifecycle.announceEnded(ended);
      await page.waitForFunction(
        () =>
          (window as unknown as { __session?: { events: { name: string }[] } }).__session?.events.some(
            (e) => e.name === 'session:expired',
          ) === true,
        undefined,
        { timeout: 30_000 },
      );
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });

  it('plays in <edge-camera> embedded in a page of a second origin', async () => {
    const { page, errors } = await newPage();
    try {
      await page.goto(`${proxy.secondOriginUrl}/`);
      const r = await playsOverWebSocket(page);
      assert.equal(r.path, 'websocket');
      assert.equal(await page.locator('edge-camera').getAttribute('data-path'), 'websocket');
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });

  it('sent no DNS query and nothing beyond the test networks', async () => {
    const counters = await net.counters();
    assert.equal(counters.dns?.packets ?? 0, 0, 'no DNS query on the viewer link');
    assertNoEgress();
  });
});

/** The page of a separate web app (the second origin) embedding the player element. */
function embedPage(publicUrl: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>embedded camera</title><link rel="icon" href="data:,">
<script type="module" src="${publicUrl}edge-camera.js"></script></head>
<body><edge-camera server="${publicUrl}" camera="cam" token="${TOKEN}"></edge-camera></body></html>
`;
}
