import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { RtpRing } from '../../media/rtp/RtpRing.js';
import { RtpRingReader } from '../../media/rtp/RtpRingReader.js';

/** An RTP packet (RFC 3550 §5.1) with an H.264 payload: `nal` is the first payload byte (RFC 6184 §5.3). */
function rtp(seq: number, timestamp: number, nal: number, size = 200): Buffer {
  const packet = Buffer.alloc(size, seq & 0xff);
  packet[0] = 0x80;
  packet[1] = 96;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(0x11223344, 8);
  packet[12] = nal;
  return packet;
}
const SPS = 0x67;
const SLICE = 0x41;

describe('RtpRing (shared packet ring, GOP cache)', () => {
  it('hands back each packet byte for byte, and forgets lapped ones', () => {
    const ring = new RtpRing(200); // rounded up to 256 slots
    const reader = new RtpRingReader(ring.memory);
    assert.equal(reader.slots, 256);
    for (let i = 0; i < 1000; i++) ring.write(rtp(i, i * 3000, SLICE, 100 + (i % 50)));
    assert.equal(reader.written(), 1000);
    for (const i of [999, 900, 873]) {
      assert.ok(reader.available(i), `packet ${i} available`);
      assert.equal(reader.length(i), 100 + (i % 50));
      assert.deepEqual(reader.packet(i).subarray(0, reader.length(i)), rtp(i, i * 3000, SLICE, 100 + (i % 50)));
    }
    // Only the newest half ring is readable: the writer may be about to reuse older slots.
    assert.ok(!reader.available(871));
    assert.ok(!reader.available(1000), 'not written yet');
  });

  it('remembers where the newest keyframe starts, once per access unit, until it is lapped', () => {
    const ring = new RtpRing(256);
    const reader = new RtpRingReader(ring.memory);
    assert.equal(reader.keyframeIndex(), -1);
    ring.write(rtp(0, 1000, SPS));
    ring.write(rtp(1, 1000, 0x68)); // PPS
    ring.write(rtp(2, 1000, 0x65)); // IDR slice of the same access unit
    ring.write(rtp(3, 4000, SLICE));
    assert.equal(reader.keyframeIndex(), 0);
    assert.equal(ring.keyframes, 1);
    // Parsed once by the writer: which packets start a keyframe, and where payloads begin.
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => reader.startsKeyframe(i)),
      [true, false, true, false],
    );
    assert.equal(reader.headerLength(3), 12);
    ring.write(rtp(4, 7000, SPS));
    assert.equal(reader.keyframeIndex(), 4);
    for (let i = 5; i < 200; i++) ring.write(rtp(i, i * 3000, SLICE));
    assert.equal(reader.keyframeIndex(), -1, 'keyframe older than half a ring is not offered');
  });

  it('drops packets larger than a slot or without a payload, and counts them', () => {
    const ring = new RtpRing(256);
    ring.write(Buffer.alloc(1600));
    ring.write(Buffer.alloc(5));
    assert.equal(ring.dropped, 2);
    assert.equal(ring.written, 0);
  });

  it('delivers every packet in order to another thread that waits on the ring', async () => {
    const ring = new RtpRing(4096); // no slot is reused: this checks hand-off, not lapping
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const control = new Int32Array(workerData.buffer, 0, 16);
      const lengths = new Uint16Array(workerData.buffer, 64, workerData.slots);
      const data = new Uint8Array(workerData.buffer, 64 + workerData.slots * 4);
      let cursor = 0, bad = 0, sum = 0;
      // A pending Atomics.waitAsync does not keep a thread's event loop alive (Node 20-24): without
      // a handle, this thread would exit whenever it catches up with the writer.
      const keepAlive = setInterval(() => {}, 1000);
      (async () => {
        while (cursor < 3000) {
          const r = Atomics.waitAsync(control, 0, cursor, 2000);
          if (r.async) await r.value;
          const written = Atomics.load(control, 0);
          for (; cursor < written; cursor++) {
            const slot = cursor & (workerData.slots - 1);
            const seq = (data[slot * 1500 + 2] << 8) | data[slot * 1500 + 3];
            if (seq !== (cursor & 0xffff) || lengths[slot] !== 100 + (cursor % 7)) bad++;
            sum += lengths[slot];
          }
        }
        clearInterval(keepAlive);
        parentPort.postMessage({ cursor, bad, sum });
      })();
      `,
      { eval: true, workerData: ring.memory },
    );
    const result = new Promise<{ cursor: number; bad: number; sum: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the reader thread exited (${code}) before reading 3000 packets`)),
      );
    });
    let expected = 0;
    for (let i = 0; i < 3000; i++) {
      ring.write(rtp(i, i, SLICE, 100 + (i % 7)));
      expected += 100 + (i % 7);
      // Pauses let the reader catch up, so it also waits on the ring, not only reads a backlog.
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    const got = await result;
    await worker.terminate();
    assert.deepEqual(got, { cursor: 3000, bad: 0, sum: expected });
  });
});
