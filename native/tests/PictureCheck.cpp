// Unit check of the picture helpers behind analysis frames, grabs and
// overlays: the picture message header (native/PROTOCOL.md), the analysis
// size rule, I420 -> RGB conversion, overlay drawing (colour, clipping,
// labels, validation messages), JPEG encoding, and what each costs. Exits 0
// when all checks pass; prints one line per check and the timings. Run by
// test/native/analysis.test.ts.
#include <gst/gst.h>
#include <gst/video/video.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../src/AnalysisBranch.h"
#include "../src/FrameMessage.h"
#include "../src/JpegEncoder.h"
#include "../src/Overlays.h"
#include "../src/RgbConverter.h"

using nlohmann::json;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

/// Mean time of fn over n runs, ms.
double timeMs(int n, const std::function<void()>& fn) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) fn();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / n;
}

/// An I420 frame (default layout) of one flat colour given as Y'CbCr.
GstBuffer* flatFrame(int width, int height, uint8_t y, uint8_t u, uint8_t v) {
  GstVideoInfo info = RgbConverter::inputInfo(width, height);
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  GstVideoFrame frame;
  gst_video_frame_map(&frame, &info, buffer, GST_MAP_WRITE);
  const uint8_t values[3] = {y, u, v};
  for (int plane = 0; plane < 3; ++plane) {
    const int rows = plane == 0 ? height : (height + 1) / 2;
    for (int row = 0; row < rows; ++row) {
      std::memset(static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane)) +
                      size_t(row) * size_t(GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane)),
                  values[plane], size_t(GST_VIDEO_FRAME_COMP_WIDTH(&frame, plane)));
    }
  }
  gst_video_frame_unmap(&frame);
  return buffer;
}

bool near(const uint8_t* px, int r, int g, int b, int tolerance) {
  return std::abs(px[0] - r) <= tolerance && std::abs(px[1] - g) <= tolerance &&
         std::abs(px[2] - b) <= tolerance;
}

void checkHeader() {
  framemsg::Header h;
  h.format = framemsg::kJpeg;
  h.flags = framemsg::kFlagOverlays | framemsg::kFlagNoSignal;
  h.frame = 0x0102030405060708ull;
  h.captureUs = 1700000000123456ull;
  h.width = 1280;
  h.height = 720;
  h.stride = 3840;
  h.requestId = 0xA1B2C3D4u;
  const std::string p = framemsg::makePayload(h, 3);
  const auto* b = reinterpret_cast<const uint8_t*>(p.data());
  const uint8_t expected[40] = {'C',  'F',  'R',  'M',  1,    40,   2,    5,    1,    2,
                                3,    4,    5,    6,    7,    8,    0x00, 0x06, 0x0a, 0x24,
                                0x18, 0x20, 0x22, 0x40, 0x05, 0x00, 0x02, 0xd0, 0x00, 0x00,
                                0x0f, 0x00, 0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x00, 0x00, 0x03};
  check(p.size() == 43 && std::memcmp(b, expected, 40) == 0,
        "picture header: 40 bytes, big-endian, as PROTOCOL.md lays them out");
}

void checkFit() {
  struct Case {
    int ow, oh, bw, bh, w, h;
  } cases[] = {{1280, 720, 640, 640, 640, 360}, {640, 480, 640, 640, 640, 480},
               {320, 180, 640, 640, 320, 180}, {1920, 1080, 320, 240, 320, 180},
               {720, 1280, 640, 640, 360, 640}, {1280, 720, 320, 240, 320, 180},
               {1000, 562, 640, 640, 640, 360}};
  for (const Case& c : cases) {
    int w = 0, h = 0;
    AnalysisBranch::fitSize(c.ow, c.oh, c.bw, c.bh, w, h);
    check(w == c.w && h == c.h, "analysis size of " + std::to_string(c.ow) + "x" +
                                    std::to_string(c.oh) + " in " + std::to_string(c.bw) + "x" +
                                    std::to_string(c.bh) + ": " + std::to_string(w) + "x" +
                                    std::to_string(h) + " (want " + std::to_string(c.w) + "x" +
                                    std::to_string(c.h) + ")");
  }
}

