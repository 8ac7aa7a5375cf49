// rtspd's event channel: one JSON object per line on stdout (native/PROTOCOL.md,
// "rtspd"). Thread-safe: RTSP clients are served on other threads than the main loop.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>

class RtspEvents {
 public:
  /// Writes `event` as one line and flushes. Never carries a password.
  void emit(const nlohmann::json& event);

 private:
  std::mutex mutex_;
};
