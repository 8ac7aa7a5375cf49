import assert from 'node:assert/strict';
import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { MjpegClient } from '../../../media/mjpeg/MjpegClient.js';
import { mjpegPart } from '../../../media/mjpeg/mjpegPart.js';
import type { MjpegPart } from '../../../media/mjpeg/MjpegTypes.js';
import { waitFor } from '../../helpers/weriftClient.js';
import { MjpegTestClient } from './MjpegTestClient.js';

const BOUNDARY = 'test-boundary-0123';

/** A JPEG-shaped buffer (FF D8 … FF D9) of `bytes` bytes: not a picture, framing is what counts. */
function fakePart(frame: number, bytes: number): MjpegPart {
  const jpeg = Buffer.alloc(bytes, frame & 0xff);
  jpeg[0] = 0xff;
  jpeg[1] = 0xd8;
  jpeg[bytes - 2] = 0xff;
  jpeg[bytes - 1] = 0xd9;
  return mjpegPart(BOUNDARY, {
    variant: 'clean',
    jpeg,
    frame,
    captureTimeMs: Date.now(),
    width: 16,
    height: 16,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real HTTP server on 127.0.0.1 whose every request becomes an MjpegClient. */
describe('MjpegClient over a real HTTP connection', () => {
  let server: Server;
  let url: string;
  const waiting: ((client: MjpegClient, res: ServerResponse) => void)[] = [];
  const closedIds: string[] = [];
  let nextId = 1;

  before(async () => {
    server = createServer((_req, res) => {
      const client = new MjpegClient(res, {
        id: `c${nextId++}`,
        boundary: BOUNDARY,
        queueFrames: 2,
        onClose: ({ id }) => closedIds.push(id),
      });
      waiting.shift()?.(client, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  /** Connects a reader and returns it with the server side's client. */
  async function connect(): Promise<{ reader: MjpegTestClient; client: MjpegClient; res: ServerResponse }> {
    const accepted = new Promise<{ client: MjpegClient; res: ServerResponse }>((resolve) =>
      waiting.push((client, res) => resolve({ client, res })),
    );
    const reader = new MjpegTestClient(url);
    await reader.responded();
    return { reader, ...(await accepted) };
  }

  it('sends the multipart head at once and every part whole and in order to a client that reads', async () => {
    const { reader, client } = await connect();
    try {
      assert.equal(reader.status, 200);
      assert.equal(reader.headers['content-type'], `multipart/x-mixed-replace; boundary=${BOUNDARY}`);
      assert.match(String(reader.headers['cache-control']), /no-store/);
      for (let frame = 1; frame <= 30; frame += 1) {
        client.push(fakePart(frame, 40_000));
        await sleep(5);
      }
      await waitFor(() => reader.count === 30, 5000, '30 parts');
      assert.deepEqual(reader.errors, []);
      assert.deepEqual(
        reader.parts.map((p) => p.frame),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      assert.ok(reader.parts.every((p) => p.bytes === 40_000));
      const stats = client.stats();
      assert.equal(stats.sent, 30);
      assert.equal(stats.dropped, 0);
      assert.ok(stats.maxQueued <= 2);
    } finally {
      reader.close();
    }
  });

  it('a client that does not read: the queue stays within its bound, drops rise, Node holds one part at most', async () => {
    const { reader, client, res } = await connect();
    const partBytes = 64 * 1024;
    const pushed = 400; // 25 MiB: far more than the kernel's socket buffers on loopback
    try {
      reader.pause();
      let maxQueued = 0;
      let maxBuffered = 0;
      for (let frame = 1; frame <= pushed; frame += 1) {
        client.push(fakePart(frame, partBytes));
        maxQueued = Math.max(maxQueued, client.queued);
        maxBuffered = Math.max(maxBuffered, res.writableLength);
        assert.ok(client.queued <= 2, `queue ${client.queued} over its bound at part ${frame}`);
        if (frame % 20 === 0) await sleep(2); // let the kernel take what it takes
      }
      const stats = client.stats();
      assert.equal(stats.maxQueued, 2);
      assert.ok(stats.dropped > 0, 'drops rise');
      assert.equal(stats.sent + stats.dropped + stats.queued, pushed, JSON.stringify(stats));
      // What Node holds beyond the kernel: one part and its HTTP chunk framing.
      assert.ok(maxBuffered <= partBytes + 512, `Node buffered ${maxBuffered} bytes`);
      assert.ok(stats.sent * partBytes < 16 * 1024 * 1024, `sent ${stats.sent} parts to a client that does not read`);
      // Reading again: everything sent arrives whole and in order, then the queue empties.
      reader.resume();
      await waitFor(() => client.queued === 0 && reader.count === client.sent, 10_000, 'the backlog');
      assert.deepEqual(reader.errors, []);
      const frames = reader.parts.map((p) => p.frame);
      assert.ok(
        frames.every((f, i) => i === 0 || f > frames[i - 1]!),
        'frames in order',
      );
      assert.equal(frames.at(-1), pushed, 'the newest part is never the one dropped');
    } finally {
      reader.close();
    }
  });

  it('close() ends the stream with the closing boundary, once', async () => {
    const { reader, client } = await connect();
    client.push(fakePart(1, 1000));
    await waitFor(() => reader.count === 1, 5000, 'one part');
    client.close();
    client.close();
    await waitFor(() => reader.ended, 5000, 'the end of the response');
    assert.equal(closedIds.filter((id) => id === client.id).length, 1);
    assert.ok(client.closed);
    client.push(fakePart(2, 1000)); // ignored
    assert.equal(client.sent, 1);
  });

  it('a client that goes away is closed at once', async () => {
    const { reader, client } = await connect();
    reader.close();
    await waitFor(() => client.closed, 5000, 'the server side to notice');
    assert.ok(closedIds.includes(client.id));
  });

  it('rejects a bad queue bound or boundary', () => {
    const res = {} as ServerResponse;
    assert.throws(() => new MjpegClient(res, { id: 'x', boundary: BOUNDARY, queueFrames: 0 }), TypeError);
    assert.throws(() => new MjpegClient(res, { id: 'x', boundary: 'a b\r\n', queueFrames: 2 }), TypeError);
  });
});
