import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { before, describe, it } from 'node:test';
import { H264Depacketizer } from '../../../media/ws/H264Depacketizer.js';
import { parseSps } from '../../../media/ws/h264Sps.js';
import { configMessage, encodeAccessUnit } from '../../../media/ws/wsMessages.js';
import type { AccessUnit } from '../../../media/ws/WsVideoTypes.js';
import { annexB, decodeAnnexB, nalTypes, parseAccessUnit, type ParsedAccessUnit } from '../../helpers/wsVideoStream.js';

/**
 * Test vectors: RTP from a real GStreamer sender packetized as camerad does it
 * (native/src/OutputPipeline.cpp: h264parse config-interval=-1, rtph264pay aggregate-mode=zero-latency,
 * so SPS and PPS travel in a STAP-A and slices over the MTU in FU-A), captured on a UDP socket.
 * 640×360 needs the SPS's frame cropping (23 macroblock rows = 368 lines, 8 cropped). Noise
 * makes every picture larger than the MTU (FU-A); small NAL units go alone (single NAL unit packets).
 */
async function captureRtp(
  frames: number,
  picture: { width: number; height: number; profile: string } = {
    width: 640,
    height: 360,
    profile: 'constrained-baseline',
  },
): Promise<Buffer[]> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const packets: Buffer[] = [];
  socket.on('message', (packet) => packets.push(Buffer.from(packet)));
  const gst = spawn(
    'gst-launch-1.0',
    [
      '-q',
      'videotestsrc',
      'is-live=true',
      'pattern=snow',
      `num-buffers=${frames}`,
      '!',
      `video/x-raw,format=I420,width=${picture.width},height=${picture.height},framerate=30/1`,
      '!',
      'x264enc',
      'tune=zerolatency',
      // ultrafast uses no High tools, and x264 then writes a Baseline SPS whatever the caps allow
      `speed-preset=${picture.profile === 'high' ? 'veryfast' : 'ultrafast'}`,
      'bitrate=1500',
      'key-int-max=30',
      'option-string=scenecut=0',
      '!',
      `video/x-h264,profile=${picture.profile}`,
      '!',
      'h264parse',
      'config-interval=-1',
      '!',
      'rtph264pay',
      'config-interval=0',
      'aggregate-mode=zero-latency',
      'pt=96',
      'mtu=1200',
      '!',
      'udpsink',
      'host=127.0.0.1',
      `port=${socket.address().port}`,
      'sync=false',
    ],
    { stdio: 'ignore' },
  );
  const code = await new Promise<number | null>((resolve) => gst.once('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.close();
  assert.equal(code, 0, 'gst-launch-1.0 failed');
  return packets;
}

const payloadType = (packet: Buffer): number => packet[12]! & 0x1f;

function depacketize(packets: readonly Buffer[]): { aus: AccessUnit[]; depacketizer: H264Depacketizer } {
  const aus: AccessUnit[] = [];
  const depacketizer = new H264Depacketizer((au) => aus.push(au));
  for (const packet of packets) depacketizer.push(Buffer.from(packet));
  return { aus, depacketizer };
}

/** The access units as the WebSocket path sends them, parsed back, with their avcC. */
function onTheWire(aus: readonly AccessUnit[]): { parsed: ParsedAccessUnit[]; avcC: Buffer } {
  const first = aus[0]!;
  assert.ok(first.sps && first.pps, 'the first access unit carries SPS and PPS');
  const config = configMessage(first.sps, first.pps);
  return {
    parsed: aus.map((au) => parseAccessUnit(encodeAccessUnit(au))),
    avcC: Buffer.from(config.description, 'base64'),
  };
}

describe('H264Depacketizer on RTP from a real GStreamer sender (RFC 6184)', { timeout: 60_000 }, () => {
  let packets: Buffer[];
  before(async () => {
    packets = await captureRtp(90);
  });

  it('reassembles single NAL units, STAP-A (§5.7.1) and FU-A (§5.8) into access units that decode one picture each', () => {
    assert.ok(
      packets.some((p) => payloadType(p) === 24),
      'the capture holds STAP-A packets',
    );
    assert.ok(
      packets.some((p) => payloadType(p) === 28),
      'the capture holds FU-A packets',
    );
    assert.ok(
      packets.some((p) => payloadType(p) >= 1 && payloadType(p) <= 23),
      'and single NAL unit packets',
    );
    const { aus, depacketizer } = depacketize(packets);
    assert.equal(aus.length, 90);
    assert.deepEqual(depacketizer.stats, {
      packets: packets.length,
      accessUnits: 90,
      gaps: 0,
      droppedAccessUnits: 0,
      badPackets: 0,
    });
    assert.deepEqual(
      aus.map((au, i) => (au.keyframe ? i : -1)).filter((i) => i >= 0),
      [0, 30, 60],
      'an IDR every 30 frames',
    );
    for (const au of aus) assert.equal(au.discontinuity, false);
    for (let i = 1; i < aus.length; i += 1) {
      assert.ok(Math.abs(aus[i]!.timestampUs - aus[i - 1]!.timestampUs - 1e6 / 30) < 2, '30 frames/s timestamps');
    }
    const { parsed, avcC } = onTheWire(aus);
    const decoded = decodeAnnexB(annexB(avcC, parsed), 640, 360);
    assert.equal(decoded.frames, 90);
  });

  it('reads the codec string and the cropped size from the SPS (H.264 §7.4.2.1.1)', () => {
    const { aus } = depacketize(packets);
    const sps = parseSps(aus[0]!.sps!);
    assert.deepEqual([sps.width, sps.height], [640, 360]);
    assert.equal(sps.profileIdc, 66);
    assert.match(sps.codec, /^avc1\.42[0-9a-f]{2}[0-9a-f]{2}$/);
    const config = configMessage(aus[0]!.sps!, aus[0]!.pps!);
    assert.deepEqual([config.codec, config.width, config.height], [sps.codec, 640, 360]);
    assert.throws(() => parseSps(aus[0]!.pps!), RangeError);
    assert.throws(() => parseSps(aus[0]!.sps!.subarray(0, 5)), RangeError);
  });

  it('reads a High profile SPS with cropping on both axes, and its avcC (with the §5.3.3.1 high-profile fields) decodes', async () => {
    // 630×354: 40×23 macroblocks, cropped by 10 columns and 14 rows.
    const high = await captureRtp(10, { width: 630, height: 354, profile: 'high' });
    const { aus } = depacketize(high);
    assert.equal(aus.length, 10);
    const sps = parseSps(aus[0]!.sps!);
    assert.equal(sps.profileIdc, 100);
    assert.match(sps.codec, /^avc1\.64[0-9a-f]{4}$/);
    assert.deepEqual([sps.width, sps.height], [630, 354]);
    const { parsed, avcC } = onTheWire(aus);
    assert.equal(avcC.length, 11 + aus[0]!.sps!.length + aus[0]!.pps!.length + 4);
    assert.equal(decodeAnnexB(annexB(avcC, parsed), 630, 354).frames, 10);
  });

  it('a sequence gap (RFC 3550 §5.1) inside a picture drops it and everything to the next keyframe, which is flagged', () => {
    // Lose the last packet (marker bit) of the first picture after the first keyframe that
    // takes more than one packet: it is incomplete, and so is every picture up to the next IDR.
    const pictures: number[][] = [[]];
    packets.forEach((p, i) => {
      pictures.at(-1)!.push(i);
      if (p[1]! & 0x80) pictures.push([]);
    });
    const k = pictures.findIndex((indices, n) => n > 0 && n < 30 && indices.length > 1);
    assert.ok(k > 0, 'a picture of several packets before the second keyframe');
    const lost = pictures[k]!.at(-1)!;
    const { aus, depacketizer } = depacketize(packets.filter((_, i) => i !== lost));
    assert.equal(depacketizer.stats.gaps, 1);
    assert.equal(aus.length, 90 - (30 - k), `pictures ${k} to 29 are dropped`);
    assert.equal(depacketizer.stats.droppedAccessUnits, 30 - k);
    assert.equal(aus[k]!.keyframe, true);
    assert.equal(aus[k]!.discontinuity, true, 'the keyframe after the gap says so');
    assert.equal(aus.filter((au) => au.discontinuity).length, 1, 'only the first access unit after the gap is flagged');
    const { parsed, avcC } = onTheWire(aus);
    assert.ok(nalTypes(parsed[k]!).includes(5));
    assert.equal(decodeAnnexB(annexB(avcC, parsed), 640, 360).frames, aus.length, 'what is left decodes');
  });

  it('starts at the first keyframe, and unwraps the 32-bit RTP timestamp', () => {
    // Start mid-GOP, with timestamps that wrap (RFC 3550 §5.1) a second into the capture.
    const firstTs = packets[0]!.readUInt32BE(4);
    const shifted = packets.slice(packets.findIndex((p, i) => i > 0 && packets[i - 1]![1]! & 0x80) * 1).map((p) => {
      const copy = Buffer.from(p);
      copy.writeUInt32BE((p.readUInt32BE(4) - firstTs + 2 ** 32 - 90_000) >>> 0, 4);
      return copy;
    });
    const { aus } = depacketize(shifted);
    assert.equal(aus[0]!.keyframe, true, 'nothing before the first keyframe');
    assert.equal(aus.length, 60);
    for (let i = 1; i < aus.length; i += 1) assert.ok(aus[i]!.timestampUs > aus[i - 1]!.timestampUs);
  });

  it('bounds what it holds: a picture over maxAccessUnitBytes is dropped, the next keyframe resumes', () => {
    const aus: AccessUnit[] = [];
    const depacketizer = new H264Depacketizer((au) => aus.push(au), { maxAccessUnitBytes: 2000 });
    for (const packet of packets) depacketizer.push(Buffer.from(packet));
    for (const au of aus) assert.ok(au.avc.length <= 2000);
    assert.ok(depacketizer.stats.droppedAccessUnits > 0);
  });
});
