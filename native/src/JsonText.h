// Small JSON helpers shared by the control replies (RequestDispatcher) and notifications (Daemon).
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

/// JSON text, compact; invalid UTF-8 (e.g. in GStreamer messages) is replaced (U+FFFD), never thrown.
inline std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// `v` rounded to one decimal (figures in stats and replies: fps, kbit/s, ms).
inline double round1(double v) { return std::round(v * 10.0) / 10.0; }
