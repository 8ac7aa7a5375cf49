// Control-protocol framing (see native/PROTOCOL.md):
//   [u32 length, big-endian][u8 kind][payload], length = 1 + payload size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace protocol {

constexpr int kVersion = 1;
/// Largest allowed value of the length field, bytes (16 MiB).
constexpr uint32_t kMaxFrameLength = 16u * 1024u * 1024u;

enum Kind : uint8_t {
  kRequest = 1,       ///< client -> camerad, JSON
  kResponse = 2,      ///< camerad -> client, JSON, one per request
  kNotification = 3,  ///< camerad -> client, JSON
  kAnalysisFrame = 4, ///< camerad -> client, analysis picture (FrameMessage.h)
  kJpegStill = 5,     ///< camerad -> client, JPEG still of a `stills` variant (FrameMessage.h)
  kGrabFrame = 6,     ///< camerad -> client, reply picture of a "grab" request (FrameMessage.h)
};

/// Serializes one frame (header + payload).
std::string encodeFrame(uint8_t kind, const std::string& payload);
/// Appends one frame (header + payload) to `out`.
void appendFrame(std::string& out, uint8_t kind, const std::string& payload);

struct Frame {
  uint8_t kind = 0;
  std::string payload;
};

/// Incremental decoder for a byte stream of frames.
class FrameDecoder {
 public:
  /// Appends received bytes.
  void feed(const char* data, size_t size);
  /// Extracts the next complete frame. Returns false when more bytes are
  /// needed or after a protocol error (then error() is non-empty).
  bool next(Frame& out);
  const std::string& error() const { return error_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
  std::string error_;
};

}  // namespace protocol
