#include "FrameMessage.h"

#include <cstring>

namespace framemsg {

namespace {
void put16(char* p, uint16_t v) {
  p[0] = char(v >> 8);
  p[1] = char(v);
}
void put32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = char(v >> (8 * (3 - i)));
}
void put64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = char(v >> (8 * (7 - i)));
}
}  // namespace

std::string makePayload(const Header& h, size_t dataSize) {
  std::string out(kHeaderSize + dataSize, '\0');
  char* p = &out[0];
  std::memcpy(p, kMagic, 4);
  p[4] = char(kVersion);
  p[5] = char(kHeaderSize);
  p[6] = char(h.format);
  p[7] = char(h.flags);
  put64(p + 8, h.frame);
  put64(p + 16, h.captureUs);
  put16(p + 24, h.width);
  put16(p + 26, h.height);
  put32(p + 28, h.stride);
  put32(p + 32, h.requestId);
  put32(p + 36, uint32_t(dataSize));
  return out;
}

}  // namespace framemsg
