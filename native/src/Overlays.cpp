#include "Overlays.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "BitmapFont.h"
#include "RgbConverter.h"

using nlohmann::json;

struct OverlaySet::Planes {
  uint8_t* y;
  int yStride;
  uint8_t* u;
  int uStride;
  uint8_t* v;
  int vStride;
};

namespace {

int floorEven(double v) { return int(std::floor(v / 2.0)) * 2; }
int ceilEven(double v) { return int(std::ceil(v / 2.0)) * 2; }

bool parseColor(const std::string& text, int& r, int& g, int& b) {
  if (text.size() != 7 || text[0] != '#') return false;
  int value[6];
  for (int i = 0; i < 6; ++i) {
    const char c = text[size_t(i) + 1];
    if (c >= '0' && c <= '9') value[i] = c - '0';
    else if (c >= 'a' && c <= 'f') value[i] = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') value[i] = c - 'A' + 10;
    else return false;
  }
  r = value[0] * 16 + value[1];
  g = value[2] * 16 + value[3];
  b = value[4] * 16 + value[5];
  return true;
}

/// UTF-8 text (already validated by the JSON parser) -> printable ASCII, one
/// character per code point ('?' for the rest). False when over maxChars.
bool toAscii(const std::string& text, size_t maxChars, std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte of a code point already counted
    if (out.size() == maxChars) return false;
    out.push_back(c >= 0x20 && c <= 0x7e ? char(c) : '?');
  }
  return true;
}

/// A finite number in [min, max] named `field`, else false with error.
bool number(const json& item, const char* key, const std::string& at, double min, double max,
            double& out, std::string& error) {
  auto it = item.find(key);
  if (it == item.end() || !it->is_number()) {
    error = at + "." + key + ": missing or not a number";
    return false;
  }
  out = it->get<double>();
  if (!std::isfinite(out) || out < min || out > max) {
    error = at + "." + key + ": out of range (" + std::to_string(int64_t(min)) + ".." +
            std::to_string(int64_t(max)) + ")";
    return false;
  }
  return true;
}

}  // namespace

OverlaySet::OverlaySet(int width, int height)
    : width_(width), height_(height), info_(RgbConverter::inputInfo(width, height)) {}

int OverlaySet::defaultThickness(int height) { return std::clamp((height + 180) / 360 * 2, 2, 16); }

int OverlaySet::labelScale(int height) { return std::max(1, height / 360); }

void OverlaySet::toYuv(int r, int g, int b, uint8_t& y, uint8_t& u, uint8_t& v) const {
  gdouble kr = 0.299, kb = 0.114;
  gst_video_color_matrix_get_Kr_Kb(info_.colorimetry.matrix, &kr, &kb);
  gint offset[GST_VIDEO_MAX_COMPONENTS], scale[GST_VIDEO_MAX_COMPONENTS];
  gst_video_color_range_offsets(info_.colorimetry.range, info_.finfo, offset, scale);
  const double R = r / 255.0, G = g / 255.0, B = b / 255.0;
  const double Y = kr * R + (1.0 - kr - kb) * G + kb * B;
  const double Pb = (B - Y) / (2.0 * (1.0 - kb));
  const double Pr = (R - Y) / (2.0 * (1.0 - kr));
  auto clamp8 = [](double x) { return uint8_t(std::clamp(std::lround(x), 0L, 255L)); };
  y = clamp8(offset[0] + scale[0] * Y);
  u = clamp8(offset[1] + scale[1] * Pb);
  v = clamp8(offset[2] + scale[2] * Pr);
}

