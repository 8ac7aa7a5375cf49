import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Fmp4Fragmenter, type Mp4Box, topLevelBoxes } from '../../web/src/player/Fmp4Fragmenter.js';
import { type TestClip, encodeTestClip } from '../helpers/h264AccessUnits.js';

/**
 * The MSE path's muxing (web/src/player/Fmp4Fragmenter.ts, mp4-muxer): real x264 access units
 * into fragmented MP4 as MSE needs it (ISO/IEC 14496-12 §8.8; ISO/IEC 14496-15 §5.3 for avcC): an
 * initialisation segment (ftyp, moov with the avc1 sample entry carrying our avcC and an mvex),
 * then one moof + mdat per picture with the sync-sample flag only on IDRs.
 */

/** Child boxes of a container box's payload (`skip` bytes of full-box header/fields first). */
function children(box: Mp4Box, skip = 0): Mp4Box[] {
  return topLevelBoxes(box.bytes.subarray(8 + skip));
}

/** Depth-first search for the first box of `type` (descending into the known containers). */
function find(boxes: Mp4Box[], type: string): Mp4Box | null {
  const containers: Record<string, number> = { moov: 0, trak: 0, mdia: 0, minf: 0, stbl: 0, mvex: 0, moof: 0, traf: 0 };
  for (const b of boxes) {
    if (b.type === type) return b;
    if (b.type === 'stsd') {
      const entries = children(b, 8); // full box + entry_count
      const avc1 = entries.find((e) => e.type === 'avc1');
      if (avc1) {
        if (type === 'avc1') return avc1;
        const found = find(children(avc1, 78), type); // VisualSampleEntry fields (ISO/IEC 14496-12 §12.1.3)
        if (found) return found;
      }
    } else if (b.type in containers) {
      const found = find(children(b), type);
      if (found) return found;
    }
  }
  return null;
}

/**
 * The first sample's flags (ISO/IEC 14496-12 §8.8.7, §8.8.8): the trun's first-sample-flags or
 * per-sample flags when present, else the tfhd's default-sample-flags; null when neither says.
 */
function firstSampleFlags(tfhd: Mp4Box, trun: Mp4Box): number | null {
  const r = new DataView(trun.bytes.buffer, trun.bytes.byteOffset + 8);
  const rf = r.getUint32(0) & 0xffffff;
  let p = 8; // version/flags + sample_count
  if (rf & 0x1) p += 4; // data_offset
  if (rf & 0x4) return r.getUint32(p); // first_sample_flags
  if (rf & 0x400) {
    if (rf & 0x100) p += 4;
    if (rf & 0x200) p += 4;
    return r.getUint32(p);
  }
  const h = new DataView(tfhd.bytes.buffer, tfhd.bytes.byteOffset + 8);
  const hf = h.getUint32(0) & 0xffffff;
  if (!(hf & 0x20)) return null;
  let q = 8; // version/flags + track_ID
  if (hf & 0x1) q += 8; // base_data_offset
  if (hf & 0x2) q += 4; // sample_description_index
  if (hf & 0x8) q += 4; // default_sample_duration
  if (hf & 0x10) q += 4; // default_sample_size
  return h.getUint32(q);
}

describe('fragmented MP4 for MSE from WebSocket access units (mp4-muxer)', () => {
  let clip: TestClip;
  before(async () => {
    clip = await encodeTestClip({ frames: 40, keyframeInterval: 30 });
  });

  it('first output: ftyp + moov (avc1 with the avcC of the config, mvex) as init, moof + mdat as media', () => {
    const f = new Fmp4Fragmenter();
    f.configure({
      type: 'config',
      version: 1,
      codec: clip.codec,
      width: clip.width,
      height: clip.height,
      description: clip.avcC,
    });
    const first = clip.units[0]!;
    assert.equal(first.keyframe, true, 'the clip starts with an IDR');
    const out = f.fragment(first.data, true, 33_333);
    assert.ok(out.init);
    const init = topLevelBoxes(out.init);
    assert.deepEqual(
      init.map((b) => b.type),
      ['ftyp', 'moov'],
    );
    assert.ok(find(init, 'mvex'), 'moov has mvex (fragmented)');
    const avc1 = find(init, 'avc1');
    assert.ok(avc1, 'avc1 sample entry');
    const v = new DataView(avc1.bytes.buffer, avc1.bytes.byteOffset);
    assert.equal(v.getUint16(8 + 24), clip.width, 'avc1 width');
    assert.equal(v.getUint16(8 + 26), clip.height, 'avc1 height');
    const avcC = find(init, 'avcC');
    assert.ok(avcC, 'avcC in avc1');
    assert.deepEqual([...avcC.bytes.subarray(8)], [...clip.avcC], 'avcC is the config description, byte for byte');

    const media = topLevelBoxes(out.media);
    assert.deepEqual(
      media.map((b) => b.type),
      ['moof', 'mdat'],
    );
    assert.deepEqual([...media[1]!.bytes.subarray(8)], [...first.data], 'mdat holds the access unit as sent');
    assert.ok(find(media, 'tfdt'), 'moof has a tfdt');
  });

  it('every later access unit: moof + mdat only, sync sample flag on IDRs only, a new init after configure()', () => {
    const f = new Fmp4Fragmenter();
    const cfg = {
      type: 'config' as const,
      version: 1,
      codec: clip.codec,
      width: clip.width,
      height: clip.height,
      description: clip.avcC,
    };
    f.configure(cfg);
    let keys = 0;
    clip.units.forEach((u, i) => {
      const out = f.fragment(u.data, u.keyframe, 33_333);
      assert.equal(out.init !== null, i === 0, `init only first (${i})`);
      const media = topLevelBoxes(out.media);
      assert.deepEqual(
        media.map((b) => b.type),
        ['moof', 'mdat'],
      );
      const trun = find(media, 'trun');
      const tfhd = find(media, 'tfhd');
      assert.ok(trun && tfhd);
      const flags = firstSampleFlags(tfhd, trun);
      assert.notEqual(flags, null, 'the fragment carries sample flags');
      const nonSync = (flags! >> 16) & 1; // sample_is_non_sync_sample
      assert.equal(nonSync === 0, u.keyframe, `sync flag of unit ${i}`);
      if (u.keyframe) keys++;
    });
    assert.ok(keys >= 2, 'the clip has IDRs beyond the first');
    f.configure(cfg);
    assert.ok(f.fragment(clip.units[30]!.data, true, 33_333).init, 'a new configuration brings a new init segment');
  });

  it('throws before configure()', () => {
    assert.throws(() => new Fmp4Fragmenter().fragment(new Uint8Array(8), true, 1), /configure/);
  });
});
