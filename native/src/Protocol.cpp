#include "Protocol.h"

namespace protocol {

std::string encodeFrame(uint8_t kind, const std::string& payload) {
  std::string out;
  out.reserve(payload.size() + 5);
  appendFrame(out, kind, payload);
  return out;
}

void appendFrame(std::string& out, uint8_t kind, const std::string& payload) {
  const uint32_t length = static_cast<uint32_t>(payload.size() + 1);
  out.push_back(static_cast<char>((length >> 24) & 0xff));
  out.push_back(static_cast<char>((length >> 16) & 0xff));
  out.push_back(static_cast<char>((length >> 8) & 0xff));
  out.push_back(static_cast<char>(length & 0xff));
  out.push_back(static_cast<char>(kind));
  out.append(payload);
}

void FrameDecoder::feed(const char* data, size_t size) {
  if (!error_.empty()) return;
  // Drop consumed bytes before growing the buffer.
  if (offset_ > 0 && offset_ >= buffer_.size() / 2) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  buffer_.append(data, size);
}

bool FrameDecoder::next(Frame& out) {
  if (!error_.empty()) return false;
  const size_t avail = buffer_.size() - offset_;
  if (avail < 4) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + offset_);
  const uint32_t length = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) |
                          (uint32_t(p[2]) << 8) | uint32_t(p[3]);
  if (length == 0) {
    error_ = "frame length 0";
    return false;
  }
  if (length > kMaxFrameLength) {
    error_ = "frame length " + std::to_string(length) + " exceeds 16 MiB";
    return false;
  }
  if (avail < 4 + size_t(length)) return false;
  out.kind = p[4];
  out.payload.assign(buffer_, offset_ + 5, length - 1);
  offset_ += 4 + size_t(length);
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  return true;
}

}  // namespace protocol
