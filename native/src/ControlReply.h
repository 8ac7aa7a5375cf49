// The outcome of every control request (RequestDispatcher, Egress): a result
// object, or an error code and message (native/PROTOCOL.md, "Requests").
// Every error camerad answers names its code as a literal in
// ControlReply::failure("code", ...), the form
// test/native/protocolConformance.test.ts reads.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

struct ControlReply {
  bool ok = true;
  nlohmann::json result = nlohmann::json::object();  ///< when ok
  std::string code;     ///< snake_case error code when !ok (bad_request, busy, ...)
  std::string message;  ///< error text when !ok

  static ControlReply success(nlohmann::json result) { return ControlReply{true, std::move(result), {}, {}}; }
  static ControlReply failure(std::string code, std::string message) {
    return ControlReply{false, nlohmann::json::object(), std::move(code), std::move(message)};
  }
};
