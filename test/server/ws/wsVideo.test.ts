import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freeUdpPort } from '../../helpers/freePort.js';
import { RawWsClient, type WsMessage, type WsRefusal } from '../../helpers/RawWsClient.js';
import { startTestServer } from '../../helpers/testServer.js';
import { waitFor } from '../../helpers/weriftClient.js';
import { annexB, decodeAnnexB, nalTypes, parseAccessUnit, type ParsedAccessUnit } from '../../helpers/wsVideoStream.js';

const TOKEN = 'a-ws-viewer-token-of-32-characters';

interface ConfigMessage {
  type: string;
  version: number;
  codec: string;
  width: number;
  height: number;
  description: string;
}

function opened(result: RawWsClient | WsRefusal): RawWsClient {
  if (!(result instanceof RawWsClient)) assert.fail(`upgrade refused: ${result.status} ${result.body}`);
  return result;
}

function refused(result: RawWsClient | WsRefusal): WsRefusal {
  if (result instanceof RawWsClient) {
    result.close();
    assert.fail('the upgrade was accepted (101)');
  }
  return result;
}

/** The config message and the access units of a message list, checked for their order. */
function split(messages: readonly WsMessage[]): { config: ConfigMessage; aus: ParsedAccessUnit[] } {
  const first = messages[0];
  assert.equal(first?.kind, 'text', 'the first message is the configuration');
  const config = JSON.parse(first.kind === 'text' ? first.text : '') as ConfigMessage;
  const aus = messages.slice(1).flatMap((m) => (m.kind === 'binary' ? [parseAccessUnit(m.data)] : []));
  return { config, aus };
}

