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

bool OverlaySet::update(const json& params, int64_t nowUs, std::string& error) {
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
  static const char* kKnown[] = {"id", "box", "label", "color", "ttl_ms", "thickness"};
  std::vector<OverlayItem> parsed;
  parsed.reserve(itemsIt->size());
  for (size_t i = 0; i < itemsIt->size(); ++i) {
    const json& item = (*itemsIt)[i];
    const std::string at = "items[" + std::to_string(i) + "]";
    if (!item.is_object()) {
      error = at + ": not an object";
      return false;
    }
    for (auto& field : item.items()) {
      if (std::none_of(std::begin(kKnown), std::end(kKnown),
                       [&](const char* k) { return field.key() == k; })) {
        error = at + "." + field.key() + ": unknown field";
        return false;
      }
    }
    OverlayItem out;
    if (auto it = item.find("id"); it != item.end()) {
      if (!it->is_string() || it->get<std::string>().empty() ||
          it->get<std::string>().size() > kMaxIdChars) {
        error = at + ".id: must be a string of 1.." + std::to_string(kMaxIdChars) + " bytes";
        return false;
      }
      out.id = it->get<std::string>();
    }
    auto box = item.find("box");
    if (box == item.end() || !box->is_array() || box->size() != 4 ||
        !std::all_of(box->begin(), box->end(), [](const json& n) { return n.is_number(); })) {
      error = at + ".box: must be [x, y, width, height] (numbers, output pixels)";
      return false;
    }
    double b[4];
    for (size_t k = 0; k < 4; ++k) b[k] = (*box)[k].get<double>();
    if (!std::all_of(std::begin(b), std::end(b), [](double n) {
          return std::isfinite(n) && std::fabs(n) <= kMaxCoordinate;
        })) {
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
      out.thickness = ceilEven(t);  // whole 2x2 chroma blocks
    }
    parsed.push_back(std::move(out));
  }

  std::lock_guard<std::mutex> lock(mutex_);
  if (replace) {
    items_ = std::move(parsed);
    return true;
  }
  for (OverlayItem& item : parsed) {
    if (!item.id.empty()) {
      items_.erase(std::remove_if(items_.begin(), items_.end(),
                                  [&](const OverlayItem& old) { return old.id == item.id; }),
                   items_.end());
    }
    items_.push_back(std::move(item));
  }
  items_.erase(std::remove_if(items_.begin(), items_.end(),
                              [&](const OverlayItem& i) { return i.expiresUs <= nowUs; }),
               items_.end());
  if (items_.size() > kMaxItems) {
    // Over the cap after a merge: the items that would expire first go.
    std::stable_sort(items_.begin(), items_.end(), [](const OverlayItem& a, const OverlayItem& b) {
      return a.expiresUs > b.expiresUs;
    });
    items_.resize(kMaxItems);
  }
  return true;
}

void OverlaySet::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  items_.clear();
}

std::vector<OverlayItem> OverlaySet::live(int64_t nowUs) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (items_.empty()) return {};
  items_.erase(std::remove_if(items_.begin(), items_.end(),
                              [&](const OverlayItem& i) { return i.expiresUs <= nowUs; }),
               items_.end());
  return items_;
}

size_t OverlaySet::count(int64_t nowUs) { return live(nowUs).size(); }

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
    if (labels && !item.label.empty()) drawLabel(p, item);
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
