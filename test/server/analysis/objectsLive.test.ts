import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { ObjectCountsEvent, ServerToClientEvents } from '../../../server/events/EventCatalogue.js';
import { pollUntil } from '../../helpers/browser.js';
import { freeUdpPort } from '../../helpers/freePort.js';
import { startTestServer } from '../../helpers/testServer.js';
import { assertObjectFixturesInstalled, vtestCamera } from './objectFixtures.js';

/**
 * People counted live: the real server plays OpenCV's `vtest.avi` (people walking in a square)
 * with an objects analyzer; `/api/status` shows the counts and an anonymous socket hears
 * `object:counts` (classes, counts and boxes only).
 */
describe('objects analyzer on a live camera', { timeout: 180_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startTestServer>>;
  let socket: Socket<ServerToClientEvents> | undefined;

  before(async () => {
    assertObjectFixturesInstalled();
    ctx = await startTestServer({
      ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
      ECS_CAMERAS: JSON.stringify([vtestCamera('square', [{ type: 'objects', fps: 2, classes: ['person', 'car'] }])]),
    });
  });
  after(async () => {
    socket?.close();
    await ctx?.close();
  });

  it('shows the people counts in /api/status and sends public object:counts events', async () => {
    socket = io(ctx.url, { auth: { cameraId: 'square' }, transports: ['websocket'] });
    const heard: ObjectCountsEvent[] = [];
    socket.on('object:counts', (e) => heard.push(e));
    type Status = { cameras: { id: string; objects?: Record<string, number> }[] };
    const status = await pollUntil(
      async () => (await fetch(`${ctx.url}/api/status`)).json() as Promise<Status>,
      (s) => (s.cameras[0]?.objects?.person ?? 0) >= 2,
      90_000,
      'two or more people counted in /api/status',
    );
    const counts = status.cameras[0]!.objects!;
    console.log({ counts });
    assert.deepEqual(Object.keys(counts).sort(), ['car', 'person']);
    assert.ok(counts.person! <= 12, `at most a dozen people walk through vtest.avi at once, got ${counts.person}`);
    await pollUntil(
      () => Promise.resolve(heard.length),
      (n) => n > 0,
      30_000,
      'an object:counts event',
    );
    const event = heard.find((e) => e.counts.person! >= 1) ?? heard[0]!;
    assert.equal(event.cameraId, 'square');
    assert.ok(event.boxes.every((b) => ['person', 'car'].includes(b.label) && b.box.length === 4));
    assert.deepEqual(
      Object.keys(event).sort(),
      ['at', 'boxes', 'cameraId', 'counts'],
      'nothing but classes, counts, boxes',
    );
    const analysis = (await (await fetch(`${ctx.url}/api/analysis/status`)).json()) as {
      cameras: { analyzers: { type: string; provider: string; frames: number }[] }[];
    };
    const objects = analysis.cameras[0]!.analyzers.find((a) => a.type === 'objects')!;
    assert.equal(objects.provider, 'tfjs:wasm-simd');
    assert.ok(objects.frames >= 1);
  });
});