describe('WebSocket video against the real server and camerad (docs/websocket-video.md)', { timeout: 180_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let wsUrl: string;

  before(async () => {
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_WEBSOCKET__MAX_CLIENTS: '12',
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 30, keyframeInterval: 30 },
        // A second camera, whose camerad the test stops.
        { id: 'spare', source: 'test://', width: 160, height: 120, fps: 5 },
      ]),
    });
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
    wsUrl = `${ctx.url}/api/cameras/cam/ws?token=${TOKEN}`;
  });
  after(async () => ctx?.close());

  it('sends the configuration, then access units from a keyframe that GStreamer decodes to the camera’s size', async () => {
    const client = opened(await RawWsClient.open(wsUrl));
    assert.equal(client.headers['x-content-type-options'], 'nosniff', 'the 101 carries the security headers');
    assert.equal(client.headers['referrer-policy'], 'no-referrer');
    await waitFor(() => client.messages.length >= 91, 30_000, '90 access units');
    const status = (await (await fetch(`${ctx.url}/api/status?token=${TOKEN}`)).json()) as {
      cameras: { id: string; ws_viewers: number; viewers: number }[];
    };
    assert.equal(status.cameras[0]!.ws_viewers, 1);
    assert.equal(status.cameras[0]!.viewers, 0, 'WebRTC viewers are counted apart');
    client.close();
    const { config, aus } = split(client.messages.slice(0, 91));
    assert.equal(config.type, 'config');
    assert.equal(config.version, 1);
    assert.match(config.codec, /^avc1\.[0-9a-f]{6}$/);
    assert.deepEqual([config.width, config.height], [320, 240]);
    assert.equal(aus.length, 90);
    assert.ok(aus[0]!.keyframe && nalTypes(aus[0]!).includes(5), 'the first access unit is an IDR');
    for (const au of aus) {
      assert.equal(au.version, 1);
      assert.equal(au.keyframe, nalTypes(au).includes(5), 'the keyframe flag matches the NAL types');
      for (const type of nalTypes(au)) assert.ok(![7, 8, 9].includes(type), 'no SPS, PPS or AUD in access units');
    }
    for (let i = 1; i < aus.length; i += 1) assert.ok(aus[i]!.timestampUs > aus[i - 1]!.timestampUs);
    assert.ok(aus.filter((au) => au.keyframe).length >= 2, 'periodic keyframes (every 30 frames)');
    const decoded = decodeAnnexB(annexB(Buffer.from(config.description, 'base64'), aus), 320, 240);
    assert.equal(decoded.frames, 90, 'every access unit decodes to one picture');
    assert.notDeepEqual(decoded.yuv[0], decoded.yuv[89], 'the picture moves');
  });

  it('lists WebSocket viewers with their counters beside the WebRTC ones', async () => {
    const client = opened(await RawWsClient.open(wsUrl));
    await waitFor(() => client.messages.length >= 10, 30_000, 'access units');
    const body = (await (await fetch(`${ctx.url}/api/cameras/cam/viewers?token=${TOKEN}`)).json()) as {
      viewers: unknown[];
      ws_viewers: { sent: number; queueLimitBytes: number; address: string }[];
    };
    client.close();
    assert.deepEqual(body.viewers, []);
    assert.equal(body.ws_viewers.length, 1);
    assert.ok(body.ws_viewers[0]!.sent >= 9);
    assert.equal(body.ws_viewers[0]!.queueLimitBytes, ctx.config.websocket.queueBytes);
    assert.equal(body.ws_viewers[0]!.address, '127.0.0.1');
    await waitFor(() => ctx.server.wsVideo.viewers('cam').length === 0, 10_000, 'the closed viewer is gone');
  });

  it('refuses before the upgrade, as plain HTTP with {error, field}: no token 401, wrong token 401, foreign Origin or Host 403, unknown camera 404, camera not running 503, unknown path 404', async () => {
    const noToken = refused(await RawWsClient.open(`${ctx.url}/api/cameras/cam/ws`));
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers['www-authenticate'], 'Bearer');
    assert.equal(noToken.headers['x-content-type-options'], 'nosniff');
    assert.equal((JSON.parse(noToken.body) as { field: string }).field, 'authorization');
    const wrong = refused(await RawWsClient.open(`${ctx.url}/api/cameras/cam/ws?token=not-the-token`));
    assert.equal(wrong.status, 401);
    const foreign = refused(await RawWsClient.open(wsUrl, { headers: { Origin: 'https://evil.example' } }));
    assert.equal(foreign.status, 403, foreign.body);
    const foreignHost = refused(await RawWsClient.open(wsUrl, { headers: { Host: 'evil.example' } }));
    assert.equal(foreignHost.status, 403, foreignHost.body);
    const unknown = refused(await RawWsClient.open(`${ctx.url}/api/cameras/nope/ws?token=${TOKEN}`));
    assert.equal(unknown.status, 404);
    assert.deepEqual(JSON.parse(unknown.body), { error: 'unknown camera "nope"', field: 'camera' });
    await ctx.server.cameras.get('spare')!.supervisor.close();
    const notRunning = refused(await RawWsClient.open(`${ctx.url}/api/cameras/spare/ws?token=${TOKEN}`));
    assert.equal(notRunning.status, 503, notRunning.body);
    assert.match(notRunning.headers['retry-after'] ?? '', /^\d+$/);
    const elsewhere = refused(await RawWsClient.open(`${ctx.url}/api/elsewhere?token=${TOKEN}`));
    assert.equal(elsewhere.status, 404, 'an upgrade on another path is answered, not left hanging');
    // A plain GET of the endpoint says what it is.
    const plain = await fetch(wsUrl);
    assert.equal(plain.status, 426);
    assert.equal(plain.headers.get('upgrade'), 'websocket');
    // socket.io still upgrades on the same server (its own path).
    const { io } = await import('socket.io-client');
    const socket = io(ctx.url, {
      transports: ['websocket'],
      auth: { token: TOKEN, cameraId: 'cam' },
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    socket.close();
  });

  it('1,000 connections from one address hit the limits long before 1,000: the socket rate (429 + Retry-After), and the viewer cap per address', async () => {
    // Open and close: the per-address connection rate (limits.socketPerAddress).
    let n = 0;
    let refusal: WsRefusal | undefined;
    for (; n < 1000 && !refusal; n += 1) {
      const result = await RawWsClient.open(wsUrl, { localAddress: '127.0.0.2' });
      if (result instanceof RawWsClient) result.close();
      else refusal = result;
    }
    assert.ok(refusal, 'no refusal in 1,000 connections');
    assert.equal(refusal.status, 429, refusal.body);
    assert.match(refusal.headers['retry-after'] ?? '', /^\d+$/);
    assert.ok(n <= ctx.config.limits.socketPerAddress.points + 1, `refused only at connection ${n}`);
    // Kept open: the viewer cap per address (limits.whepViewersPerAddress).
    const kept: RawWsClient[] = [];
    let capped: WsRefusal | undefined;
    for (let i = 0; i < 1000 && !capped; i += 1) {
      const result = await RawWsClient.open(wsUrl, { localAddress: '127.0.0.3' });
      if (result instanceof RawWsClient) kept.push(result);
      else capped = result;
    }
    for (const client of kept) client.close();
    assert.ok(capped);
    assert.equal(capped.status, 429, capped.body);
    assert.equal(kept.length, ctx.config.limits.whepViewersPerAddress);
  });

  it('caps WebSocket viewers on the server (websocket.maxClients: 503 + Retry-After)', async () => {
    const kept: RawWsClient[] = [];
    let full: WsRefusal | undefined;
    for (const address of ['127.0.0.4', '127.0.0.5']) {
      for (let i = 0; i < 8 && !full; i += 1) {
        const result = await RawWsClient.open(wsUrl, { localAddress: address });
        if (result instanceof RawWsClient) kept.push(result);
        else full = result;
      }
    }
    for (const client of kept) client.close();
    assert.ok(full, 'no refusal');
    assert.equal(kept.length, 12);
    assert.equal(full.status, 503, full.body);
    assert.match(full.headers['retry-after'] ?? '', /^\d+$/);
    await waitFor(() => ctx.server.wsVideo.clients === 0, 10_000, 'the closed viewers are gone');
  });

  it('on shutdown tells its viewers ({type: "close"}) and closes them with 1000', async () => {
    const client = opened(await RawWsClient.open(wsUrl, { localAddress: '127.0.0.6' }));
    await waitFor(() => client.messages.length > 3, 30_000, 'access units');
    await ctx.close();
    await client.closed;
    const last = client.messages.at(-1);
    assert.deepEqual(last, { kind: 'text', text: JSON.stringify({ type: 'close', reason: 'server closing' }) });
    assert.equal(client.closeCode, 1000);
  });
});