bool OverlaySet::parseItem(const json& item, const std::string& at, int64_t nowUs,
                           OverlayItem& out, std::string& error) const {
  if (!item.is_object()) {
    error = at + ": not an object";
    return false;
  }
  out.kind = OverlayItem::Kind::Box;
  if (auto it = item.find("kind"); it != item.end()) {
    const std::string kind = it->is_string() ? it->get<std::string>() : std::string();
    if (kind == "box") out.kind = OverlayItem::Kind::Box;
    else if (kind == "keypoints") out.kind = OverlayItem::Kind::Keypoints;
    else if (kind == "polyline") out.kind = OverlayItem::Kind::Polyline;
    else {
      error = at + ".kind: must be \"box\", \"keypoints\" or \"polyline\"";
      return false;
    }
  }
  static const char* kBox[] = {"kind", "id", "box", "label", "color", "ttl_ms", "thickness"};
  static const char* kKeypoints[] = {"kind", "id", "points", "radius", "label", "color", "ttl_ms"};
  static const char* kPolyline[] = {"kind",  "id",     "points", "closed",
                                    "label", "color", "ttl_ms", "thickness"};
  for (auto& field : item.items()) {
    auto known = [&](const auto& list) {
      return std::any_of(std::begin(list), std::end(list),
                         [&](const char* k) { return field.key() == k; });
    };
    const bool ok = out.kind == OverlayItem::Kind::Box         ? known(kBox)
                    : out.kind == OverlayItem::Kind::Keypoints ? known(kKeypoints)
                                                               : known(kPolyline);
    if (!ok) {
      error = at + "." + field.key() + ": unknown field";
      return false;
    }
  }
  if (auto it = item.find("id"); it != item.end()) {
    if (!it->is_string() || it->get<std::string>().empty() ||
        it->get<std::string>().size() > kMaxIdChars) {
      error = at + ".id: must be a string of 1.." + std::to_string(kMaxIdChars) + " bytes";
      return false;
    }
    out.id = it->get<std::string>();
  }
  auto finite = [](double n) { return std::isfinite(n) && std::fabs(n) <= kMaxCoordinate; };
  if (out.kind == OverlayItem::Kind::Box) {
    auto box = item.find("box");
    if (box == item.end() || !box->is_array() || box->size() != 4 ||
        !std::all_of(box->begin(), box->end(), [](const json& n) { return n.is_number(); })) {
      error = at + ".box: must be [x, y, width, height] (numbers, output pixels)";
      return false;
    }
    double b[4];
    for (size_t k = 0; k < 4; ++k) b[k] = (*box)[k].get<double>();
    if (!std::all_of(std::begin(b), std::end(b), finite)) {
      error = at + ".box: coordinates must be finite, within +-" +
              std::to_string(int(kMaxCoordinate));
      return false;
    }
    if (b[2] <= 0 || b[3] <= 0) {
      error = at + ".box: width and height must be > 0";
      return false;
    }
    out.x0 = floorEven(b[0]);
    out.y0 = floorEven(b[1]);
    out.x1 = ceilEven(b[0] + b[2]);
    out.y1 = ceilEven(b[1] + b[3]);
  } else {
    const size_t minPoints = out.kind == OverlayItem::Kind::Polyline ? 2 : 1;
    auto points = item.find("points");
    if (points == item.end() || !points->is_array() || points->size() < minPoints ||
        points->size() > kMaxPoints) {
      error = at + ".points: must be an array of " + std::to_string(minPoints) + ".." +
              std::to_string(kMaxPoints) + " points [x, y] (output pixels)";
      return false;
    }
    out.points.clear();
    out.points.reserve(points->size());
    for (size_t k = 0; k < points->size(); ++k) {
      const json& pt = (*points)[k];
      if (!pt.is_array() || pt.size() != 2 || !pt[0].is_number() || !pt[1].is_number() ||
          !finite(pt[0].get<double>()) || !finite(pt[1].get<double>())) {
        error = at + ".points[" + std::to_string(k) +
                "]: must be [x, y], finite numbers within +-" + std::to_string(int(kMaxCoordinate));
        return false;
      }
      out.points.push_back(
          {int(std::lround(pt[0].get<double>())), int(std::lround(pt[1].get<double>()))});
    }
    out.x0 = out.x1 = out.points[0].x;
    out.y0 = out.y1 = out.points[0].y;
    for (const OverlayPoint& pt : out.points) {
      out.x0 = std::min(out.x0, pt.x);
      out.y0 = std::min(out.y0, pt.y);
      out.x1 = std::max(out.x1, pt.x + 1);
      out.y1 = std::max(out.y1, pt.y + 1);
    }
  }
  if (auto it = item.find("label"); it != item.end()) {
    if (!it->is_string()) {
      error = at + ".label: not a string";
      return false;
    }
    if (!toAscii(it->get<std::string>(), kMaxLabelChars, out.label)) {
      error = at + ".label: longer than " + std::to_string(kMaxLabelChars) + " characters";
      return false;
    }
  }
  auto color = item.find("color");
  int r = 0, g = 0, bl = 0;
  if (color == item.end() || !color->is_string() ||
      !parseColor(color->get<std::string>(), r, g, bl)) {
    error = at + ".color: must be a string \"#rrggbb\"";
    return false;
  }
  toYuv(r, g, bl, out.y, out.u, out.v);
  out.darkText = 0.299 * r + 0.587 * g + 0.114 * bl > 140;
  double ttl = 0;
  if (!number(item, "ttl_ms", at, 1, kMaxTtlMs, ttl, error)) return false;
  out.expiresUs = nowUs + int64_t(std::ceil(ttl)) * 1000;
  out.thickness = defaultThickness(height_);
  if (item.contains("thickness")) {
    double t = 0;
    if (!number(item, "thickness", at, 1, kMaxThickness, t, error)) return false;
    // Box: whole 2x2 chroma blocks; polyline: as asked.
    out.thickness = out.kind == OverlayItem::Kind::Box ? ceilEven(t) : int(std::ceil(t));
  }
  if (out.kind == OverlayItem::Kind::Keypoints) {
    out.radius = std::max(2, defaultThickness(height_));
    if (item.contains("radius")) {
      double rad = 0;
      if (!number(item, "radius", at, 1, kMaxRadius, rad, error)) return false;
      out.radius = int(std::ceil(rad));
    }
  }
  if (auto it = item.find("closed"); it != item.end()) {
    if (!it->is_boolean()) {
      error = at + ".closed: not a boolean";
      return false;
    }
    out.closed = it->get<bool>();
  }
  return true;
}

