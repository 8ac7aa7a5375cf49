#include "RtspConfig.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw std::invalid_argument(key + ": " + why);
}

unsigned readUnsigned(const json& obj, const char* key, unsigned fallback, unsigned min, unsigned max) {
  if (!obj.contains(key)) return fallback;
  const json& v = obj.at(key);
  if (!v.is_number_unsigned()) bad(key, "must be a non-negative integer");
  const auto n = v.get<uint64_t>();
  if (n < min || n > max) bad(key, "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  return static_cast<unsigned>(n);
}

std::string readString(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key) || !obj.at(key).is_string() || obj.at(key).get<std::string>().empty())
    bad(where + key, "must be a non-empty string");
  return obj.at(key).get<std::string>();
}

}  // namespace

RtspConfig RtspConfig::parse(const std::string& line) {
  json doc;
  try {
    doc = json::parse(line);
  } catch (const json::parse_error& e) {
    // Only the position: the parser's message quotes the token it was reading, which can be
    // a password.
    bad("config", "not JSON (syntax error at byte " + std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    bad("config", "not JSON");
  }
  if (!doc.is_object()) bad("config", "must be a JSON object");
  RtspConfig config;
  if (doc.contains("host")) config.host = readString(doc, "host", "");
  config.port = static_cast<uint16_t>(readUnsigned(doc, "port", config.port, 0, 65535));
  config.maxClients = readUnsigned(doc, "maxClients", config.maxClients, 1, 10000);
  config.maxPendingClients = readUnsigned(doc, "maxPendingClients", config.maxPendingClients, 1, 10000);
  config.maxPendingPerAddress = readUnsigned(doc, "maxPendingPerAddress", config.maxPendingPerAddress, 1, 10000);
  config.authTimeoutS = readUnsigned(doc, "authTimeoutS", config.authTimeoutS, 1, 3600);
  config.clientTimeoutS = readUnsigned(doc, "clientTimeoutS", config.clientTimeoutS, 1, 3600);
  config.sourcePort = static_cast<uint16_t>(readUnsigned(doc, "sourcePort", 0, 0, 65535));
  config.statsIntervalMs = readUnsigned(doc, "statsIntervalMs", config.statsIntervalMs, 100, 600000);
  if (doc.contains("protocols")) {
    const json& p = doc.at("protocols");
    if (!p.is_array() || p.empty()) bad("protocols", "must be a non-empty array of \"udp\", \"tcp\"");
    config.udp = config.tcp = false;
    for (const json& item : p) {
      if (item == "udp")
        config.udp = true;
      else if (item == "tcp")
        config.tcp = true;
      else
        bad("protocols", "unknown protocol (udp, tcp)");
    }
  }
  if (!doc.contains("users") || !doc.at("users").is_array() || doc.at("users").empty())
    bad("users", "must be a non-empty array");
  for (const json& u : doc.at("users")) {
    if (!u.is_object()) bad("users", "each user must be an object");
    config.users.push_back({readString(u, "name", "users[]."), readString(u, "password", "users[].")});
  }
  if (!doc.contains("mounts") || !doc.at("mounts").is_array()) bad("mounts", "must be an array");
  for (const json& m : doc.at("mounts")) {
    if (!m.is_object()) bad("mounts", "each mount must be an object");
    RtspMount mount{readString(m, "camera", "mounts[]."), readString(m, "path", "mounts[]."), 0};
    if (mount.path.front() != '/') bad("mounts[].path", "must start with /");
    mount.rtpPort = static_cast<uint16_t>(readUnsigned(m, "rtpPort", 0, 1, 65535));
    config.mounts.push_back(mount);
  }
  return config;
}
