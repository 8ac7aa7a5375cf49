import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io } from 'socket.io-client';
import { freeUdpPort } from '../helpers/freePort.js';
import { rawHttp } from '../helpers/rawHttp.js';
import { dumpDatabase } from '../helpers/sqliteDump.js';
import { startTestServer } from '../helpers/testServer.js';

const APP_ORIGIN = 'https://app.example.org';
const WALLET = '7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU';

/** Connects a socket.io client with the given headers; resolves `connected` or the refusal's message. */
function socketOutcome(url: string, headers: Record<string, string>, auth: Record<string, string> = {}) {
  return new Promise<string>((resolve) => {
    const socket = io(url, { transports: ['websocket'], reconnection: false, extraHeaders: headers, auth });
    const done = (outcome: string): void => {
      socket.disconnect();
      resolve(outcome);
    };
    socket.once('connect', () => done('connected'));
    socket.once('connect_error', (error) => done(`refused: ${error.message}`));
  });
}

describe('Host, Origin and the loopback rule against the real server (no viewer token)', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let hostHeader: string;
  before(async () => {
    ctx = await startTestServer({
      ECS_SERVER__CORS_ORIGINS: JSON.stringify([APP_ORIGIN]),
      // A tunnel publishes the box under this name; the Host check lets it through, the loopback rule must not.
      ECS_SERVER__ALLOWED_HOSTS: JSON.stringify(['cam.example.org']),
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([{ id: 'cam', source: 'test://', width: 320, height: 240, fps: 10 }]),
    });
    hostHeader = new URL(ctx.url).host;
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
  });
  after(async () => ctx?.close());

  it('a spoofed Host (DNS rebinding) is refused on the page, the API, MJPEG and socket.io', async () => {
    for (const path of ['/', '/api/status', '/api/health', '/mjpeg-stream', '/api/openapi.json']) {
      const res = await rawHttp(`${ctx.url}${path}`, { headers: { host: 'evil.example' } });
      assert.equal(res.status, 403, `${path}: ${res.status}`);
      assert.match(res.text, /host \\"evil.example\\" is not served here/);
    }
    assert.match(await socketOutcome(ctx.url, { host: 'evil.example' }), /^refused/);
    // Loopback names are always served.
    for (const host of [hostHeader, `localhost:${new URL(ctx.url).port}`]) {
      assert.equal((await rawHttp(`${ctx.url}/api/status`, { headers: { host } })).status, 200, host);
    }
  });

  it('a state-changing request from an origin not listed gets 403 and stores nothing; a listed one gets CORS', async () => {
    const db = ctx.server.identity.database;
    const before = dumpDatabase(db);
    const body = JSON.stringify({ wallet: WALLET });
    const foreign = await rawHttp(`${ctx.url}/api/session/challenge`, {
      method: 'POST',
      headers: { host: hostHeader, origin: 'https://evil.example', 'content-type': 'application/json' },
      body,
    });
    assert.equal(foreign.status, 403, foreign.text);
    assert.match(foreign.text, /origin \\"https:\/\/evil.example\\" is not allowed/);
    assert.equal(foreign.headers['access-control-allow-origin'], undefined);
    // text/plain is a CORS "simple" request: the browser sends it without a preflight.
    const simple = await rawHttp(`${ctx.url}/api/session/challenge`, {
      method: 'POST',
      headers: { host: hostHeader, origin: 'https://evil.example', 'content-type': 'text/plain' },
      body,
    });
    assert.equal(simple.status, 403);
    assert.equal(dumpDatabase(db), before, 'a refused request changed the database');

    const listed = await rawHttp(`${ctx.url}/api/session/challenge`, {
      method: 'POST',
      headers: { host: hostHeader, origin: APP_ORIGIN, 'content-type': 'application/json' },
      body,
    });
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.headers['access-control-allow-origin'], APP_ORIGIN);
    // A GET from a foreign page executes (it changes nothing) but gets no CORS grant to read it.
    const read = await rawHttp(`${ctx.url}/api/health`, {
      headers: { host: hostHeader, origin: 'https://evil.example' },
    });
    assert.equal(read.headers['access-control-allow-origin'], undefined);
    // WebSockets are not covered by CORS: a foreign origin is refused outright; a listed one connects.
    assert.match(await socketOutcome(ctx.url, { origin: 'https://evil.example' }), /^refused/);
    assert.equal(await socketOutcome(ctx.url, { origin: APP_ORIGIN }), 'connected');
  });

  it('every answer forbids framing and referrers', async () => {
    for (const path of ['/', '/api/health', '/api/nope']) {
      const res = await rawHttp(`${ctx.url}${path}`);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', path);
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/, path);
    }
  });

  it('loopback is not trusted when the request came through a tunnel or proxy', async () => {
    // Local: loopback address and loopback Host, no forwarding header.
    assert.equal((await rawHttp(`${ctx.url}/api/status`, { headers: { host: hostHeader } })).status, 200);
    // A tunnel agent on the box: loopback address, the public name in Host.
    const tunnel = await rawHttp(`${ctx.url}/api/status`, { headers: { host: 'cam.example.org' } });
    assert.equal(tunnel.status, 401, tunnel.text);
    // A proxy on the box that keeps Host but says who the client is.
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'cf-connecting-ip']) {
      const proxied = await rawHttp(`${ctx.url}/mjpeg-stream`, {
        headers: { host: hostHeader, [header]: header === 'forwarded' ? 'for=203.0.113.9' : '203.0.113.9' },
      });
      assert.equal(proxied.status, 401, `${header}: ${proxied.status}`);
    }
    const whep = await rawHttp(`${ctx.url}/whep/cam`, {
      method: 'POST',
      headers: { host: 'cam.example.org', 'content-type': 'application/sdp' },
      body: 'v=0\r\n',
    });
    assert.equal(whep.status, 401);
    // Anonymous sockets through the tunnel hear nothing: refused.
    assert.match(await socketOutcome(ctx.url, { host: 'cam.example.org' }), /^refused: this needs/);
    assert.equal(await socketOutcome(ctx.url, {}), 'connected');
  });
});

describe('allowUnauthenticated opens watching to everyone, and nothing else', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    ctx = await startTestServer({
      ECS_SERVER__ALLOW_UNAUTHENTICATED: 'true',
      ECS_SERVER__ALLOWED_HOSTS: JSON.stringify(['cam.example.org']),
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([{ id: 'cam', source: 'test://', width: 320, height: 240, fps: 10 }]),
    });
  });
  after(async () => ctx?.close());

  it('a tunnel client may watch but not administer', async () => {
    const status = await rawHttp(`${ctx.url}/api/status`, { headers: { host: 'cam.example.org' } });
    assert.equal(status.status, 200);
    const probe = await rawHttp(`${ctx.url}/api/cameras/cam/probe`, {
      method: 'POST',
      headers: { host: 'cam.example.org', 'content-type': 'application/json' },
      body: '{"enabled": true}',
    });
    assert.equal(probe.status, 401);
  });
});
