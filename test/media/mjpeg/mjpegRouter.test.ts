import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Mjpeg, createMjpeg } from '../../../media/mjpeg/createMjpeg.js';
import { mjpegSchema } from '../../../media/mjpeg/mjpegConfig.js';
import { mjpegPaths } from '../../../server/http/openapiMjpeg.js';
import { mjpegRouter } from '../../../server/http/routers/mjpegRouter.js';
import { type GuardedApp, guardedApp } from '../../helpers/guardedApp.js';
import { testLogger } from '../../helpers/logger.js';
import { waitFor } from '../../helpers/weriftClient.js';
import { FakeStillCamera } from './FakeStillCamera.js';
import { MjpegTestClient } from './MjpegTestClient.js';

const TOKEN = 'an-mjpeg-test-token-0123456789ab';

describe('mjpegRouter (Koa, fake cameras)', () => {
  const front = new FakeStillCamera('front');
  const back = new FakeStillCamera('back');
  let mjpeg: Mjpeg;
  let app: GuardedApp;
  let base: string;
  const readers: MjpegTestClient[] = [];

  before(async () => {
    mjpeg = createMjpeg({
      cameras: new Map([
        ['front', front],
        ['back', back],
      ]),
      config: mjpegSchema.parse({ maxClients: 3 }),
      disableDelayMs: 50,
      logger: testLogger,
    });
    app = await guardedApp([mjpegRouter({ mjpeg })], { server: { token: TOKEN } }, testLogger);
    base = app.url;
  });

  after(async () => {
    for (const reader of readers) reader.close();
    await mjpeg.close();
    await app.close();
  });

  const open = async (path: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => {
    const reader = new MjpegTestClient(`${base}${path}`, { headers });
    readers.push(reader);
    await reader.responded();
    return reader;
  };
  const closeAll = async () => {
    for (const reader of readers.splice(0)) reader.close();
    await waitFor(() => mjpeg.clients === 0, 2000, 'no clients');
    await waitFor(() => mjpeg.stats().hubs.every((h) => !h.enabled), 2000, 'every variant off');
  };

  it('401 without the token; ?token= works (for <img> tags)', async () => {
    const res = await fetch(`${base}/mjpeg-stream`);
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { error: string }).error, /token/);
    const reader = await open(`/mjpeg-stream?token=${TOKEN}`, {});
    assert.equal(reader.status, 200);
    await closeAll();
  });

  it('serves the clean picture of the first camera by default, the overlays one with faces and on /stream', async () => {
    const calls = front.calls.length;
    const plain = await open('/stream');
    const clean = await open('/mjpeg-stream?camera=front');
    const faces = await open('/mjpeg-stream-with-faces');
    for (const reader of [plain, clean, faces]) {
      assert.equal(reader.status, 200);
      assert.match(
        String(reader.headers['content-type']),
        /^multipart\/x-mixed-replace; boundary=ecs-mjpeg-[0-9a-f]{24}$/,
      );
      assert.equal(reader.headers['cache-control'], 'no-store, no-cache, must-revalidate, max-age=0');
    }
    await waitFor(() => mjpeg.hub('front', 'overlays')!.enabled, 2000, 'overlays on');
    assert.deepEqual(
      front.calls.slice(calls).map((c) => [c.variant, c.enabled, c.fps, c.quality]),
      [
        ['overlays', true, 15, 80],
        ['clean', true, 15, 80],
      ],
    );
    front.emit('clean', 3000);
    front.emit('overlays', 4000);
    back.emit('clean', 5000); // nobody watches the back camera
    await waitFor(() => plain.count === 1 && clean.count === 1 && faces.count === 1, 2000, 'one still each');
    assert.equal(plain.parts[0]!.bytes, 4000, '/stream is the overlays picture');
    assert.equal(clean.parts[0]!.bytes, 3000);
    assert.equal(faces.parts[0]!.bytes, 4000);
    assert.deepEqual(back.calls, []);
    const stats = mjpeg.stats();
    assert.equal(stats.clients, 3);
    const front_clean = stats.hubs.find((h) => h.camera === 'front' && h.variant === 'clean')!;
    assert.equal(front_clean.clients, 1);
    assert.equal(front_clean.clientStats[0]!.sent, 1);
    const api = await fetch(`${base}/api/mjpeg`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(((await api.json()) as { clients: number }).clients, 3);
    await closeAll();
  });

  it('404 for an unknown camera, 400 for two', async () => {
    const res = await fetch(`${base}/mjpeg-stream?camera=nope`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'unknown camera "nope"', field: 'camera' });
    const two = await fetch(`${base}/stream?camera=front&camera=back`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(two.status, 400);
  });

  it('503 while the camera is not running', async () => {
    back.running = false;
    try {
      const res = await fetch(`${base}/stream?camera=back`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.deepEqual(await res.json(), { error: 'camera "back" is not running', field: 'camera' });
    } finally {
      back.running = true;
    }
  });

  it('503 with Retry-After beyond maxClients; a client that leaves makes room at once', async () => {
    await open('/stream');
    await open('/stream?camera=back');
    const third = await open('/mjpeg-stream-with-faces?camera=back');
    const refused = mjpeg.stats().refused;
    const res = await fetch(`${base}/stream`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 503);
    assert.equal(mjpeg.stats().refused, refused + 1, 'the refusal counted (the metric)');
    assert.equal(res.headers.get('retry-after'), '5');
    assert.match(((await res.json()) as { error: string }).error, /too many MJPEG clients \(3\)/);
    third.close();
    await waitFor(() => mjpeg.clients === 2, 2000, 'the client to leave');
    const again = await open('/stream');
    assert.equal(again.status, 200);
    await closeAll();
  });

  it('HEAD answers the stream head without a stream', async () => {
    const res = await fetch(`${base}/mjpeg-stream`, { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^multipart\/x-mixed-replace; boundary=/);
    assert.equal(mjpeg.clients, 0);
  });

  it('the OpenAPI paths describe exactly the routes served', () => {
    const router = mjpegRouter({ mjpeg });
    const served = router.stack.flatMap((layer) =>
      layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path}`),
    );
    const documented = Object.entries(mjpegPaths).flatMap(([path, item]) =>
      Object.keys(item as object).map((m) => `${m.toUpperCase()} ${path}`),
    );
    assert.deepEqual(served.sort(), documented.sort());
  });
});
