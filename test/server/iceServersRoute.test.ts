import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { IceServers } from '../../media/sfu/ice/IceServers.js';
import { parseIceServerLinks } from '../../media/whep/iceServerLinks.js';
import type { HttpDeps } from '../../server/http/HttpDeps.js';
import { webrtcRouter } from '../../server/http/routers/webrtcRouter.js';
import { whepRouter } from '../../server/http/routers/whepRouter.js';
import { type GuardedApp, guardedApp } from '../helpers/guardedApp.js';
import { testLogger } from '../helpers/logger.js';

const VIEWER = 'viewer-token-0123456789abcdef';
const SECRET = 'turn-secret-0123456789abcdef';

describe('GET /api/webrtc/ice-servers and the WHEP Link headers', () => {
  let app: GuardedApp;
  before(async () => {
    const deps = {
      iceServers: new IceServers({
        iceServers: [{ urls: 'stun:198.18.1.2:3478' }],
        turn: { secret: SECRET, urls: ['turn:198.18.1.2:3478?transport=udp'], credentialTtlS: 600 },
      }),
    } as Partial<HttpDeps> as HttpDeps;
    app = await guardedApp(
      [webrtcRouter(deps), whepRouter(deps)],
      { server: { token: VIEWER, publicUrl: 'http://127.0.0.1/' } },
      testLogger,
    );
    deps.access = app.access;
  });
  after(() => app.close());

  it('401 without a viewer token: no credential is minted for anonymous callers', async () => {
    const res = await fetch(`${app.url}/api/webrtc/ice-servers`);
    assert.equal(res.status, 401);
    assert.doesNotMatch(await res.text(), /turn:/);
  });

  it('a viewer gets the static servers and a TURN credential minted for its token name, not cached', async () => {
    const res = await fetch(`${app.url}/api/webrtc/ice-servers`, { headers: { authorization: `Bearer ${VIEWER}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as { iceServers: { urls: string[]; username?: string }[]; expiresAt: string };
    assert.equal(body.iceServers.length, 2);
    assert.match(
      body.iceServers[1]!.username!,
      /^\d+:viewer\.default$/,
      'labelled with the token name, never the token',
    );
    assert.ok(Date.parse(body.expiresAt) > Date.now());
    assert.ok(!JSON.stringify(body).includes(VIEWER) && !JSON.stringify(body).includes(SECRET));
  });

  it('OPTIONS /whep: Link headers for a viewer; none for a CORS preflight or an anonymous caller', async () => {
    const viewer = await fetch(`${app.url}/whep/cam`, {
      method: 'OPTIONS',
      headers: { authorization: `Bearer ${VIEWER}` },
    });
    assert.equal(viewer.status, 204);
    assert.equal(viewer.headers.get('accept-post'), 'application/sdp');
    const servers = parseIceServerLinks(viewer.headers.get('link'));
    assert.deepEqual(
      servers.map((s) => s.urls),
      ['stun:198.18.1.2:3478', 'turn:198.18.1.2:3478?transport=udp'],
    );
    assert.match(servers[1]!.username!, /:viewer\.default$/);
    const anonymous = await fetch(`${app.url}/whep/cam`, { method: 'OPTIONS' });
    assert.equal(anonymous.status, 204);
    assert.equal(anonymous.headers.get('link'), null);
    const preflight = await fetch(`${app.url}/whep/cam?token=${VIEWER}`, {
      method: 'OPTIONS',
      headers: { 'access-control-request-method': 'POST', origin: 'http://127.0.0.1' },
    });
    assert.equal(preflight.headers.get('link'), null);
  });
});
