import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AU_HEADER_BYTES,
  WsProtocolError,
  encodeAccessUnit,
  parseAccessUnit,
  parseTextMessage,
} from '../../web/src/player/wsProtocol.js';
import { videoSocketUrl } from '../../web/src/player/VideoSocket.js';

/**
 * The page's side of the WebSocket video protocol (docs/websocket-video.md, protocol 1): the
 * config and close text messages and the 20-byte access-unit header.
 */

/** avcC of x264's constrained baseline 640×360 (SPS 67 42 c0 1e …, PPS 68 ce 3c 80), from test/helpers/h264AccessUnits.ts. */
const AVCC = Uint8Array.from([
  0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x0c, 0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02, 0x80, 0xbf, 0xe5, 0xc0, 0x5a,
  0x83, 0x01, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80,
]);
const config = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({
    type: 'config',
    version: 1,
    codec: 'avc1.42c01e',
    width: 640,
    height: 360,
    description: Buffer.from(AVCC).toString('base64'),
    ...over,
  });

describe('WebSocket video protocol 1, page side (docs/websocket-video.md)', () => {
  it('config message: codec, size and the avcC record decoded from base64', () => {
    const c = parseTextMessage(config());
    assert.equal(c.type, 'config');
    if (c.type !== 'config') return;
    assert.equal(c.codec, 'avc1.42c01e');
    assert.equal(c.width, 640);
    assert.equal(c.height, 360);
    assert.deepEqual([...c.description], [...AVCC]);
  });

  it('close message: the reason', () => {
    assert.deepEqual(parseTextMessage('{"type":"close","reason":"camera stopped"}'), {
      type: 'close',
      reason: 'camera stopped',
    });
  });

  it('refuses malformed text messages, naming what is wrong', () => {
    const bad: [string, RegExp][] = [
      ['not json', /not JSON/],
      ['{"type":"hello"}', /unknown message type/],
      [config({ version: 2 }), /version 2/],
      [config({ codec: 'hvc1.1.6.L93' }), /codec/],
      [config({ width: 0 }), /width/],
      [config({ height: 'x' }), /height/],
      [config({ description: '' }), /description/],
      [config({ description: Buffer.from([2, 0, 0, 0, 0, 0, 0]).toString('base64') }), /avcC/],
    ];
    for (const [text, why] of bad)
      assert.throws(
        () => parseTextMessage(text),
        (e: unknown) => e instanceof WsProtocolError && why.test((e as Error).message),
        text,
      );
  });

  it('access unit: flags (bit 0 keyframe, bit 1 discontinuity), float64 BE times, AVC data after 20 bytes', () => {
    const data = Uint8Array.from([0, 0, 0, 3, 0x65, 0x88, 0x84]);
    const bytes = encodeAccessUnit({
      keyframe: true,
      discontinuity: true,
      timestampUs: 1_234_567.5,
      receivedAtMs: 1.7e12,
      data,
    });
    assert.equal(bytes.length, AU_HEADER_BYTES + data.length);
    assert.equal(bytes[0], 1, 'version');
    assert.equal(bytes[1], 3, 'flags');
    assert.deepEqual([...bytes.subarray(2, 4)], [0, 0], 'reserved');
    assert.equal(new DataView(bytes.buffer).getFloat64(4, false), 1_234_567.5);
    const au = parseAccessUnit(bytes.buffer);
    assert.equal(au.keyframe, true);
    assert.equal(au.discontinuity, true);
    assert.equal(au.timestampUs, 1_234_567.5);
    assert.equal(au.receivedAtMs, 1.7e12);
    assert.deepEqual([...au.data], [...data]);
    const delta = parseAccessUnit(
      encodeAccessUnit({ keyframe: false, discontinuity: false, timestampUs: 0, receivedAtMs: 0, data }).buffer,
    );
    assert.equal(delta.keyframe, false);
    assert.equal(delta.discontinuity, false);
  });

  it('refuses a short access unit or another version', () => {
    assert.throws(() => parseAccessUnit(new ArrayBuffer(20)), WsProtocolError);
    const bytes = encodeAccessUnit({
      keyframe: true,
      discontinuity: false,
      timestampUs: 0,
      receivedAtMs: 0,
      data: new Uint8Array(8),
    });
    bytes[0] = 2;
    assert.throws(() => parseAccessUnit(bytes.buffer), /version 2/);
  });

  it('socket URL: relative to the page or server base (path prefix kept), ws(s), token as ?token=', () => {
    assert.equal(
      videoSocketUrl('https://name/cam/?token=a', 'cam0', 'a b'),
      'wss://name/cam/api/cameras/cam0/ws?token=a+b',
    );
    assert.equal(
      videoSocketUrl('http://127.0.0.1:8080/index.html', 'door 1', null),
      'ws://127.0.0.1:8080/api/cameras/door%201/ws',
    );
  });
});
