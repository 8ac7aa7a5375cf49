import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FrameDecoder, FrameKind, encodeFrame } from '../../../media/camerad/FrameDecoder.js';
import { PictureFlag, PictureFormat, decodePicture } from '../../../media/camerad/PictureMessage.js';
import { socketPair, type SocketPair } from '../../helpers/socketPair.js';
import { pictureBytes } from './pictureBytes.js';

/** Picture messages (native/PROTOCOL.md, "Picture messages (kinds 4, 5 and 6)"); vectors built from its header table. */
describe('decodePicture', () => {
  const pairs: SocketPair[] = [];
  after(() => pairs.forEach((p) => p.close()));

  it('over a socketpair: an RGB analysis frame (kind 4) decodes to its header fields and pixels', async () => {
    const pair = await socketPair();
    pairs.push(pair);
    // 2×2 RGB with rows padded to 8 bytes (GStreamer pads rows to 4).
    const data = Buffer.from([255, 0, 0, 0, 255, 0, 9, 9, 0, 0, 255, 1, 2, 3, 9, 9]);
    const payload = pictureBytes({
      format: PictureFormat.rgb24,
      flags: PictureFlag.overlays | PictureFlag.latencyProbe,
      frame: 2 ** 40 + 5, // beyond 32 bits: a u64
      captureTimeUs: 1_733_000_000_123_456,
      width: 2,
      height: 2,
      stride: 8,
      data,
    });
    const frame = new Promise<Buffer>((resolve) => {
      const decoder = new FrameDecoder();
      pair.client.on('data', (chunk: Buffer) => {
        for (const f of decoder.push(chunk)) if (f.kind === FrameKind.analysisFrame) resolve(Buffer.from(f.payload));
      });
    });
    pair.peer.write(encodeFrame(FrameKind.analysisFrame, payload));
    const picture = decodePicture(await frame);
    assert.deepEqual(
      { ...picture, data: [...picture.data] },
      {
        format: PictureFormat.rgb24,
        flags: 3,
        frame: 2 ** 40 + 5,
        captureTimeUs: 1_733_000_000_123_456,
        width: 2,
        height: 2,
        stride: 8,
        requestId: 0,
        data: [...data],
      },
    );
  });

  it('a JPEG grab reply (kind 6) carries its request id; stride 0', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    const picture = decodePicture(
      pictureBytes({ format: PictureFormat.jpeg, width: 640, height: 480, stride: 0, requestId: 77, data: jpeg }),
    );
    assert.equal(picture.requestId, 77);
    assert.equal(picture.format, PictureFormat.jpeg);
    assert.deepEqual([...picture.data], [...jpeg]);
  });

  it('a longer header (a later minor version growing it) is skipped by its length byte', () => {
    const picture = decodePicture(
      pictureBytes({
        format: PictureFormat.jpeg,
        width: 1,
        height: 1,
        stride: 0,
        headerBytes: 48,
        data: Buffer.from([42]),
      }),
    );
    assert.deepEqual([...picture.data], [42]);
  });

  it('refuses a bad magic, another version, sizes that disagree, and RGB rows that do not fit', () => {
    const ok = { format: PictureFormat.rgb24, width: 2, height: 2, stride: 6, data: Buffer.alloc(12) };
    const bad = pictureBytes(ok);
    bad.write('XFRM', 0, 'latin1');
    assert.throws(() => decodePicture(bad), /bad magic/);
    assert.throws(() => decodePicture(Buffer.alloc(10)), /bad magic/);
    assert.throws(() => decodePicture(pictureBytes({ ...ok, version: 2 })), /version 2 is not supported/);
    assert.throws(() => decodePicture(pictureBytes({ ...ok, dataBytes: 13 })), /header says 40 \+ 13/);
    assert.throws(() => decodePicture(pictureBytes({ ...ok, headerBytes: 39 })), RangeError);
    assert.throws(() => decodePicture(pictureBytes({ ...ok, stride: 8 })), /RGB picture 2x2 \(stride 8\) in 12 bytes/);
  });
});
