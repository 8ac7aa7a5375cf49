import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  FrameDecoder,
  FrameKind,
  MAX_FRAME_BYTES,
  encodeFrame,
  type Frame,
} from '../../../media/camerad/FrameDecoder.js';
import { socketPair, type SocketPair } from '../../helpers/socketPair.js';

const text = (frame: Frame): [number, string] => [frame.kind, frame.payload.toString('utf8')];

/** Reads from `pair.client` through a decoder until `count` frames came. */
function readFrames(pair: SocketPair, count: number): Promise<Frame[]> {
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  return new Promise((resolve, reject) => {
    pair.client.on('data', (chunk: Buffer) => {
      try {
        // Copy: a frame's payload is a view into the chunk, which the test keeps past the callback.
        for (const frame of decoder.push(chunk)) frames.push({ kind: frame.kind, payload: Buffer.from(frame.payload) });
      } catch (error) {
        reject(error as Error);
      }
      if (frames.length >= count) resolve(frames);
    });
  });
}

/** Framing of native/PROTOCOL.md ("Framing"): `[u32 length BE][u8 kind][payload]`, length = 1 + payload. */
describe('FrameDecoder', () => {
  const pairs: SocketPair[] = [];
  after(() => pairs.forEach((p) => p.close()));

  it('encodes the header as PROTOCOL.md shows it', () => {
    assert.deepEqual(
      [...encodeFrame(FrameKind.request, Buffer.from('{}'))],
      [0, 0, 0, 3, 1, 0x7b, 0x7d], // length 3 = kind + 2 payload bytes
    );
  });

  it('decodes the same frames at every split point of the stream', () => {
    const stream = Buffer.concat([
      encodeFrame(FrameKind.response, Buffer.from('{"id":1}')),
      encodeFrame(FrameKind.notification, Buffer.alloc(0)),
      encodeFrame(FrameKind.jpeg, Buffer.from([1, 2, 3])),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const frames = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      assert.deepEqual(
        frames.map((f) => [f.kind, [...f.payload]]),
        [
          [FrameKind.response, [...Buffer.from('{"id":1}')]],
          [FrameKind.notification, []],
          [FrameKind.jpeg, [1, 2, 3]],
        ],
        `cut at ${cut}`,
      );
    }
  });

  it('over a socketpair: frames written one byte at a time arrive whole and in order', async () => {
    const pair = await socketPair();
    pairs.push(pair);
    const sent = Array.from({ length: 20 }, (_, i) => encodeFrame(FrameKind.response, Buffer.from(`{"id":${i}}`)));
    const received = readFrames(pair, sent.length);
    const bytes = Buffer.concat(sent);
    for (let i = 0; i < bytes.length; i++) {
      pair.peer.write(bytes.subarray(i, i + 1));
      if (i % 16 === 0) await new Promise((r) => setImmediate(r)); // let the reads interleave with the writes
    }
    const frames = await received;
    assert.deepEqual(
      frames.map(text),
      sent.map((_, i) => [FrameKind.response, `{"id":${i}}`]),
    );
  });

  it('over a socketpair: a 1 MiB frame and small ones written in one go', async () => {
    const pair = await socketPair();
    pairs.push(pair);
    const big = Buffer.alloc(1024 * 1024, 7);
    const received = readFrames(pair, 3);
    pair.peer.write(
      Buffer.concat([
        encodeFrame(FrameKind.notification, Buffer.from('a')),
        encodeFrame(FrameKind.analysisFrame, big),
        encodeFrame(FrameKind.notification, Buffer.from('b')),
      ]),
    );
    const frames = await received;
    assert.deepEqual(
      frames.map((f) => [f.kind, f.payload.length]),
      [
        [FrameKind.notification, 1],
        [FrameKind.analysisFrame, big.length],
        [FrameKind.notification, 1],
      ],
    );
    assert.ok(frames[1]!.payload.equals(big));
  });

  it('refuses a length of 0 or over MAX_FRAME_BYTES (a protocol error), and encodes none over it', () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0, 1])), /invalid frame length 0/);
    const over = Buffer.alloc(5);
    over.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
    assert.throws(() => new FrameDecoder().push(over), /invalid frame length/);
    assert.throws(() => encodeFrame(FrameKind.request, Buffer.alloc(MAX_FRAME_BYTES)), RangeError);
  });
});
