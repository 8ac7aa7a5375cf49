// Unit check of LatencyProbe (docs/latency-probe.md): block sizes, CRC-8/SMBUS,
// draw -> decode round trips, pixels outside the strip untouched, damaged
// strips rejected, and the cost of drawing. Exits 0 when all checks pass;
// prints one line per check and the timings. Run by test/native/camerad.test.ts.
#include <gst/gst.h>
#include <gst/video/video.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "../src/LatencyProbe.h"

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

/// An I420 buffer (default layout) filled with a pattern that differs per byte.
GstBuffer* makeFrame(const GstVideoInfo& info) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstMapInfo map;
  gst_buffer_map(buffer, &map, GST_MAP_WRITE);
  for (size_t i = 0; i < map.size; ++i) map.data[i] = uint8_t(i * 7 + 3);
  gst_buffer_unmap(buffer, &map);
  return buffer;
}

void roundTrip(int width, int height, int64_t ms) {
  const std::string name = std::to_string(width) + "x" + std::to_string(height);
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, guint(width), guint(height));
  GstBuffer* before = makeFrame(info);
  GstBuffer* frame = gst_buffer_copy_deep(before);
  LatencyProbe probe(width, height);
  check(probe.draw(frame, ms), name + ": draw maps the frame");

  GstMapInfo a, b;
  gst_buffer_map(before, &a, GST_MAP_READ);
  gst_buffer_map(frame, &b, GST_MAP_READ);
  const int block = LatencyProbe::blockSize(width);
  const int yStride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  const auto decoded = LatencyProbe::decode(b.data, yStride, width, height);
  check(decoded && *decoded == ms, name + ": decode returns " + std::to_string(ms));
  check(!LatencyProbe::decode(a.data, yStride, width, height), name + ": no strip, no time");

  // Every byte outside the strip (luma) and its 4:2:0 shadow (chroma) is untouched;
  // inside, luma is 16 or 235 and chroma 128.
  bool outsideSame = true, insideValues = true;
  for (int plane = 0; plane < 3; ++plane) {
    const int sub = plane == 0 ? 1 : 2;
    const int stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, plane);
    const size_t offset = GST_VIDEO_INFO_PLANE_OFFSET(&info, plane);
    for (int y = 0; y < height / sub; ++y) {
      for (int x = 0; x < width / sub; ++x) {
        const size_t i = offset + size_t(y) * size_t(stride) + size_t(x);
        const bool inside = y >= (height - block) / sub && x < LatencyProbe::kBlocks * block / sub;
        if (!inside) {
          outsideSame = outsideSame && a.data[i] == b.data[i];
        } else if (plane == 0) {
          insideValues = insideValues && (b.data[i] == 16 || b.data[i] == 235);
        } else {
          insideValues = insideValues && b.data[i] == 128;
        }
      }
    }
  }
  check(outsideSame, name + ": pixels outside the strip untouched");
  check(insideValues, name + ": strip luma 16/235, chroma 128");

  // A flipped block (one time bit) fails the CRC.
  std::vector<uint8_t> damaged(b.data, b.data + b.size);
  for (int y = height - block; y < height; ++y) {
    uint8_t* p = damaged.data() + size_t(y) * size_t(yStride) + size_t(20 * block);
    for (int k = 0; k < block; ++k) p[k] = p[k] > 128 ? 16 : 235;
  }
  check(!LatencyProbe::decode(damaged.data(), yStride, width, height),
        name + ": a flipped bit is rejected");
  gst_buffer_unmap(before, &a);
  gst_buffer_unmap(frame, &b);
  gst_buffer_unref(before);
  gst_buffer_unref(frame);
}

/// Mean µs per call of fn over n calls.
template <typename Fn>
double timeUs(int n, Fn fn) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) fn(i);
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
             .count() /
         n;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);

  const uint8_t text[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  check(LatencyProbe::crc8(text, sizeof(text)) == 0xF4, "CRC-8/SMBUS check value 0xF4");
  const int sizes[][2] = {{1280, 16}, {640, 10}, {320, 4}, {1920, 16},
                          {700, 12},  {559, 8},  {112, 2}, {16, 2}};
  for (const auto& s : sizes) {
    check(LatencyProbe::blockSize(s[0]) == s[1],
          "block size for width " + std::to_string(s[0]) + " is " + std::to_string(s[1]));
  }
  const int64_t now = g_get_real_time() / 1000;
  roundTrip(1280, 720, now);
  roundTrip(640, 480, now + 1);
  roundTrip(320, 240, (int64_t(1) << 44) - 1);
  roundTrip(322, 180, 0);
  roundTrip(1920, 1080, 1234567890123);
  roundTrip(112, 64, now);

  // Cost per 1280x720 frame: drawing alone, and the deep copy + draw the frame clock does.
  GstVideoInfo info;
  gst_video_info_set_format(&info, GST_VIDEO_FORMAT_I420, 1280, 720);
  GstBuffer* source = makeFrame(info);
  LatencyProbe probe(1280, 720);
  GstBuffer* target = gst_buffer_copy_deep(source);
  const double drawUs = timeUs(2000, [&](int i) { probe.draw(target, now + i); });
  const double copyDrawUs = timeUs(2000, [&](int i) {
    GstBuffer* copy = gst_buffer_copy_deep(source);
    probe.draw(copy, now + i);
    gst_buffer_unref(copy);
  });
  const double shallowUs = timeUs(2000, [&](int) { gst_buffer_unref(gst_buffer_copy(source)); });
  gst_buffer_unref(target);
  gst_buffer_unref(source);
  std::printf(
      "timing 1280x720: draw %.2f us, deep copy + draw %.2f us, shallow copy (probe off) %.2f us\n",
      drawUs, copyDrawUs, shallowUs);

  std::printf("%s\n", failures == 0 ? "all checks passed" : "checks FAILED");
  return failures == 0 ? 0 : 1;
}
