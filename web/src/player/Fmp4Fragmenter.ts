import { ArrayBufferTarget, Muxer } from 'mp4-muxer';
import type { WsConfig } from './wsProtocol';

/** What `Fmp4Fragmenter.fragment` gives for one access unit. */
export interface Fmp4Output {
  /**
   * Initialisation segment (`ftyp` + `moov` with the `avc1`/`avcC` sample entry) when the
   * configuration is new (the first access unit, or after a change of SPS/PPS); else null.
   */
  init: Uint8Array | null;
  /** Media segment: one `moof` + `mdat` holding this access unit alone, its decode time 0. */
  media: Uint8Array;
}

/**
 * Muxes H.264 access units (AVC form, as the WebSocket video path carries them) into fragmented
 * MP4 (ISO/IEC 14496-12 §8.8, the MSE "ISO BMFF byte stream format") with `mp4-muxer`
 * (`fastStart: 'fragmented'`, `addVideoChunkRaw`, the config's avcC as decoder description).
 *
 * One muxer per access unit: mp4-muxer closes a fragment only when the next keyframe arrives,
 * which would hold a whole GOP (2 s) back from the viewer. A fresh muxer per picture yields one
 * `moof`+`mdat` per picture at once; its decode time is 0 and the caller places it on the
 * timeline (MSE `SourceBuffer.timestampOffset`). Pure: works in node for tests.
 */
export class Fmp4Fragmenter {
  private config: WsConfig | null = null;
  private initSent = false;

  /** Sets the codec configuration; the next fragment carries a new initialisation segment. */
  configure(config: WsConfig): void {
    this.config = config;
    this.initSent = false;
  }

  /** True once `configure` was called. */
  get configured(): boolean {
    return this.config !== null;
  }

  /**
   * One access unit as a media segment (and an initialisation segment when due).
   * @param data NAL units in AVC form.
   * @param keyframe IDR (a sync sample in the `trun`).
   * @param durationUs the picture's duration, µs (till the next one; the nominal frame time).
   * Throws `Error` before `configure`.
   */
  fragment(data: Uint8Array, keyframe: boolean, durationUs: number): Fmp4Output {
    const config = this.config;
    if (!config) throw new Error('Fmp4Fragmenter: configure() first');
    const target = new ArrayBufferTarget();
    const muxer = new Muxer({
      target,
      video: { codec: 'avc', width: config.width, height: config.height },
      fastStart: 'fragmented',
      firstTimestampBehavior: 'strict',
    });
    muxer.addVideoChunkRaw(data, keyframe ? 'key' : 'delta', 0, Math.max(1, durationUs), {
      decoderConfig: {
        codec: config.codec,
        codedWidth: config.width,
        codedHeight: config.height,
        description: config.description,
      },
    });
    muxer.finalize();
    const bytes = new Uint8Array(target.buffer);
    const boxes = topLevelBoxes(bytes);
    const pick = (types: string[]): Uint8Array =>
      concat(boxes.filter((b) => types.includes(b.type)).map((b) => b.bytes));
    const init = this.initSent ? null : pick(['ftyp', 'moov']);
    this.initSent = true;
    return { init, media: pick(['moof', 'mdat']) };
  }
}

/** One top-level ISO BMFF box: its four-character type and its bytes (header included). */
export interface Mp4Box {
  type: string;
  bytes: Uint8Array;
}

/** Splits `bytes` into its top-level boxes (32-bit and 64-bit sizes; ISO/IEC 14496-12 §4.2). */
export function topLevelBoxes(bytes: Uint8Array): Mp4Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Mp4Box[] = [];
  let pos = 0;
  while (pos + 8 <= bytes.length) {
    let size = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4]!, bytes[pos + 5]!, bytes[pos + 6]!, bytes[pos + 7]!);
    if (size === 1) size = Number(view.getBigUint64(pos + 8));
    else if (size === 0) size = bytes.length - pos;
    if (size < 8 || pos + size > bytes.length) throw new Error(`bad ${type} box size ${size} at ${pos}`);
    out.push({ type, bytes: bytes.subarray(pos, pos + size) });
    pos += size;
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