void checkOverlaysAndConversion(int width, int height) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  OverlaySet overlays(width, height);
  std::string error;
  const json params = json::parse(R"({"items": [
      {"box": [100, 60, 200, 120], "color": "#ff0000", "ttl_ms": 1000, "thickness": 6, "label": "person"},
      {"box": [-50, -50, 120, 100], "color": "#00ff00", "ttl_ms": 1000},
      {"id": "x", "box": [0, 0, 10, 10], "color": "#0000ff", "ttl_ms": 1}]})");
  const bool accepted = overlays.update(params, 0, error);
  check(accepted, size + ": overlays accepted " + error);
  check(overlays.count(500) == 3 && overlays.count(1000) == 2,
        size + ": the 1 ms item expires, the others at 1 s (times in µs)");
  const std::vector<OverlayItem> items = overlays.live(500);

  GstBuffer* black = flatFrame(width, height, 16, 128, 128);
  GstBuffer* frame = gst_buffer_copy_deep(black);
  check(overlays.draw(frame, items), size + ": draw maps the frame");
  RgbConverter full(width, height, width, height);
  std::vector<uint8_t> rgb(full.size());
  check(full.convert(frame, rgb.data()), size + ": converts to RGB");
  auto at = [&](int x, int y) { return &rgb[size_t(y) * size_t(full.stride()) + size_t(x) * 3]; };
  int red = 0, total = 0;
  for (int x = 100; x < 300; ++x) {  // centre rows of the top and bottom strokes
    total += 2;
    red += near(at(x, 62), 255, 0, 0, 40) + near(at(x, 177), 255, 0, 0, 40);
  }
  for (int y = 60; y < 180; ++y) {  // centre columns of the left and right strokes
    total += 2;
    red += near(at(102, y), 255, 0, 0, 40) + near(at(297, y), 255, 0, 0, 40);
  }
  check(red == total, size + ": box edges are red (" + std::to_string(red) + "/" +
                          std::to_string(total) + ")");
  check(near(at(200, 120), 0, 0, 0, 8) && near(at(92, 120), 0, 0, 0, 8),
        size + ": inside and outside the box stay black");
  // [-50, -50, 120, 100]: only its right and bottom strokes are inside the picture.
  const int t = OverlaySet::defaultThickness(height);
  check(near(at(70 - t / 2, 10), 0, 255, 0, 40) && near(at(10, 50 - t / 2), 0, 255, 0, 40) &&
            near(at(10, 10), 0, 0, 0, 8) && near(at(72, 52), 0, 0, 0, 8),
        size + ": a box reaching outside the picture is clipped");
  int label = 0;
  const int s = OverlaySet::labelScale(height);
  for (int y = 60 - 9 * s; y < 60; ++y)
    for (int x = 100; x < 100 + 37 * s; ++x) label += near(at(x, y), 255, 255, 255, 60);
  check(label > 20 * s * s, size + ": the label's white text is above the box (" +
                                std::to_string(label) + " px)");

  // Analysis conversion of the same picture: a smaller RGB copy.
  int aw = 0, ah = 0;
  AnalysisBranch::fitSize(width, height, 640, 640, aw, ah);
  RgbConverter small(width, height, aw, ah);
  std::vector<uint8_t> out(small.size());
  check(small.convert(frame, out.data()) && small.stride() == aw * 3,
        size + ": analysis conversion to " + std::to_string(aw) + "x" + std::to_string(ah));

  std::string jpeg, jpegError;
  const bool encoded = encodeJpeg(rgb.data(), width, height, full.stride(), 85, jpeg, jpegError);
  check(encoded && jpeg.size() > 4 && uint8_t(jpeg[0]) == 0xFF && uint8_t(jpeg[1]) == 0xD8 &&
            uint8_t(jpeg[jpeg.size() - 2]) == 0xFF && uint8_t(jpeg[jpeg.size() - 1]) == 0xD9,
        size + ": JPEG has SOI and EOI (" + std::to_string(jpeg.size()) + " bytes)");

  // Costs: what the analysis thread, a grab, and the frame clock pay per frame.
  std::vector<OverlayItem> many;
  json lots = json{{"items", json::array()}};
  for (int i = 0; i < 64; ++i)
    lots["items"].push_back(json{{"box", {(i * 37) % (width - 100), (i * 53) % (height - 100), 80, 90}},
                                 {"color", "#00e676"},
                                 {"ttl_ms", 1000},
                                 {"label", "track 12 0.87"}});
  OverlaySet busy(width, height);
  busy.update(lots, 0, error);
  many = busy.live(0);
  const double analysisMs = timeMs(20, [&] { small.convert(black, out.data()); });
  const double rgbMs = timeMs(10, [&] { full.convert(black, rgb.data()); });
  const double jpegMs = timeMs(5, [&] {
    jpeg.clear();
    encodeJpeg(rgb.data(), width, height, full.stride(), 85, jpeg, jpegError);
  });
  const double overlayMs = timeMs(20, [&] { busy.draw(frame, many); });
  // Two hand skeletons (layer "hands"): 21 keypoints and 5 finger chains each, with a label.
  json hands = json{{"layer", "hands"}, {"items", json::array()}};
  for (int h = 0; h < 2; ++h) {
    const int ox = width / 4 + h * width / 3, oy = height / 3;
    const int s = std::max(1, height / 180);
    json kp = json::array();
    for (int k = 0; k < 21; ++k) kp.push_back({ox + (k % 5) * 6 * s, oy + (k / 5) * 8 * s});
    hands["items"].push_back(json{{"kind", "keypoints"}, {"points", kp}, {"color", "#ffffff"},
                                  {"ttl_ms", 1000}, {"label", "open palm"}});
    for (int f = 0; f < 5; ++f) {
      json chain = json::array({{ox + 12 * s, oy + 40 * s}});
      for (int j = 0; j < 4; ++j) chain.push_back({ox + f * 6 * s, oy + (3 - j) * 8 * s});
      hands["items"].push_back(json{{"kind", "polyline"}, {"points", chain}, {"color", "#00e676"},
                                    {"ttl_ms", 1000}});
    }
  }
  OverlaySet skeletons(width, height);
  check(skeletons.update(hands, 0, error), size + ": hand skeletons accepted (" + error + ")");
  const std::vector<OverlayItem> skeletonItems = skeletons.live(0);
  const double handsMs = timeMs(20, [&] { skeletons.draw(frame, skeletonItems); });
  std::printf("timing %s: analysis I420->RGB %dx%d %.2f ms; full-size RGB %.2f ms; JPEG q85 %.2f ms "
              "(+ RGB); 64 labelled boxes %.3f ms; 2 hand skeletons %.3f ms\n",
              size.c_str(), aw, ah, analysisMs, rgbMs, jpegMs, overlayMs, handsMs);
  gst_buffer_unref(frame);
  gst_buffer_unref(black);
}

