import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { grabFrame, launchChromium, pollUntil, thumbDiff } from '../helpers/browser.js';
import { readPlayer } from '../helpers/playerPage.js';
import { builtViewerApp } from '../helpers/viewerApp.js';
import { freeTcpPort, freeUdpPort } from '../helpers/freePort.js';
import { Janus } from '../helpers/Janus.js';
import { TestNetwork } from '../helpers/TestNetwork.js';
import { startTestServer } from '../helpers/testServer.js';
import { WeriftTestClient, waitFor } from '../helpers/weriftClient.js';

/**
 * Many viewers through Janus (docs/janus.md): a real Janus (Debian 1.1, its own configuration,
 * `token_auth`, in a test network namespace joined to the test's by a veth on 198.18.0.0/15) gets
 * the camera's mountpoint from the server, which forwards the program encode to it over SRTP
 * (Janus is not on loopback); Janus refuses a session without a token and a watch without the
 * mountpoint's pin; after Janus is killed and restarted the server creates the mountpoint again.
 * A second server whose Janus Admin API refuses connections reports it in `outputs.janus` and keeps
 * serving WHEP.
 */

const TOKEN = 'viewer-token-janus-test';
/** outputs.janus.maxTokensPerAddress of this file's server (the page and the tests mint fewer before the last test). */
const TOKENS_PER_ADDRESS = 8;
const CAMERA = 'cam';

interface Grant {
  publicUrl: string;
  token: string;
  mountpoint: number;
  pin: string;
  expires: number;
}

interface JanusStatusBody {
  outputs?: {
    janus?: { state: string; error: string | null; next_retry_ms: number | null; recreations: number; tokens: number };
  };
}

const skip = TestNetwork.skipReason({ chromium: true });

