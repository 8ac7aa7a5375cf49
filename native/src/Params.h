// Reads the `params` object of a control request (native/PROTOCOL.md,
// "Requests"): each reader checks one field's type and range and, when it is
// wrong, keeps the first error as a `bad_request` reply naming the field, e.g.
// `missing or invalid "enabled" (boolean expected)`.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ControlReply.h"

class Params {
 public:
  /// `params` as sent; anything but an object reads as an object without fields.
  explicit Params(const nlohmann::json& params);

  /// Whether the request has field `name` (of any type).
  bool has(const char* name) const;
  /// The object itself (for readers with their own rules, e.g. Overlays, Egress).
  const nlohmann::json& object() const { return params_; }

  /// A required boolean. Sets out, or fails ("missing or invalid").
  bool requireBool(const char* name, bool& out);
  /// An optional boolean: out is left as it is when absent; fails when not a boolean.
  bool optionalBool(const char* name, bool& out);
  /// An optional number in (0, max]: out is left as it is when absent.
  /// `expected` ends the message, e.g. "number expected, > 0 and <= 60".
  bool optionalPositive(const char* name, double max, const char* expected, double& out);
  /// An optional integer in [lo, hi]: out is left as it is when absent.
  bool optionalInt(const char* name, int64_t lo, int64_t hi, const char* expected, int64_t& out);
  /// A required integer >= lo.
  bool requireInt(const char* name, int64_t lo, const char* expected, int64_t& out);
  /// A required string; `accept` (when given) says whether its value is allowed (it may also
  /// keep what it parsed from it).
  bool requireString(const char* name, const char* expected, std::string& out,
                     const std::function<bool(const std::string&)>& accept = nullptr);

  /// The bad_request reply for the first field that failed; only after a reader returned false.
  ControlReply failure() const;

 private:
  const nlohmann::json* find(const char* name) const;
  bool fail(bool missing, const char* name, const char* expected);

  nlohmann::json params_;
  std::string error_;
};
