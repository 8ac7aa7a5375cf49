import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One access-unit message of docs/websocket-video.md, parsed. */
export interface ParsedAccessUnit {
  version: number;
  keyframe: boolean;
  discontinuity: boolean;
  timestampUs: number;
  receivedAtMs: number;
  /** NAL units without length prefixes. */
  nals: Buffer[];
}

/** Parses a binary access-unit message (20-byte header, then 4-byte-length-prefixed NAL units). */
export function parseAccessUnit(message: Buffer): ParsedAccessUnit {
  const nals: Buffer[] = [];
  let p = 20;
  while (p + 4 <= message.length) {
    const size = message.readUInt32BE(p);
    nals.push(message.subarray(p + 4, p + 4 + size));
    p += 4 + size;
  }
  if (p !== message.length) throw new Error(`access unit: ${message.length - p} bytes after the last NAL unit`);
  return {
    version: message[0]!,
    keyframe: (message[1]! & 1) !== 0,
    discontinuity: (message[1]! & 2) !== 0,
    timestampUs: message.readDoubleBE(4),
    receivedAtMs: message.readDoubleBE(12),
    nals,
  };
}

/** NAL unit types of an access unit (H.264 Table 7-1: 5 IDR, 1 non-IDR slice, 6 SEI). */
export function nalTypes(au: ParsedAccessUnit): number[] {
  return au.nals.map((nal) => nal[0]! & 0x1f);
}

/** SPS and PPS of an avcC record (ISO/IEC 14496-15 §5.3.3.1), one of each. */
export function parametersOf(avcC: Buffer): { sps: Buffer; pps: Buffer } {
  let p = 6;
  const spsLength = avcC.readUInt16BE(p);
  const sps = avcC.subarray(p + 2, p + 2 + spsLength);
  p += 2 + spsLength + 1;
  const ppsLength = avcC.readUInt16BE(p);
  return { sps, pps: avcC.subarray(p + 2, p + 2 + ppsLength) };
}

/** Access units as an H.264 Annex B byte stream, the avcC's SPS and PPS before each keyframe. */
export function annexB(avcC: Buffer, aus: readonly ParsedAccessUnit[]): Buffer {
  const start = Buffer.from([0, 0, 0, 1]);
  const { sps, pps } = parametersOf(avcC);
  const parts: Buffer[] = [];
  for (const au of aus) {
    if (au.keyframe) parts.push(start, sps, start, pps);
    for (const nal of au.nals) parts.push(start, nal);
  }
  return Buffer.concat(parts);
}

/**
 * Decodes an Annex B stream with GStreamer (`h264parse ! avdec_h264`) to raw I420 at
 * `width` × `height` (scaled to that size after decoding when `scale` is set: for counting
 * frames of a large stream).
 * @returns the number of decoded frames and the I420 frames' bytes.
 * @throws Error with GStreamer's output when it fails.
 */
export function decodeAnnexB(
  stream: Buffer,
  width: number,
  height: number,
  scale = false,
): { frames: number; yuv: Buffer[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ws-decode-'));
  try {
    const input = join(dir, 'in.h264');
    const output = join(dir, 'out.yuv');
    writeFileSync(input, stream);
    const result = spawnSync(
      'gst-launch-1.0',
      [
        '-q',
        'filesrc',
        `location=${input}`,
        '!',
        'h264parse',
        '!',
        'avdec_h264',
        '!',
        'videoconvert',
        '!',
        ...(scale ? ['videoscale', '!'] : []),
        `video/x-raw,format=I420,width=${width},height=${height}`,
        '!',
        'filesink',
        `location=${output}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (result.status !== 0) throw new Error(`gst-launch-1.0 failed: ${result.stderr}${result.stdout}`);
    const frameBytes = (width * height * 3) / 2;
    const size = statSync(output).size;
    const all = readFileSync(output);
    const yuv: Buffer[] = [];
    for (let p = 0; p + frameBytes <= size; p += frameBytes) yuv.push(all.subarray(p, p + frameBytes));
    return { frames: Math.floor(size / frameBytes), yuv };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
