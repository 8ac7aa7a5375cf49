import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freeUdpPort } from '../../helpers/freePort.js';
import { RawWsClient, type WsRefusal } from '../../helpers/RawWsClient.js';
import { startTestServer } from '../../helpers/testServer.js';
import { waitFor } from '../../helpers/weriftClient.js';
import { annexB, decodeAnnexB, nalTypes, parseAccessUnit, type ParsedAccessUnit } from '../../helpers/wsVideoStream.js';
import type { WsViewerStats } from '../../../media/ws/WsVideoTypes.js';

const TOKEN = 'a-ws-viewer-token-of-32-characters';

/** A camera whose stream (noise at 4000 kbit/s) is eight times what the slow viewer reads. */
const CAMERA = {
  id: 'cam',
  source: 'test://snow',
  width: 640,
  height: 360,
  fps: 30,
  bitrateKbps: 4000,
  keyframeInterval: 30,
};

/** What `GET /api/cameras/:camera/viewers` says of each WebSocket viewer (JSON). */
type ViewerCounters = WsViewerStats;

function opened(result: RawWsClient | WsRefusal): RawWsClient {
  if (!(result instanceof RawWsClient)) assert.fail(`upgrade refused: ${result.status} ${result.body}`);
  return result;
}

async function counters(url: string): Promise<ViewerCounters[]> {
  const res = await fetch(`${url}/api/cameras/cam/viewers?token=${TOKEN}`);
  return ((await res.json()) as { ws_viewers: ViewerCounters[] }).ws_viewers;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function startServer(env: Record<string, string>): Promise<Awaited<ReturnType<typeof startTestServer>>> {
  const ctx = await startTestServer({
    ECS_SERVER__TOKEN: TOKEN,
    ECS_SERVER__PUBLIC_URL: 'http://127.0.0.1/',
    ECS_CAMERAD__RTP_BASE_PORT: String(await freeUdpPort(true)),
    ECS_CAMERAS: JSON.stringify([CAMERA]),
    ...env,
  });
  await ctx.server.cameras.get('cam')!.supervisor.waitRunning(30_000);
  return ctx;
}

describe(
  'a WebSocket viewer reading at 500 kbit/s for 30 s (websocket.queueBytes default)',
  { timeout: 180_000 },
  () => {
    let ctx: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      // Progress of a slow reader shows only when the kernel takes more of what the server
      // wrote; loopback's socket buffers (several MB) hold ~20 s of this stream between two
      // such moments, longer than the default stall timeout. The never-reading case is below.
      ctx = await startServer({ ECS_WEBSOCKET__STALL_TIMEOUT_MS: '120000' });
    });
    after(async () => ctx?.close());

    it('never queues more than its bound, drops more and more, and after each skip gets a keyframe that decodes', async () => {
      const aus: ParsedAccessUnit[] = [];
      let config: { description: string; width: number; height: number } | undefined;
      const client = opened(
        await RawWsClient.open(`${ctx.url}/api/cameras/cam/ws?token=${TOKEN}`, {
          readBytesPerS: 500_000 / 8,
          onMessage: (message) => {
            if (message.kind === 'binary') aus.push(parseAccessUnit(message.data));
            else config ??= JSON.parse(message.text) as typeof config;
          },
        }),
      );
      const samples: ViewerCounters[] = [];
      for (let s = 0; s < 30; s += 1) {
        await sleep(1000);
        const [viewer] = await counters(ctx.url);
        assert.ok(viewer, `the slow viewer is gone after ${s} s`);
        samples.push(viewer);
      }
      const limit = ctx.config.websocket.queueBytes;
      // 1. the bound holds (the server's own counter of the largest queue it had)
      for (const sample of samples) {
        assert.equal(sample.queueLimitBytes, limit);
        assert.ok(sample.maxQueueBytes <= limit, `queue reached ${sample.maxQueueBytes} > ${limit} bytes`);
      }
      const middle = samples[14]!;
      const last = samples.at(-1)!;
      // 2. drops rise: it skips again and again instead of falling further behind
      assert.ok(middle.droppedAccessUnits > 0, 'no drops in the first 15 s');
      assert.ok(last.droppedAccessUnits > middle.droppedAccessUnits, 'drops stopped rising');
      assert.ok(last.skips >= 2, `only ${last.skips} skips`);
      assert.ok(last.maxQueueBytes > limit / 2, 'the queue was under pressure');
      // 3. what it got: the kernel's socket buffers (MBs on loopback) still hold what the server
      //    wrote around the skips; read them out at full speed until it is live again, then look
      //    at what followed each skip. (A keyframe queued after a skip may itself be dropped by
      //    the next overflow before the socket takes it: then the next skip's keyframe carries the flag.)
      const unthrottledAt = Date.now();
      client.unthrottle();
      await waitFor(
        () => (aus.at(-1)?.receivedAtMs ?? 0) > unthrottledAt + 1000,
        60_000,
        'the viewer catching up once it reads at full speed',
      );
      client.close();
      assert.ok(aus[0]!.keyframe && nalTypes(aus[0]!).includes(5));
      const afterSkips = aus.filter((au) => au.discontinuity);
      assert.ok(afterSkips.length >= 1, 'no access unit marked as following a skip');
      for (const au of afterSkips) {
        assert.ok(au.keyframe, 'the first access unit after a skip is flagged keyframe');
        assert.ok(nalTypes(au).includes(5), 'the first access unit after a skip holds an IDR slice');
      }
      // 4. and everything it got decodes, picture for access unit
      assert.ok(config);
      const decoded = decodeAnnexB(annexB(Buffer.from(config.description, 'base64'), aus), 64, 36, true);
      assert.equal(decoded.frames, aus.length);
    });
  },
);

describe('a WebSocket viewer that never reads (websocket.stallTimeoutMs 1000)', { timeout: 180_000 }, () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    ctx = await startServer({
      ECS_WEBSOCKET__STALL_TIMEOUT_MS: '1000',
      ECS_WEBSOCKET__QUEUE_BYTES: String(256 * 1024),
    });
  });
  after(async () => ctx?.close());

  it('is dropped once its queue has overflowed for longer than the stall timeout; a reading viewer keeps playing', async () => {
    const url = `${ctx.url}/api/cameras/cam/ws?token=${TOKEN}`;
    const reader = opened(await RawWsClient.open(url));
    const stalled = opened(await RawWsClient.open(url, { neverRead: true }));
    await waitFor(() => reader.messages.length > 5, 30_000, 'the reading viewer plays');
    const [, stalledId] = (await counters(ctx.url)).map((v) => v.id);
    let seen: ViewerCounters | undefined;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const viewers = await counters(ctx.url);
      const mine = viewers.find((v) => v.id === stalledId);
      if (!mine) break;
      seen = mine;
      assert.ok(Date.now() < deadline, `the stalled viewer is still there: ${JSON.stringify(mine)}`);
      await sleep(250);
    }
    assert.ok(seen, 'the stalled viewer was never listed');
    assert.ok(
      seen.skips >= 1 && seen.droppedAccessUnits > 0,
      `it was dropped without overflowing: ${JSON.stringify(seen)}`,
    );
    assert.ok(seen.maxQueueBytes <= 256 * 1024);
    // The reading viewer is still there and still gets access units.
    const viewers = await counters(ctx.url);
    assert.equal(viewers.length, 1);
    const before = reader.messages.length;
    await waitFor(() => reader.messages.length > before + 10, 10_000, 'the reading viewer keeps playing');
    // The stalled client finds its connection closed once it reads what its kernel holds.
    stalled.resume();
    await stalled.closed;
    reader.close();
  });
});