bool OverlaySet::update(const json& params, int64_t nowUs, std::string& error,
                        std::string* layerName) {
  auto itemsIt = params.find("items");
  if (itemsIt == params.end() || !itemsIt->is_array()) {
    error = "items: missing or not an array";
    return false;
  }
  if (itemsIt->size() > kMaxItems) {
    error = "items: at most " + std::to_string(kMaxItems) + " items";
    return false;
  }
  bool replace = true;
  if (auto it = params.find("replace"); it != params.end()) {
    if (!it->is_boolean()) {
      error = "replace: not a boolean";
      return false;
    }
    replace = it->get<bool>();
  }
  std::string layer = "default";
  if (auto it = params.find("layer"); it != params.end()) {
    const std::string name = it->is_string() ? it->get<std::string>() : std::string();
    const bool valid = !name.empty() && name.size() <= kMaxLayerChars &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                                c == '-';
                       });
    if (!valid) {
      error = "layer: must be a string of 1.." + std::to_string(kMaxLayerChars) +
              " characters a-z, 0-9, '_' or '-'";
      return false;
    }
    layer = name;
  }
  std::vector<OverlayItem> parsed;
  parsed.reserve(itemsIt->size());
  for (size_t i = 0; i < itemsIt->size(); ++i) {
    OverlayItem out;
    if (!parseItem((*itemsIt)[i], "items[" + std::to_string(i) + "]", nowUs, out, error)) {
      return false;
    }
    parsed.push_back(std::move(out));
  }

  std::lock_guard<std::mutex> lock(mutex_);
  prune(nowUs);
  auto found = std::find_if(layers_.begin(), layers_.end(),
                            [&](const Layer& l) { return l.name == layer; });
  if (found == layers_.end()) {
    if (parsed.empty()) {  // clearing a layer that holds nothing
      if (layerName != nullptr) *layerName = layer;
      return true;
    }
    if (layers_.size() >= kMaxLayers) {
      error = "layer: at most " + std::to_string(kMaxLayers) +
              " layers hold items at a time (clear one with items [])";
      return false;
    }
    layers_.push_back(Layer{layer, {}});
    found = layers_.end() - 1;
  }
  std::vector<OverlayItem>& items = found->items;
  // Drawing costs about length x width per segment and pi r^2 per keypoint:
  // bound the points a layer holds (checked before anything changes).
  size_t points = 0;
  for (const OverlayItem& item : parsed) points += item.points.size();
  if (!replace) {
    for (const OverlayItem& old : items) {
      const bool replaced =
          !old.id.empty() && std::any_of(parsed.begin(), parsed.end(),
                                         [&](const OverlayItem& n) { return n.id == old.id; });
      if (!replaced) points += old.points.size();
    }
  }
  if (points > kMaxLayerPoints) {
    if (items.empty()) layers_.erase(found);
    error = "items: a layer holds at most " + std::to_string(kMaxLayerPoints) + " points";
    return false;
  }
  if (replace) {
    items = std::move(parsed);
  } else {
    for (OverlayItem& item : parsed) {
      if (!item.id.empty()) {
        items.erase(std::remove_if(items.begin(), items.end(),
                                   [&](const OverlayItem& old) { return old.id == item.id; }),
                    items.end());
      }
      items.push_back(std::move(item));
    }
    if (items.size() > kMaxItems) {
      // Over the cap after a merge: the items that would expire first go.
      std::stable_sort(items.begin(), items.end(), [](const OverlayItem& a, const OverlayItem& b) {
        return a.expiresUs > b.expiresUs;
      });
      items.resize(kMaxItems);
    }
  }
  if (items.empty()) layers_.erase(found);
  if (layerName != nullptr) *layerName = layer;
  return true;
}

