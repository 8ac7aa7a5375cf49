import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from '../helpers/testServer.js';
import { WeriftTestClient, waitFor } from '../helpers/weriftClient.js';

const TOKEN = 'a-test-token-of-32-characters-xx';

/**
 * Behind a reverse proxy that serves the box under `https://name/cam/` and strips `/cam`:
 * requests reach the server without the prefix, and every URL the server generates carries it,
 * so a player that follows them goes back through the proxy.
 */
describe('server.publicUrl with a path prefix', { timeout: 120_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  const auth = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    ctx = await startTestServer({
      ECS_SERVER__TOKEN: TOKEN,
      ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/cam/',
      ECS_CAMERAD__RTP_BASE_PORT: '16044',
      ECS_CAMERAS: JSON.stringify([
        { id: 'cam', source: 'test://', width: 320, height: 240, fps: 15, bitrateKbps: 300 },
      ]),
    });
    await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
  });

  after(async () => {
    await ctx?.close();
  });

  it('names the WHEP endpoint with the prefix in /api/status', async () => {
    const res = await fetch(`${ctx.url}/api/status`, { headers: auth });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { cameras: { id: string; whep: string }[] };
    assert.equal(body.cameras.find((c) => c.id === 'cam')?.whep, '/cam/whep/cam');
  });

  it('gives the WHEP viewer resource a Location under the prefix, which works once the proxy strips it', async () => {
    const client = new WeriftTestClient();
    try {
      const res = await fetch(`${ctx.url}/whep/cam`, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', ...auth },
        body: await client.createOffer(),
      });
      assert.equal(res.status, 201);
      const location = res.headers.get('location') ?? '';
      assert.match(location, /^\/cam\/whep\/cam\/[0-9a-f-]{36}$/);
      await client.setAnswer(await res.text());
      await waitFor(() => client.packets.length > 5, 30_000, 'RTP at the viewer');
      // What the proxy forwards for DELETE https://name/cam/whep/cam/<id>.
      const stripped = location.slice('/cam'.length);
      const del = await fetch(`${ctx.url}${stripped}`, { method: 'DELETE', headers: auth });
      assert.equal(del.status, 200);
    } finally {
      await client.close();
    }
  });

  it('lists the public URL as the OpenAPI server', async () => {
    const doc = (await (await fetch(`${ctx.url}/api/openapi.json`)).json()) as { servers?: { url: string }[] };
    assert.deepEqual(doc.servers, [{ url: 'http://127.0.0.1/cam' }]);
  });
});
