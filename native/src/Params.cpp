#include "Params.h"

using nlohmann::json;

Params::Params(const json& params) : params_(params.is_object() ? params : json::object()) {}

const json* Params::find(const char* name) const {
  auto it = params_.find(name);
  return it == params_.end() ? nullptr : &*it;
}

bool Params::has(const char* name) const { return find(name) != nullptr; }

bool Params::fail(bool missing, const char* name, const char* expected) {
  if (error_.empty()) {
    error_ = std::string(missing ? "missing or invalid \"" : "invalid \"") + name + "\" (" + expected + ")";
  }
  return false;
}

bool Params::requireBool(const char* name, bool& out) {
  const json* v = find(name);
  if (v == nullptr || !v->is_boolean()) return fail(true, name, "boolean expected");
  out = v->get<bool>();
  return true;
}

bool Params::optionalBool(const char* name, bool& out) {
  const json* v = find(name);
  if (v == nullptr) return true;
  if (!v->is_boolean()) return fail(false, name, "boolean expected");
  out = v->get<bool>();
  return true;
}

bool Params::optionalPositive(const char* name, double max, const char* expected, double& out) {
  const json* v = find(name);
  if (v == nullptr) return true;
  if (!v->is_number() || !(v->get<double>() > 0) || v->get<double>() > max) {
    return fail(false, name, expected);
  }
  out = v->get<double>();
  return true;
}

bool Params::optionalInt(const char* name, int64_t lo, int64_t hi, const char* expected, int64_t& out) {
  const json* v = find(name);
  if (v == nullptr) return true;
  if (!v->is_number_integer() || v->get<int64_t>() < lo || v->get<int64_t>() > hi) {
    return fail(false, name, expected);
  }
  out = v->get<int64_t>();
  return true;
}

bool Params::requireInt(const char* name, int64_t lo, const char* expected, int64_t& out) {
  const json* v = find(name);
  if (v == nullptr || !v->is_number_integer() || v->get<int64_t>() < lo) {
    return fail(true, name, expected);
  }
  out = v->get<int64_t>();
  return true;
}

bool Params::requireString(const char* name, const char* expected, std::string& out,
                           const std::function<bool(const std::string&)>& accept) {
  const json* v = find(name);
  if (v == nullptr || !v->is_string() || (accept != nullptr && !accept(v->get<std::string>()))) {
    return fail(true, name, expected);
  }
  out = v->get<std::string>();
  return true;
}

ControlReply Params::failure() const { return ControlReply::failure("bad_request", error_); }