void OverlaySet::prune(int64_t nowUs) {
  for (Layer& layer : layers_) {
    layer.items.erase(std::remove_if(layer.items.begin(), layer.items.end(),
                                     [&](const OverlayItem& i) { return i.expiresUs <= nowUs; }),
                      layer.items.end());
  }
  layers_.erase(std::remove_if(layers_.begin(), layers_.end(),
                               [](const Layer& l) { return l.items.empty(); }),
                layers_.end());
}

void OverlaySet::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  layers_.clear();
}

std::vector<OverlayItem> OverlaySet::live(int64_t nowUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (layers_.empty()) return {};
  prune(nowUs);
  std::vector<OverlayItem> out;
  for (const Layer& layer : layers_) out.insert(out.end(), layer.items.begin(), layer.items.end());
  return out;
}

size_t OverlaySet::count(int64_t nowUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  prune(nowUs);
  size_t n = 0;
  for (const Layer& layer : layers_) n += layer.items.size();
  return n;
}

std::vector<std::pair<std::string, size_t>> OverlaySet::layerCounts(int64_t nowUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  prune(nowUs);
  std::vector<std::pair<std::string, size_t>> out;
  for (const Layer& layer : layers_) out.emplace_back(layer.name, layer.items.size());
  return out;
}

bool OverlaySet::draw(GstBuffer* buffer, const std::vector<OverlayItem>& items, bool labels) const {
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info_, buffer, GST_MAP_WRITE)) return false;
  drawPlanes(items, static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
             GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
             static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 1)),
             GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 1),
             static_cast<uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 2)),
             GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 2), labels);
  gst_video_frame_unmap(&frame);
  return true;
}

void OverlaySet::drawPlanes(const std::vector<OverlayItem>& items, uint8_t* y, int yStride,
                            uint8_t* u, int uStride, uint8_t* v, int vStride, bool labels) const {
  const Planes p{y, yStride, u, uStride, v, vStride};
  for (const OverlayItem& item : items) {
    switch (item.kind) {
      case OverlayItem::Kind::Box: {
        const int t = item.thickness;
        const int x0 = item.x0, y0 = item.y0, x1 = item.x1, y1 = item.y1;
        if (x1 - x0 <= 2 * t || y1 - y0 <= 2 * t) {
          fill(p, x0, y0, x1, y1, item.y, item.u, item.v);  // too small for a frame: solid
        } else {
          fill(p, x0, y0, x1, y0 + t, item.y, item.u, item.v);          // top
          fill(p, x0, y1 - t, x1, y1, item.y, item.u, item.v);          // bottom
          fill(p, x0, y0 + t, x0 + t, y1 - t, item.y, item.u, item.v);  // left
          fill(p, x1 - t, y0 + t, x1, y1 - t, item.y, item.u, item.v);  // right
        }
        // A box's label may name a person: only with policy `names`.
        if (labels && !item.label.empty()) drawLabel(p, item);
        break;
      }
      case OverlayItem::Kind::Keypoints:
        for (const OverlayPoint& pt : item.points) drawDisc(p, pt, item.radius, item);
        if (!item.label.empty()) drawLabel(p, item);  // not identity: policy `boxes` too
        break;
      case OverlayItem::Kind::Polyline: {
        const size_t n = item.points.size();
        for (size_t i = 0; i + 1 < n; ++i) {
          drawLine(p, item.points[i], item.points[i + 1], item.thickness, item);
        }
        if (item.closed && n > 2) {
          drawLine(p, item.points[n - 1], item.points[0], item.thickness, item);
        }
        if (!item.label.empty()) drawLabel(p, item);  // not identity: policy `boxes` too
        break;
      }
    }
  }
}

void OverlaySet::drawDisc(const Planes& p, OverlayPoint c, int radius,
                          const OverlayItem& colour) const {
  // One span per row: about pi r^2 luma bytes (r = 4: ~50 bytes).
  const int r2 = radius * radius;
  for (int dy = -radius; dy <= radius; ++dy) {
    const int row = c.y + dy;
    if (row < 0 || row >= height_) continue;
    const int half = int(std::floor(std::sqrt(double(r2 - dy * dy))));
    fill(p, c.x - half, row, c.x + half + 1, row + 1, colour.y, colour.u, colour.v);
  }
}

