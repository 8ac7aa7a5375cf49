#include "NoSignal.h"

#include <gst/video/video.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace {

// 5x7 bitmap glyphs for the few letters we need.
struct Glyph {
  char c;
  const char* rows[7];
};
const Glyph kGlyphs[] = {
    {'N', {"10001", "11001", "10101", "10011", "10001", "10001", "10001"}},
    {'O', {"01110", "10001", "10001", "10001", "10001", "10001", "01110"}},
    {'S', {"01111", "10000", "10000", "01110", "00001", "00001", "11110"}},
    {'I', {"11111", "00100", "00100", "00100", "00100", "00100", "11111"}},
    {'G', {"01110", "10001", "10000", "10111", "10001", "10001", "01111"}},
    {'A', {"01110", "10001", "10001", "11111", "10001", "10001", "10001"}},
    {'L', {"10000", "10000", "10000", "10000", "10000", "10000", "11111"}},
};

const Glyph* findGlyph(char c) {
  for (const Glyph& g : kGlyphs)
    if (g.c == c) return &g;
  return nullptr;
}

}  // namespace

GstBuffer* makeNoSignalFrame(int width, int height) {
  // Use GStreamer's default I420 layout (rows padded to 4 bytes), which is what
  // the encoder expects for a buffer without GstVideoMeta.
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, guint(width), guint(height));
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  std::memset(map.data, 128, map.size);  // neutral chroma
  uint8_t* y = map.data + GST_VIDEO_INFO_PLANE_OFFSET(&info, 0);
  const size_t stride = size_t(GST_VIDEO_INFO_PLANE_STRIDE(&info, 0));
  for (int row = 0; row < height; ++row) std::memset(y + row * stride, 48, size_t(width));  // dark grey

  const char* text = "NO SIGNAL";
  const int chars = int(std::strlen(text));
  const int cols = chars * 6 - 1;  // 5 px glyph + 1 px gap
  const int scale = std::max(1, std::min(width * 6 / 10 / cols, height / 4 / 7));
  const int x0 = (width - cols * scale) / 2;
  const int y0 = (height - 7 * scale) / 2;
  for (int i = 0; i < chars; ++i) {
    const Glyph* g = findGlyph(text[i]);
    if (g == nullptr) continue;  // space
    for (int row = 0; row < 7; ++row) {
      for (int col = 0; col < 5; ++col) {
        if (g->rows[row][col] != '1') continue;
        const int px = x0 + (i * 6 + col) * scale;
        const int py = y0 + row * scale;
        for (int dy = 0; dy < scale; ++dy) {
          const int yy = py + dy;
          if (yy < 0 || yy >= height) continue;
          const int xs = std::max(0, px), xe = std::min(width, px + scale);
          if (xe > xs) std::memset(y + size_t(yy) * stride + xs, 220, size_t(xe - xs));
        }
      }
    }
  }
  gst_buffer_unmap(buffer, &map);
  return buffer;
}
