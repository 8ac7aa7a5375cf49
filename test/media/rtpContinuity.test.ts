import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startsKeyframe } from '../../media/rtp/h264.js';
import { RtpContinuity } from '../../media/rtp/RtpContinuity.js';

/** A 12-byte RTP header (RFC 3550 §5.1) followed by `payload`. */
function rtp(seq: number, ts: number, ssrc: number, payload: number[] = [0x41]): Buffer {
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  Buffer.from(payload).copy(b, 12);
  return b;
}

describe('RtpContinuity (RFC 3550 §5.1 fields across a source restart)', () => {
  it('keeps one SSRC and continues sequence numbers and timestamps when the input SSRC changes', () => {
    let now = 0;
    const c = new RtpContinuity(0xabcdef01, 90_000, () => now);
    const a = rtp(65534, 1000, 1);
    c.rewrite(a);
    const b = rtp(65535, 4000, 1);
    c.rewrite(b);
    assert.equal(b.readUInt16BE(2), 65535);
    now = 500; // camerad restarted 500 ms later with a new session
    const d = rtp(17, 777_777, 2);
    assert.equal(c.rewrite(d), true);
    assert.equal(d.readUInt32BE(8), 0xabcdef01);
    assert.equal(d.readUInt16BE(2), 0, 'sequence number wraps from 65535 to 0');
    assert.equal(d.readUInt32BE(4), 4000 + 45_000, 'timestamp advanced by 500 ms at 90 kHz');
    const e = rtp(18, 777_777 + 3000, 2);
    assert.equal(c.rewrite(e), false);
    assert.equal(e.readUInt16BE(2), 1);
    assert.equal(e.readUInt32BE(4), 4000 + 45_000 + 3000);
    assert.equal(c.epochs, 2);
  });
});

describe('startsKeyframe (RFC 6184 §5.6–5.8)', () => {
  it('single NAL SPS and IDR start a keyframe; a P slice does not', () => {
    assert.equal(startsKeyframe(rtp(1, 0, 1, [0x67, 0x42])), true);
    assert.equal(startsKeyframe(rtp(1, 0, 1, [0x65, 0x88])), true);
    assert.equal(startsKeyframe(rtp(1, 0, 1, [0x41, 0x9a])), false);
  });
  it('FU-A: only the start fragment of an IDR', () => {
    assert.equal(startsKeyframe(rtp(1, 0, 1, [0x7c, 0x85, 0x00])), true);
    assert.equal(startsKeyframe(rtp(1, 0, 1, [0x7c, 0x05, 0x00])), false);
    assert.equal(startsKeyframe(rtp(1, 0, 1, [0x7c, 0x81, 0x00])), false);
  });
  it('STAP-A holding SPS', () => {
    assert.equal(startsKeyframe(rtp(1, 0, 1, [0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x01, 0x68])), true);
  });
});
