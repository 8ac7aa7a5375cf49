import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAvcC } from '../../media/ws/avcC.js';
import { parseSps } from '../../media/ws/h264Sps.js';

/**
 * Real H.264 for tests of the WebSocket video path: GStreamer's `x264enc` (constrained baseline,
 * `tune=zerolatency`, access unit delimiters on) encodes `videotestsrc` into an Annex B file
 * (ITU-T H.264 Annex B byte stream), which is split into access units at each AUD (NAL type 9)
 * and turned into what docs/websocket-video.md carries: AVC-form NAL units (4-byte lengths, no
 * SPS/PPS/AUD) and an avcC record (ISO/IEC 14496-15 §5.3.3.1) with its RFC 6381 codec string.
 */

/** One encoded picture. */
export interface TestAccessUnit {
  keyframe: boolean;
  /** NAL units in AVC form (4-byte big-endian length before each), SPS/PPS/AUD left out. */
  data: Uint8Array;
}

/** A clip of access units and its configuration. */
export interface TestClip {
  /** `avc1.PPCCLL` from the SPS. */
  codec: string;
  width: number;
  height: number;
  fps: number;
  /** AVCDecoderConfigurationRecord. */
  avcC: Uint8Array;
  units: TestAccessUnit[];
}

/** Options of `encodeTestClip`. */
export interface ClipOptions {
  width?: number;
  height?: number;
  fps?: number;
  frames?: number;
  /** Frames between IDRs. */
  keyframeInterval?: number;
  /** `videotestsrc` pattern (default `smpte` moving sideways: detailed and changing). */
  pattern?: string;
  bitrateKbps?: number;
}

/** Splits an Annex B byte stream into NAL units (start codes 00 00 01 / 00 00 00 01 removed). */
export function splitAnnexB(bytes: Uint8Array): Uint8Array[] {
  const starts: { at: number; len: number }[] = [];
  for (let i = 0; i + 3 <= bytes.length; i++) {
    if (bytes[i] === 0 && bytes[i + 1] === 0) {
      if (bytes[i + 2] === 1) {
        starts.push({ at: i, len: 3 });
        i += 2;
      } else if (bytes[i + 2] === 0 && bytes[i + 3] === 1) {
        starts.push({ at: i, len: 4 });
        i += 3;
      }
    }
  }
  return starts.map((s, k) => bytes.subarray(s.at + s.len, k + 1 < starts.length ? starts[k + 1]!.at : bytes.length));
}

/** Groups NAL units into access units at each AUD and builds the clip. */
export function clipFromAnnexB(bytes: Uint8Array, width: number, height: number, fps: number): TestClip {
  let sps: Uint8Array | null = null;
  let pps: Uint8Array | null = null;
  const units: TestAccessUnit[] = [];
  let current: Uint8Array[] | null = null;
  let key = false;
  const flush = (): void => {
    if (current && current.length > 0) {
      const size = current.reduce((n, nal) => n + 4 + nal.length, 0);
      const data = new Uint8Array(size);
      const view = new DataView(data.buffer);
      let p = 0;
      for (const nal of current) {
        view.setUint32(p, nal.length);
        data.set(nal, p + 4);
        p += 4 + nal.length;
      }
      units.push({ keyframe: key, data });
    }
    current = [];
    key = false;
  };
  for (const nal of splitAnnexB(bytes)) {
    const type = nal[0]! & 0x1f;
    if (type === 9) flush();
    else if (type === 7) sps ??= nal.slice();
    else if (type === 8) pps ??= nal.slice();
    else {
      current ??= [];
      if (type === 5) key = true;
      current.push(nal);
    }
  }
  flush();
  if (!sps || !pps) throw new Error('no SPS/PPS in the stream');
  const s = sps as Uint8Array;
  return {
    codec: parseSps(s).codec,
    width,
    height,
    fps,
    avcC: buildAvcC(s, pps),
    units,
  };
}

/** Encodes a clip with gst-launch-1.0 (spawned with an argument array) and splits it. */
export async function encodeTestClip(o: ClipOptions = {}): Promise<TestClip> {
  const width = o.width ?? 640;
  const height = o.height ?? 360;
  const fps = o.fps ?? 30;
  const dir = mkdtempSync(join(tmpdir(), 'ecs-clip-'));
  const file = join(dir, 'clip.h264');
  try {
    const frames = o.frames ?? 300;
    const source = [
      'videotestsrc',
      `num-buffers=${frames}`,
      `pattern=${o.pattern ?? 'smpte'}`,
      'horizontal-speed=4',
      '!',
      `video/x-raw,width=${width},height=${height},framerate=${fps}/1`,
    ];
    const args = [
      '-q',
      ...source,
      '!',
      'x264enc',
      'tune=zerolatency',
      'speed-preset=ultrafast',
      `key-int-max=${o.keyframeInterval ?? 60}`,
      `bitrate=${o.bitrateKbps ?? 1000}`,
      'aud=true',
      '!',
      'video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au',
      '!',
      'filesink',
      `location=${file}`,
    ];
    await new Promise<void>((resolve, reject) => {
      const child = spawn('gst-launch-1.0', args, { stdio: ['pipe', 'ignore', 'pipe'] });
      child.stdin.end();
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gst-launch-1.0 exited ${code}: ${err}`))));
    });
    return clipFromAnnexB(new Uint8Array(readFileSync(file)), width, height, fps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
