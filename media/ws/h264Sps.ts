import { BitReader, unescapeRbsp } from './BitReader.js';

/** What the WebSocket path needs from a sequence parameter set (ITU-T H.264 §7.3.2.1.1). */
export interface SpsInfo {
  /** `profile_idc` (66 baseline, 77 main, 100 high, …). */
  profileIdc: number;
  /** The byte of `constraint_set0..5_flag` and the reserved bits, as in the SPS. */
  constraintFlags: number;
  /** `level_idc` (31 = level 3.1). */
  levelIdc: number;
  /** RFC 6381 §3.3 codec string, `avc1.PPCCLL` in hex (e.g. `avc1.42c01f`). */
  codec: string;
  /** Displayed picture size after the frame cropping, px. */
  width: number;
  height: number;
}

/** Profiles whose SPS carries chroma format and bit depths (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

const hex = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * Parses an SPS NAL unit (with its one-byte NAL header, type 7) far enough for the codec string
 * and the cropped picture size: profile, constraints, level, chroma format (high profiles),
 * scaling lists skipped, POC type, frame size in macroblocks, `frame_mbs_only_flag` and the
 * cropping rectangle (§7.4.2.1.1, Table 6-1 for the crop units).
 * @throws RangeError when the SPS is truncated or not an SPS.
 */
export function parseSps(nal: Uint8Array): SpsInfo {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) throw new RangeError('not an SPS NAL unit');
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profileIdc = r.bits(8);
  const constraintFlags = r.bits(8);
  const levelIdc = r.bits(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.flag(); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      // seq_scaling_matrix_present_flag: skip the scaling lists (§7.3.2.1.1.1)
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i += 1) {
        if (!r.flag()) continue;
        const size = i < 6 ? 16 : 64;
        let last = 8;
        let next = 8;
        for (let j = 0; j < size; j += 1) {
          if (next !== 0) next = (last + r.se() + 256) % 256;
          last = next === 0 ? last : next;
        }
      }
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) {
    r.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    r.flag(); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ue();
    if (cycle > 255) throw new RangeError('SPS num_ref_frames_in_pic_order_cnt_cycle out of range');
    for (let i = 0; i < cycle; i += 1) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.flag(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.flag(); // mb_adaptive_frame_field_flag
  r.flag(); // direct_8x8_inference_flag
  let crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.flag()) crop = { left: r.ue(), right: r.ue(), top: r.ue(), bottom: r.ue() };
  // Crop units (§7.4.2.1.1): 1×(2 − frame_mbs_only) for monochrome or separate planes, else
  // SubWidthC × SubHeightC × (2 − frame_mbs_only) from Table 6-1.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const cropX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
  const width = widthMbs * 16 - cropX * (crop.left + crop.right);
  const height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16 - cropY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0) throw new RangeError('SPS cropping leaves no picture');
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    codec: `avc1.${hex(profileIdc)}${hex(constraintFlags)}${hex(levelIdc)}`,
    width,
    height,
  };
}