void OverlaySet::drawLine(const Planes& p, OverlayPoint a, OverlayPoint b, int width,
                          const OverlayItem& colour) const {
  // Liang-Barsky: clip a..b to the picture grown by the line width, so far-off
  // points cost nothing; then one span of `width` px across the line per
  // pixel step along its major axis: about length x width luma bytes.
  double x0 = a.x, y0 = a.y, x1 = b.x, y1 = b.y;
  const double lo = -width, hiX = width_ + width, hiY = height_ + width;
  double t0 = 0, t1 = 1;
  const double dx = x1 - x0, dy = y1 - y0;
  const double pp[4] = {-dx, dx, -dy, dy};
  const double qq[4] = {x0 - lo, hiX - x0, y0 - lo, hiY - y0};
  for (int i = 0; i < 4; ++i) {
    if (pp[i] == 0) {
      if (qq[i] < 0) return;  // parallel and outside
      continue;
    }
    const double t = qq[i] / pp[i];
    if (pp[i] < 0) t0 = std::max(t0, t);
    else t1 = std::min(t1, t);
    if (t0 > t1) return;
  }
  const double cx0 = x0 + t0 * dx, cy0 = y0 + t0 * dy, cx1 = x0 + t1 * dx, cy1 = y0 + t1 * dy;
  const int before = (width - 1) / 2, after = width - before;  // span [c - before, c + after)
  if (std::fabs(dx) >= std::fabs(dy)) {
    const int xs = int(std::lround(std::min(cx0, cx1)));
    const int xe = int(std::lround(std::max(cx0, cx1)));
    for (int x = xs; x <= xe; ++x) {
      const double t = dx == 0 ? 0 : (x - x0) / dx;
      const int yc = int(std::lround(y0 + t * dy));
      fill(p, x, yc - before, x + 1, yc + after, colour.y, colour.u, colour.v);
    }
  } else {
    const int ys = int(std::lround(std::min(cy0, cy1)));
    const int ye = int(std::lround(std::max(cy0, cy1)));
    for (int y = ys; y <= ye; ++y) {
      const double t = (y - y0) / dy;
      const int xc = int(std::lround(x0 + t * dx));
      fill(p, xc - before, y, xc + after, y + 1, colour.y, colour.u, colour.v);
    }
  }
}

void OverlaySet::drawLabel(const Planes& p, const OverlayItem& item) const {
  const int s = labelScale(height_);
  const int n = int(item.label.size());
  // Glyphs 5 s wide on a 6 s pitch, s of padding around: (6 n + 1) s x 9 s.
  const int w = ceilEven((6 * n + 1) * s);
  const int h = ceilEven(9 * s);
  int x = item.x0;
  if (w <= width_) x = std::clamp(x, 0, width_ - w);
  // Above the box; inside its top edge when there is no room above.
  const int y = item.y0 - h >= 0 ? item.y0 - h : std::max(item.y0, 0);
  fill(p, x, y, x + w, y + h, item.y, item.u, item.v);
  uint8_t ty, tu, tv;  // text black or white
  const int text = item.darkText ? 0 : 255;
  toYuv(text, text, text, ty, tu, tv);
  for (int i = 0; i < n; ++i) {
    const uint8_t* glyph = bitmapfont::glyph(item.label[size_t(i)]);
    const int gx = x + s + i * 6 * s;
    for (int col = 0; col < bitmapfont::kGlyphWidth; ++col) {
      for (int row = 0; row < bitmapfont::kGlyphHeight; ++row) {
        if (!((glyph[col] >> row) & 1)) continue;
        const int px = gx + col * s, py = y + s + row * s;
        fill(p, px, py, px + s, py + s, ty, tu, tv);
      }
    }
  }
}

void OverlaySet::fill(const Planes& p, int x0, int y0, int x1, int y1, uint8_t y, uint8_t u,
                      uint8_t v) const {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, width_);
  y1 = std::min(y1, height_);
  if (x0 >= x1 || y0 >= y1) return;
  for (int row = y0; row < y1; ++row) {
    std::memset(p.y + size_t(row) * size_t(p.yStride) + x0, y, size_t(x1 - x0));
  }
  // 4:2:0: the chroma samples of every 2x2 block the rectangle touches.
  const int cx0 = x0 / 2, cx1 = (x1 + 1) / 2, cy0 = y0 / 2, cy1 = (y1 + 1) / 2;
  for (int row = cy0; row < cy1; ++row) {
    std::memset(p.u + size_t(row) * size_t(p.uStride) + cx0, u, size_t(cx1 - cx0));
    std::memset(p.v + size_t(row) * size_t(p.vStride) + cx0, v, size_t(cx1 - cx0));
  }
}