describe('Janus output (real Janus, real server)', { timeout: 300_000, skip }, () => {
  let net: TestNetwork;
  let janus: Janus;
  let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page | undefined;

  const status = async (url: string): Promise<JanusStatusBody> =>
    (await (await fetch(`${url}/api/status?token=${TOKEN}`)).json()) as JanusStatusBody;
  const mint = async (): Promise<{ status: number; body: Grant & { janus?: unknown } }> => {
    const res = await fetch(`${ctx!.url}/api/cameras/${CAMERA}/janus?token=${TOKEN}`, { method: 'POST' });
    return { status: res.status, body: (await res.json()) as Grant };
  };
  /** Mountpoints Janus lists to the Streaming plugin's admin key (private ones included). */
  const listed = async (): Promise<{ id: number; media: { age_ms: number }[] }[]> => {
    const own = `test-${Date.now()}`;
    await janus.addToken(own);
    const reply = await janus.streaming(own, { request: 'list', admin_key: janus.streamingAdminKey });
    return (reply.list ?? []) as { id: number; media: { age_ms: number }[] }[];
  };

  before(async () => {
    net = new TestNetwork('janus');
    const ns = await net.addNamespace('janus');
    const link = await net.link(null, ns);
    // Janus answers ICE checks of the test namespace's own addresses through the link.
    await net.addRoute(ns, 'default', link.a.address);
    janus = await Janus.start(net, ns, { address: link.b.address });
    const webRoot = await builtViewerApp();
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_SERVER__WEB_ROOT: webRoot,
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        {
          id: CAMERA,
          source: 'test://smpte',
          width: 640,
          height: 360,
          fps: 30,
          bitrateKbps: 800,
          keyframeInterval: 30,
        },
      ]),
      ECS_OUTPUTS__JANUS__API_URL: janus.apiUrl,
      ECS_OUTPUTS__JANUS__ADMIN_URL: janus.adminUrl,
      ECS_OUTPUTS__JANUS__ADMIN_SECRET: janus.adminSecret,
      ECS_OUTPUTS__JANUS__STREAMING_ADMIN_KEY: janus.streamingAdminKey,
      ECS_OUTPUTS__JANUS__PUBLIC_URL: janus.apiUrl,
      ECS_OUTPUTS__JANUS__BACKOFF_INITIAL_MS: '200',
      ECS_OUTPUTS__JANUS__BACKOFF_MAX_MS: '1000',
      ECS_OUTPUTS__JANUS__MAX_TOKENS_PER_ADDRESS: String(TOKENS_PER_ADDRESS),
    });
  });

  after(async () => {
    await chromium?.close();
    await ctx?.close();
    await janus?.close();
    await net?.close();
  });

  it('creates the mountpoint in Janus and forwards the camera to it; a viewer gets a token for it', async () => {
    const up = await pollUntil(
      () => status(ctx!.url),
      (s) => s.outputs?.janus?.state === 'up',
      30_000,
      'the Janus forward up',
    );
    assert.equal(up.outputs!.janus!.error, null);
    const grant = await mint();
    assert.equal(grant.status, 200, JSON.stringify(grant.body));
    assert.equal(grant.body.publicUrl, janus.apiUrl);
    assert.match(grant.body.token, /^[0-9a-f]{32}$/);
    assert.match(grant.body.pin, /^[0-9a-f]{32}$/);
    const mountpoints = await pollUntil(
      listed,
      (l) => l.some((m) => m.id === grant.body.mountpoint && m.media[0]!.age_ms < 1000),
      10_000,
      'the mountpoint listed with RTP arriving',
    );
    assert.equal(mountpoints.filter((m) => m.id === grant.body.mountpoint).length, 1);
    // Private: a viewer's token does not list it.
    const seen = await janus.streaming(grant.body.token, { request: 'list' });
    assert.deepEqual(seen.list, []);
    const unknown = await fetch(`${ctx!.url}/api/cameras/nope/janus?token=${TOKEN}`, { method: 'POST' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { field: string }).field, 'camera');
    const anonymous = await fetch(`${ctx!.url}/api/cameras/${CAMERA}/janus`, { method: 'POST' });
    assert.equal(anonymous.status, 401);
  });

  it('Janus refuses a session without a token, and a watch with the mountpoint id but no pin', async () => {
    const noToken = await janus.streaming(undefined, { request: 'list' });
    assert.equal(noToken.error_code, 403, JSON.stringify(noToken));
    const { body } = await mint();
    const noPin = await janus.streaming(body.token, { request: 'watch', id: body.mountpoint });
    assert.ok(typeof noPin.error_code === 'number', JSON.stringify(noPin));
    const wrongPin = await janus.streaming(body.token, { request: 'watch', id: body.mountpoint, pin: 'guess' });
    assert.ok(typeof wrongPin.error_code === 'number', JSON.stringify(wrongPin));
    const watch = await janus.streaming(body.token, { request: 'watch', id: body.mountpoint, pin: body.pin });
    assert.equal(watch.error_code, undefined, JSON.stringify(watch));
  });

  it('Chromium plays the camera through janus.js with a token the server minted: frames decoded, picture changing', async () => {
    // The test namespace's Chromium reaches Janus's link address (its ICE host candidate).
    chromium = await launchChromium({ allowHosts: ['198.18.*'] });
    page = await (await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${ctx!.url}/?token=${TOKEN}`);
    const r = await pollUntil(
      () => readPlayer(page!, CAMERA),
      (p) => p.state === 'connected' && p.framesDecoded >= 10,
      60_000,
      'playing from Janus',
    );
    assert.equal(r.path, 'janus', JSON.stringify(r));
    assert.equal(r.attempts[0]?.path, 'janus');
    const a = await grabFrame(page, CAMERA);
    const b = await pollUntil(
      () => grabFrame(page!, CAMERA),
      (g) => thumbDiff(a, g) > 0.5,
      10_000,
      'the picture changing',
    );
    assert.ok(Math.max(...a.std) > 20, 'the picture is not flat');
    assert.ok(thumbDiff(a, b) > 0.5, 'the picture changes');
    // The viewer is Janus's, not the box's: no WebRTC viewer on the server.
    const viewers = (await (await fetch(`${ctx!.url}/api/cameras/${CAMERA}/viewers?token=${TOKEN}`)).json()) as {
      viewers: unknown[];
    };
    assert.equal(viewers.viewers.length, 0);
  });

  it('Janus killed and restarted: the server creates the mountpoint again and mints tokens for it', async () => {
    const before = (await status(ctx!.url)).outputs!.janus!.recreations;
    const old = (await mint()).body;
    const reconnects = (await readPlayer(page!, CAMERA)).reconnects;
    await janus.restart();
    const restartedAt = Date.now();
    const again = await pollUntil(
      () => status(ctx!.url),
      (s) => s.outputs?.janus?.state === 'up' && s.outputs.janus.recreations > before,
      15_000,
      'the forward up again after the restart',
    );
    assert.ok(again.outputs!.janus!.recreations > before);
    const grant = await mint();
    assert.equal(grant.status, 200);
    assert.notEqual(grant.body.mountpoint, old.mountpoint, 'a new mountpoint');
    await pollUntil(
      listed,
      (l) => l.some((m) => m.id === grant.body.mountpoint && m.media[0]!.age_ms < 1000),
      10_000,
      'the new mountpoint listed with RTP arriving',
    );
    // The token minted before the restart was added again (Janus forgets tokens).
    const reused = await janus.streaming(old.token, { request: 'list' });
    assert.equal(reused.error_code, undefined, JSON.stringify(reused));
    // The page lost its Janus session; it fetches a token and plays from Janus again, no reload.
    await pollUntil(
      () => readPlayer(page!, CAMERA),
      (p) => p.reconnects > reconnects && p.state === 'connected' && p.path === 'janus' && p.framesDecoded >= 10,
      Math.max(0, 10_000 - (Date.now() - restartedAt)),
      'the page playing from Janus again within 10 s of the restart',
    );
  });

  it(`one address gets at most ${TOKENS_PER_ADDRESS} tokens (429 with Retry-After), another still gets one`, async () => {
    // 127.0.0.1 already holds a few (the tests above and the page): mint until refused.
    let refused: Response | undefined;
    for (let i = 0; i <= TOKENS_PER_ADDRESS && !refused; i++) {
      const res = await fetch(`${ctx!.url}/api/cameras/${CAMERA}/janus?token=${TOKEN}`, { method: 'POST' });
      const body = await res.text();
      if (res.status === 429) refused = res;
      else assert.equal(res.status, 200, body);
    }
    assert.ok(refused, `no 429 after ${TOKENS_PER_ADDRESS + 1} tokens`);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 600, `Retry-After ${retryAfter} s (tokenTtlS 600)`);
    const { tokens } = (await status(ctx!.url)).outputs!.janus!;
    assert.equal(tokens, TOKENS_PER_ADDRESS, 'the refused caller holds exactly its bound');
    // Another address has its own budget.
    const other = await postFrom('127.0.0.2', `${ctx!.url}/api/cameras/${CAMERA}/janus?token=${TOKEN}`);
    assert.equal(other, 200);
  });
});

/** POSTs `url` from the local address `localAddress` (another 127.x.y.z); resolves with the status. */
function postFrom(localAddress: string, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Janus Admin API refusing (real server)', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>> | undefined;

  before(async () => {
    const closed = await freeTcpPort();
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([
        { id: CAMERA, source: 'test://smpte', width: 320, height: 180, fps: 15, bitrateKbps: 300 },
      ]),
      ECS_OUTPUTS__JANUS__API_URL: `http://127.0.0.1:${closed}/janus`,
      ECS_OUTPUTS__JANUS__ADMIN_URL: `http://127.0.0.1:${closed}/admin`,
      ECS_OUTPUTS__JANUS__ADMIN_SECRET: 'not-a-real-secret',
      ECS_OUTPUTS__JANUS__PUBLIC_URL: `http://127.0.0.1:${closed}/janus`,
      ECS_OUTPUTS__JANUS__BACKOFF_INITIAL_MS: '200',
      ECS_OUTPUTS__JANUS__BACKOFF_MAX_MS: '2000',
    });
  });

  after(async () => {
    await ctx?.close();
  });

  it('reports the refusal in outputs.janus, retries with backoff, and WHEP viewers still play', async () => {
    type S = Required<JanusStatusBody>['outputs'];
    const read = async (): Promise<S['janus']> =>
      ((await (await fetch(`${ctx!.url}/api/status?token=${TOKEN}`)).json()) as JanusStatusBody).outputs?.janus;
    const first = await pollUntil(read, (j) => j?.state === 'retrying', 10_000, 'retrying');
    assert.match(first!.error ?? '', /ECONNREFUSED/);
    assert.doesNotMatch(JSON.stringify(first), /not-a-real-secret/);
    assert.equal(typeof first!.next_retry_ms, 'number');
    // Backoff: the delay grows (200 ms doubling to 2 s, jitter up to 20 %).
    const later = await pollUntil(read, (j) => (j?.next_retry_ms ?? 0) > 1000, 15_000, 'a longer retry delay');
    assert.equal(later!.state, 'retrying');
    const mint = await fetch(`${ctx!.url}/api/cameras/${CAMERA}/janus?token=${TOKEN}`, { method: 'POST' });
    assert.equal(mint.status, 503);
    assert.ok(mint.headers.get('retry-after'));
    // WebRTC viewers are not disturbed.
    const client = new WeriftTestClient();
    try {
      const res = await fetch(`${ctx!.url}/whep/${CAMERA}?token=${TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: await client.createOffer(),
      });
      assert.equal(res.status, 201);
      await client.setAnswer(await res.text());
      await waitFor(() => client.packets.length > 50, 20_000, 'WHEP RTP');
    } finally {
      await client.close();
    }
  });
});
