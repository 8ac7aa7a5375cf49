// Overlay boxes and labels drawn into the program picture before the
// encoder (control method "overlays", native/PROTOCOL.md). Items come from
// the control client (main thread) and expire after their TTL; the frame
// clock draws the live ones straight into the I420 planes with a built-in
// 5x7 bitmap font (no cairo/pango). The latency probe strip is drawn after
// the overlays, so it always stays intact.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "OverlayPolicy.h"

struct OverlayItem {
  std::string id;      ///< empty: no id (cannot be replaced one by one)
  int x0 = 0, y0 = 0;  ///< box, px, even-aligned, may reach outside the picture
  int x1 = 0, y1 = 0;  ///< exclusive
  std::string label;   ///< printable ASCII (others became '?'), may be empty
  uint8_t y = 0, u = 0, v = 0;  ///< box colour in the picture's Y'CbCr
  bool darkText = false;        ///< label text black (light box colour) or white
  int thickness = 2;            ///< stroke width, px, even
  int64_t expiresUs = 0;        ///< g_get_monotonic_time() µs
};

class OverlaySet {
 public:
  static constexpr size_t kMaxItems = 64;        ///< items at a time
  static constexpr size_t kMaxLabelChars = 64;   ///< characters per label
  static constexpr size_t kMaxIdChars = 64;
  static constexpr int kMaxTtlMs = 600000;       ///< 10 min
  static constexpr int kMaxThickness = 32;       ///< px
  static constexpr double kMaxCoordinate = 100000;  ///< |x|, |y|, w, h in px

  /// For I420 pictures of width x height px (camerad's output size).
  OverlaySet(int width, int height);

  /// Applies the params of an "overlays" request at monotonic time nowUs.
  /// Returns false, changing nothing, with error = "<field>: <message>"
  /// (e.g. "items[2].color: ...") when a field is invalid. Main thread.
  bool update(const nlohmann::json& params, int64_t nowUs, std::string& error);
  /// Removes every item. Any thread.
  void clear();
  /// Items not expired at nowUs (expired ones are forgotten). Any thread.
  std::vector<OverlayItem> live(int64_t nowUs);
  /// Number of items not expired at nowUs. Any thread.
  size_t count(int64_t nowUs);

  /// Draws items into a writable I420 buffer of this set's size (default
  /// layout or GstVideoMeta); with `labels` false only the boxes (policy
  /// `boxes`). False when it cannot be mapped for writing.
  bool draw(GstBuffer* buffer, const std::vector<OverlayItem>& items, bool labels = true) const;
  /// Same on planes already mapped; strides in bytes.
  void drawPlanes(const std::vector<OverlayItem>& items, uint8_t* y, int yStride, uint8_t* u,
                  int uStride, uint8_t* v, int vStride, bool labels = true) const;

  /// Default stroke width for a picture height: 2 px per 360 rows, even, 2..16.
  static int defaultThickness(int height);
  /// Label glyph scale for a picture height: max(1, height / 360).
  static int labelScale(int height);

 private:
  struct Planes;
  void fill(const Planes& p, int x0, int y0, int x1, int y1, uint8_t y, uint8_t u, uint8_t v) const;
  void drawLabel(const Planes& p, const OverlayItem& item) const;
  /// #rrggbb -> Y'CbCr with the picture's matrix and range.
  void toYuv(int r, int g, int b, uint8_t& y, uint8_t& u, uint8_t& v) const;

  int width_;
  int height_;
  GstVideoInfo info_;
  std::mutex mutex_;
  std::vector<OverlayItem> items_;
};