void checkValidation() {
  OverlaySet o(1280, 720);
  struct Case {
    const char* params;
    const char* field;
  } cases[] = {
      {R"({})", "items:"},
      {R"({"items": 5})", "items:"},
      {R"({"items": [], "replace": "yes"})", "replace:"},
      {R"({"items": [3]})", "items[0]:"},
      {R"({"items": [{"box": [0, 0, 1], "color": "#ff0000", "ttl_ms": 5}]})", "items[0].box:"},
      {R"({"items": [{"box": [0, 0, 0, 5], "color": "#ff0000", "ttl_ms": 5}]})", "items[0].box:"},
      {R"({"items": [{"box": [0, 0, 5, 5], "color": "red", "ttl_ms": 5}]})", "items[0].color:"},
      {R"({"items": [{"box": [0, 0, 5, 5], "color": "#ff00zz", "ttl_ms": 5}]})", "items[0].color:"},
      {R"({"items": [{"box": [0, 0, 5, 5], "color": "#ff0000"}]})", "items[0].ttl_ms:"},
      {R"({"items": [{"box": [0, 0, 5, 5], "color": "#ff0000", "ttl_ms": 0}]})", "items[0].ttl_ms:"},
      {R"({"items": [{"box": [0, 0, 5, 5], "color": "#ff0000", "ttl_ms": 5, "thickness": 33}]})",
       "items[0].thickness:"},
      {R"({"items": [{"box": [0, 0, 5, 5], "color": "#ff0000", "ttl_ms": 5, "id": ""}]})", "items[0].id:"},
      {R"({"items": [{"box": [0, 0, 5, 5], "color": "#ff0000", "ttl_ms": 5, "label": 7}]})",
       "items[0].label:"},
      {R"({"items": [{"box": [0, 0, 5, 5], "color": "#ff0000", "ttl_ms": 5, "colour": "#ff0000"}]})",
       "items[0].colour:"},
  };
  for (const Case& c : cases) {
    std::string error;
    const bool accepted = o.update(json::parse(c.params), 0, error);
    check(!accepted && error.rfind(c.field, 0) == 0,
          std::string("rejects ") + c.params + " naming " + c.field + " (" + error + ")");
  }
  json tooMany = json{{"items", json::array()}};
  for (int i = 0; i < 65; ++i) tooMany["items"].push_back(json{{"box", {0, 0, 5, 5}}, {"color", "#ffffff"}, {"ttl_ms", 5}});
  std::string error;
  bool accepted = o.update(tooMany, 0, error);
  check(!accepted && error.rfind("items:", 0) == 0, "rejects 65 items (" + error + ")");
  json longLabel = json{{"items", {json{{"box", {0, 0, 5, 5}}, {"color", "#ffffff"}, {"ttl_ms", 5},
                                        {"label", std::string(65, 'a')}}}}};
  accepted = o.update(longLabel, 0, error);
  check(!accepted && error.rfind("items[0].label:", 0) == 0,
        "rejects a 65-character label (" + error + ")");
  // 64 characters of UTF-8 (2 bytes each) are fine: the limit counts characters.
  std::string umlauts;
  for (int i = 0; i < 64; ++i) umlauts += "\xc3\xbc";
  json utf8 = json{{"items", {json{{"box", {0, 0, 5, 5}}, {"color", "#ffffff"}, {"ttl_ms", 5}, {"label", umlauts}}}}};
  accepted = o.update(utf8, 0, error);
  check(accepted && o.live(0).at(0).label == std::string(64, '?'),
        "a 64-character UTF-8 label is drawn as 64 '?'");
  // Layers: each request touches its own layer; a layer holds at most kMaxLayerPoints points.
  OverlaySet layered(1280, 720);
  layered.update(json::parse(R"({"layer": "faces", "items": [{"box": [0, 0, 5, 5], "color": "#ffffff", "ttl_ms": 100}]})"), 0, error);
  layered.update(json::parse(R"({"items": [{"kind": "keypoints", "points": [[1, 1], [2, 2]], "color": "#ffffff", "ttl_ms": 100}]})"), 0, error);
  layered.update(json::parse(R"({"items": []})"), 0, error);
  check(layered.count(0) == 1 && layered.layerCounts(0).at(0).first == "faces",
        "clearing the default layer leaves the faces layer");
  json manyPoints = json{{"layer", "hands"}, {"items", json::array()}};
  for (int i = 0; i < 17; ++i) {
    json pts = json::array();
    for (int k = 0; k < 64; ++k) pts.push_back({k, i});
    manyPoints["items"].push_back(json{{"kind", "polyline"}, {"points", pts}, {"color", "#ffffff"}, {"ttl_ms", 5}});
  }
  accepted = layered.update(manyPoints, 0, error);
  check(!accepted && error.rfind("items:", 0) == 0 && layered.count(0) == 1,
        "rejects 1088 points in one layer, changing nothing (" + error + ")");
  // Merging by id.
  OverlaySet m(1280, 720);
  m.update(json::parse(R"({"items": [{"id": "a", "box": [0, 0, 5, 5], "color": "#ffffff", "ttl_ms": 100}]})"), 0, error);
  m.update(json::parse(R"({"replace": false, "items": [{"id": "b", "box": [0, 0, 5, 5], "color": "#ffffff", "ttl_ms": 100}]})"), 0, error);
  const bool two = m.count(0) == 2;
  m.update(json::parse(R"({"replace": false, "items": [{"id": "a", "box": [9, 9, 5, 5], "color": "#ffffff", "ttl_ms": 300}]})"), 0, error);
  const auto live = m.live(200000);  // µs: 200 ms later
  check(two && live.size() == 1 && live[0].id == "a" && live[0].x0 == 8,
        "replace: false merges by id (a replaced, b expired at its own TTL)");
  m.update(json::parse(R"({"items": []})"), 0, error);
  check(m.count(0) == 0, "replace (default) with no items clears");
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  checkHeader();
  checkFit();
  checkValidation();
  checkOverlaysAndConversion(640, 360);
  checkOverlaysAndConversion(1280, 720);
  checkOverlaysAndConversion(1920, 1080);
  if (failures == 0) std::printf("all checks passed\n");
  else std::printf("%d checks failed\n", failures);
  return failures == 0 ? 0 : 1;
}
