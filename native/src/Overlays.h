// Overlay boxes, keypoints, polylines and labels drawn into the program
// picture before the encoder (control method "overlays", native/PROTOCOL.md).
// Items come from the control client (main thread) in named layers (one per
// producer: a request replaces or merges within its own layer only) and expire
// after their TTL; the frame clock draws the live ones straight into the I420
// planes with a built-in 5x7 bitmap font (no cairo/pango). The latency probe
// strip is drawn after the overlays, so it always stays intact.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "OverlayPolicy.h"

struct OverlayPoint {
  int x = 0, y = 0;  ///< output px, may lie outside the picture
};

struct OverlayItem {
  enum class Kind {
    Box,        ///< a rectangle's outline; its label is identity (policy `names`)
    Keypoints,  ///< filled discs; not identity (policy `boxes`), label included
    Polyline,   ///< a chain of line segments; not identity (policy `boxes`), label included
  };
  Kind kind = Kind::Box;
  std::string id;      ///< empty: no id (cannot be replaced one by one)
  /// Box: the box, even-aligned; others: the points' bounds. May reach outside the picture.
  int x0 = 0, y0 = 0;
  int x1 = 0, y1 = 0;  ///< exclusive
  std::vector<OverlayPoint> points;  ///< Keypoints, Polyline
  int radius = 0;                    ///< Keypoints: disc radius, px
  bool closed = false;               ///< Polyline: last point joined to the first
  std::string label;   ///< printable ASCII (others became '?'), may be empty
  uint8_t y = 0, u = 0, v = 0;  ///< box colour in the picture's Y'CbCr
  bool darkText = false;        ///< label text black (light box colour) or white
  int thickness = 2;            ///< stroke width, px (Box: even; Polyline: line width)
  int64_t expiresUs = 0;        ///< g_get_monotonic_time() µs
};

class OverlaySet {
 public:
  static constexpr size_t kMaxItems = 64;        ///< items at a time per layer
  static constexpr size_t kMaxLayers = 8;        ///< layers holding items at a time
  static constexpr size_t kMaxLayerChars = 32;   ///< layer name: [a-z0-9_-], 1..32
  static constexpr size_t kMaxPoints = 64;       ///< points per keypoints/polyline item
  static constexpr size_t kMaxLayerPoints = 1024; ///< points of all items of a layer
  static constexpr int kMaxRadius = 32;          ///< keypoint radius, px
  static constexpr size_t kMaxLabelChars = 64;   ///< characters per label
  static constexpr size_t kMaxIdChars = 64;
  static constexpr int kMaxTtlMs = 600000;       ///< 10 min
  static constexpr int kMaxThickness = 32;       ///< px
  static constexpr double kMaxCoordinate = 100000;  ///< |x|, |y|, w, h in px

  /// For I420 pictures of width x height px (camerad's output size).
  OverlaySet(int width, int height);

  /// Applies the params of an "overlays" request at monotonic time nowUs to
  /// the request's layer (params "layer", default "default"); other layers
  /// keep their items. Returns false, changing nothing, with error =
  /// "<field>: <message>" (e.g. "items[2].points[3]: ...") when a field is
  /// invalid or a bound is exceeded; else layerName = the layer. Main thread.
  bool update(const nlohmann::json& params, int64_t nowUs, std::string& error,
              std::string* layerName = nullptr);
  /// Removes every item. Any thread.
  void clear();
  /// Items not expired at nowUs (expired ones are forgotten). Any thread.
  std::vector<OverlayItem> live(int64_t nowUs);
  /// Number of items not expired at nowUs. Any thread.
  size_t count(int64_t nowUs);
  /// Items not expired at nowUs per layer holding any, in draw order. Any thread.
  std::vector<std::pair<std::string, size_t>> layerCounts(int64_t nowUs);

  /// Draws items into a writable I420 buffer of this set's size (default
  /// layout or GstVideoMeta); with `labels` false (policy `boxes`) the labels
  /// of Box items (identity) are left out; keypoints, polylines and their
  /// labels are drawn either way. False when it cannot be mapped for writing.
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
  /// A line a..b, `width` px wide, clipped to the picture: one span per step.
  void drawLine(const Planes& p, OverlayPoint a, OverlayPoint b, int width,
                const OverlayItem& colour) const;
  void drawDisc(const Planes& p, OverlayPoint c, int radius, const OverlayItem& colour) const;
  bool parseItem(const nlohmann::json& item, const std::string& at, int64_t nowUs,
                 OverlayItem& out, std::string& error) const;
  /// #rrggbb -> Y'CbCr with the picture's matrix and range.
  void toYuv(int r, int g, int b, uint8_t& y, uint8_t& u, uint8_t& v) const;

  int width_;
  int height_;
  GstVideoInfo info_;
  struct Layer {
    std::string name;
    std::vector<OverlayItem> items;
  };
  /// Drops expired items and layers left empty. Caller holds mutex_.
  void prune(int64_t nowUs);

  std::mutex mutex_;
  std::vector<Layer> layers_;  ///< in order of creation: the draw order
};
