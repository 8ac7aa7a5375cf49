#include "LatencyProbe.h"

#include <algorithm>
#include <cstring>

namespace {
constexpr uint64_t kSync = 0xA;  // blocks 0-3: 1 0 1 0
constexpr uint64_t kTimeMask = (uint64_t(1) << LatencyProbe::kTimeBits) - 1;
}  // namespace

LatencyProbe::LatencyProbe(int width, int height)
    : width_(width), height_(height), block_(blockSize(width)) {
  gst_video_info_set_format(&info_, GST_VIDEO_FORMAT_I420, guint(width), guint(height));
}

int LatencyProbe::blockSize(int width) {
  const int b = std::clamp(width / kBlocks, 2, 16);
  return b & ~1;
}

uint8_t LatencyProbe::crc8(const uint8_t* data, size_t size) {
  uint8_t crc = 0;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = uint8_t(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
  }
  return crc;
}

uint64_t LatencyProbe::encodeBits(int64_t captureMs) {
  const uint64_t time = uint64_t(captureMs) & kTimeMask;
  uint8_t bytes[6];
  for (int i = 0; i < 6; ++i) bytes[i] = uint8_t(time >> (8 * (5 - i)));
  return (kSync << 52) | (time << 8) | crc8(bytes, sizeof(bytes));
}

bool LatencyProbe::draw(GstBuffer* buffer, int64_t captureMs) const {
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info_, buffer, GST_MAP_WRITE)) return false;
  drawPlanes(static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
             GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
             static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 1)),
             GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 1),
             static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 2)),
             GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 2), captureMs);
  gst_video_frame_unmap(&frame);
  return true;
}

void LatencyProbe::drawPlanes(uint8_t* y, int yStride, uint8_t* u, int uStride, uint8_t* v,
                              int vStride, int64_t captureMs) const {
  const int b = std::min(block_, height_);
  const int stripWidth = std::min(kBlocks * block_, width_);
  const uint64_t bits = encodeBits(captureMs);
  // One luma row of the strip, copied to the b rows along the bottom edge.
  uint8_t* first = y + size_t(height_ - b) * size_t(yStride);
  for (int i = 0; i < kBlocks && i * block_ < stripWidth; ++i) {
    const bool one = (bits >> (kBlocks - 1 - i)) & 1;
    const int x0 = i * block_;
    std::memset(first + x0, one ? kWhite : kBlack, size_t(std::min(block_, stripWidth - x0)));
  }
  for (int row = 1; row < b; ++row) {
    std::memcpy(first + size_t(row) * size_t(yStride), first, size_t(stripWidth));
  }
  // Neutral chroma under the strip (4:2:0: half the rows and columns).
  const int chromaWidth = (stripWidth + 1) / 2;
  for (int row = (height_ - b) / 2; row < height_ / 2; ++row) {
    std::memset(u + size_t(row) * size_t(uStride), kNeutralChroma, size_t(chromaWidth));
    std::memset(v + size_t(row) * size_t(vStride), kNeutralChroma, size_t(chromaWidth));
  }
}

std::optional<int64_t> LatencyProbe::decode(const uint8_t* luma, int stride, int width,
                                            int height) {
  const int b = blockSize(width);
  if (kBlocks * b > width || b > height) return std::nullopt;
  const int y0 = height - b;
  const int from = b / 4;
  const int span = std::max(1, b / 2);
  uint64_t bits = 0;
  for (int i = 0; i < kBlocks; ++i) {
    const int x0 = i * b;
    unsigned sum = 0;
    for (int row = y0 + from; row < y0 + from + span; ++row) {
      const uint8_t* p = luma + size_t(row) * size_t(stride) + x0 + from;
      for (int col = 0; col < span; ++col) sum += p[col];
    }
    bits = (bits << 1) | (sum > 128u * unsigned(span * span) ? 1 : 0);
  }
  if ((bits >> 52) != kSync) return std::nullopt;
  const uint64_t time = (bits >> 8) & kTimeMask;
  if (encodeBits(int64_t(time)) != bits) return std::nullopt;
  return int64_t(time);
}
