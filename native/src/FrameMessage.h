// Binary picture messages: kind 4 (analysis frames), kind 5 (stills) and
// kind 6 (grab replies) share one 40-byte header followed by the picture bytes
// (native/PROTOCOL.md, "Picture frames"). Big-endian like the framing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace framemsg {

constexpr char kMagic[4] = {'C', 'F', 'R', 'M'};
constexpr uint8_t kVersion = 1;
constexpr size_t kHeaderSize = 40;

/// Pixel format byte (offset 6).
enum Format : uint8_t {
  kRgb24 = 1,  ///< packed R, G, B bytes, rows `stride` bytes apart
  kJpeg = 2,   ///< one baseline JFIF image
};

/// Flag bits (offset 7).
enum Flag : uint8_t {
  kFlagOverlays = 1,  ///< overlay boxes were drawn into this picture
  kFlagProbe = 2,     ///< the latency probe strip was drawn into it
  kFlagNoSignal = 4,  ///< the NO SIGNAL picture (the source was not live)
};

struct Header {
  Format format = kRgb24;
  uint8_t flags = 0;
  uint64_t frame = 0;      ///< source frame number (FrameStore sequence; 0 for NO SIGNAL)
  uint64_t captureUs = 0;  ///< capture time, µs since the Unix epoch (g_get_real_time())
  uint16_t width = 0;
  uint16_t height = 0;
  uint32_t stride = 0;     ///< bytes per row; 0 for JPEG
  uint32_t requestId = 0;  ///< kind 6: id of the grab request; kind 5: variant (1 clean, 2 overlays); kind 4: 0
};

/// A payload of kHeaderSize + dataSize bytes: the header filled in (data
/// length = dataSize), the data area zeroed for the caller to fill.
std::string makePayload(const Header& header, size_t dataSize);

}  // namespace framemsg
