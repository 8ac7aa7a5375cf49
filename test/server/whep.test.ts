import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from '../helpers/testServer.js';
import { WeriftTestClient, waitFor } from '../helpers/weriftClient.js';

const TOKEN = 'a-test-token-of-32-characters-xx';
const ADMIN = 'a-test-admin-token-of-at-least-32-chars';

/** An offer that can only receive VP8 (what a VP8-only player would send). */
const VP8_OFFER = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=recvonly',
  'a=rtcp-mux',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
  'a=setup:actpass',
  'a=rtpmap:96 VP8/90000',
  '',
].join('\r\n');

describe('WHEP over HTTP against the real server and camerad', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let client: WeriftTestClient;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const post = (body: string, type = 'application/sdp', camera = 'cam', headers: Record<string, string> = auth) =>
    fetch(`${ctx.url}/whep/${camera}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });

  before(async () => {
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__ADMIN_TOKEN: ADMIN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_CAMERAD__RTP_BASE_PORT: '16004',
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 15, bitrateKbps: 300 },
      ]),
    });
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
    // A viewer that must keep playing through every bad request below.
    client = new WeriftTestClient();
    const res = await post(await client.createOffer());
    assert.equal(res.status, 201);
    assert.match(res.headers.get('location') ?? '', /^\/whep\/cam\/[0-9a-f-]{36}$/);
    await client.setAnswer(await res.text());
    await waitFor(() => client.packets.length > 10, 30_000, 'RTP at the good viewer');
  });

  after(async () => {
    await client?.close();
    await ctx?.close();
  });

  const expectError = async (res: Response, status: number, pattern: RegExp) => {
    assert.equal(res.status, status);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, pattern);
  };

  it('401 without the token', async () => {
    await expectError(await post('v=0\r\n', 'application/sdp', 'cam', {}), 401, /token/);
    await expectError(await fetch(`${ctx.url}/api/status`), 401, /token/);
    assert.equal((await fetch(`${ctx.url}/api/status?token=${TOKEN}`)).status, 200);
  });

  it('400 for an empty body', async () => expectError(await post(''), 400, /empty body/));

  it('400 for garbage', async () => expectError(await post('hello, this is not SDP'), 400, /v=0/));

  it('422 for an offer with no H.264', async () => expectError(await post(VP8_OFFER), 422, /no H\.264.*VP8/));

  it('415 for a body that is not application/sdp', async () =>
    expectError(await post('{}', 'application/json'), 415, /application\/sdp/));

  it('404 for an unknown camera', async () =>
    expectError(await post(VP8_OFFER, 'application/sdp', 'nope'), 404, /unknown camera/));

  it('404 for DELETE and PATCH of an unknown viewer', async () => {
    await expectError(
      await fetch(`${ctx.url}/whep/cam/00000000-0000-0000-0000-000000000000`, { method: 'DELETE', headers: auth }),
      404,
      /unknown viewer/,
    );
    const patch = await fetch(`${ctx.url}/whep/cam/00000000-0000-0000-0000-000000000000`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/trickle-ice-sdpfrag' },
      body: 'a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host\r\n',
    });
    await expectError(patch, 404, /unknown viewer/);
  });

  it('keeps serving the other viewer, and counts it in /api/status', async () => {
    const count = client.packets.length;
    await waitFor(() => client.packets.length > count + 20, 15_000, 'more RTP after the bad requests');
    const status = (await (await fetch(`${ctx.url}/api/status`, { headers: auth })).json()) as {
      cameras: { viewers: number; encoder: string }[];
    };
    assert.equal(status.cameras[0]!.viewers, 1);
    assert.equal(status.cameras[0]!.encoder, 'x264enc');
  });

  it('serves an OpenAPI document describing every WHEP and status route', async () => {
    const doc = (await (await fetch(`${ctx.url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    assert.match(doc.openapi, /^3\./);
    for (const [path, method] of [
      ['/api/health', 'get'],
      ['/api/status', 'get'],
      ['/whep/{camera}', 'post'],
      ['/whep/{camera}/{viewer}', 'patch'],
      ['/whep/{camera}/{viewer}', 'delete'],
      ['/api/cameras/{camera}/probe', 'post'],
      ['/api/cameras/{camera}/viewers', 'get'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} documented`);
    }
  });

  describe('camera controls', () => {
    const probe = (body: string, camera = 'cam', type = 'application/json') =>
      fetch(`${ctx.url}/api/cameras/${camera}/probe`, {
        method: 'POST',
        headers: { 'content-type': type, authorization: `Bearer ${ADMIN}` },
        body,
      });
    const cameraStatus = async () =>
      (
        (await (await fetch(`${ctx.url}/api/status`, { headers: auth })).json()) as {
          cameras: { latency_probe: boolean | null }[];
        }
      ).cameras[0]!;

    it('switches the latency probe on and off in camerad, reported in /api/status', async () => {
      assert.equal((await cameraStatus()).latency_probe, false);
      const on = await probe('{"enabled": true}');
      assert.equal(on.status, 200);
      assert.deepEqual(await on.json(), { enabled: true });
      // camerad's own report (stats, once a second) says it draws the strip.
      let seen: boolean | null = null;
      const deadline = Date.now() + 10_000;
      while (seen !== true && Date.now() < deadline) {
        seen = (await cameraStatus()).latency_probe;
        if (seen !== true) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(seen, true, 'camerad reports latency_probe: true');
      assert.deepEqual(await (await probe('{"enabled": false}')).json(), { enabled: false });
    });

    it('rejects bad probe requests with 4xx naming the field', async () => {
      await expectError(await probe('{"enabled": "yes"}'), 400, /enabled/);
      await expectError(await probe('{}'), 400, /enabled/);
      await expectError(await probe('{"enabled": true, "colour": 1}'), 400, /colour/);
      await expectError(await probe('{"enabled": true}', 'nope'), 404, /unknown camera "nope"/);
      await expectError(await probe('enabled', 'cam', 'text/plain'), 415, /application\/json/);
      const anonymous = await fetch(`${ctx.url}/api/cameras/cam/probe`, { method: 'POST', body: '{}' });
      assert.equal(anonymous.status, 401);
      // The viewer token watches; it does not switch the probe (an operator action).
      const viewer = await fetch(`${ctx.url}/api/cameras/cam/probe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: '{"enabled": true}',
      });
      assert.equal(viewer.status, 403);
    });

    it('lists the viewers with their counters', async () => {
      const res = await fetch(`${ctx.url}/api/cameras/cam/viewers`, { headers: auth });
      const body = (await res.json()) as { viewers: { state: string; packetsSent: number; replayedPackets: number }[] };
      assert.equal(body.viewers.length, 1);
      assert.equal(body.viewers[0]!.state, 'connected');
      assert.ok(body.viewers[0]!.packetsSent > 10);
      assert.equal((await fetch(`${ctx.url}/api/cameras/nope/viewers`, { headers: auth })).status, 404);
    });
  });
});
