// A 5x7 pixel bitmap font for printable ASCII (0x20..0x7e), for overlay
// labels: no font library, no font files.
#pragma once

#include <cstdint>

namespace bitmapfont {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 7;

/// The glyph of `c` as 5 columns, bit 0 = top row; '?' for anything outside
/// 0x20..0x7e.
const uint8_t* glyph(char c);

}  // namespace bitmapfont
