// The latency probe: a strip of black and white blocks along the bottom edge
// of a picture that encodes the wall-clock capture time of the frame, so a
// viewer can measure the glass-to-glass delay. Specification (layout version
// 1): docs/latency-probe.md.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstddef>
#include <cstdint>
#include <optional>

class LatencyProbe {
 public:
  static constexpr int kBlocks = 56;      ///< blocks in the strip: 4 sync + 44 time + 8 CRC
  static constexpr int kTimeBits = 44;    ///< bits of the capture time, ms since the Unix epoch
  static constexpr uint8_t kWhite = 235;  ///< luma of a 1 bit (BT.601 limited range)
  static constexpr uint8_t kBlack = 16;   ///< luma of a 0 bit
  static constexpr uint8_t kNeutralChroma = 128;

  /// A probe for I420 frames of width x height px (both even, as camerad's output).
  LatencyProbe(int width, int height);

  /// Block edge in px for a picture width in px: clamp(floor(width / 56), 2, 16),
  /// rounded down to even (1280 -> 16, 640 -> 10, 320 -> 4).
  static int blockSize(int width);
  /// CRC-8/SMBUS (polynomial 0x07, init 0, no reflection, no final XOR).
  static uint8_t crc8(const uint8_t* data, size_t size);
  /// The 56 bits of the strip for a capture time in ms since the Unix epoch
  /// (only its low 44 bits are used), block 0 in bit 55.
  static uint64_t encodeBits(int64_t captureMs);

  /// Draws the strip in place into a writable I420 buffer of this probe's size
  /// (default layout or GstVideoMeta). captureMs: capture time in ms since the
  /// Unix epoch (g_get_real_time() / 1000). False when the buffer cannot be
  /// mapped for writing.
  bool draw(GstBuffer* buffer, int64_t captureMs) const;
  /// Same on planes already mapped; strides in bytes.
  void drawPlanes(uint8_t* y, int yStride, uint8_t* u, int uStride, uint8_t* v, int vStride,
                  int64_t captureMs) const;

  /// The inverse of draw on a luma (or grey) plane of width x height px with
  /// rows `stride` bytes apart: samples the centre half of each block
  /// (mean > 128 -> 1), checks the sync pattern and the CRC. Returns the
  /// capture time in ms since the Unix epoch, or nullopt when there is no
  /// valid strip (probe off, or a damaged one).
  static std::optional<int64_t> decode(const uint8_t* luma, int stride, int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  int block() const { return block_; }

 private:
  int width_;
  int height_;
  int block_;
  GstVideoInfo info_;
};
