#include "UrlRedactor.h"

#include <algorithm>
#include <cctype>

namespace {

bool startsWithNoCase(const std::string& text, const char* prefix) {
  size_t i = 0;
  for (; prefix[i] != '\0'; ++i) {
    if (i >= text.size() ||
        std::tolower(static_cast<unsigned char>(text[i])) != static_cast<unsigned char>(prefix[i]))
      return false;
  }
  return true;
}

void replaceAll(std::string& text, const std::string& find, const std::string& replace) {
  if (find.empty()) return;
  size_t at = 0;
  while ((at = text.find(find, at)) != std::string::npos) {
    text.replace(at, find.size(), replace);
    at += replace.size();
  }
}

}  // namespace

bool UrlRedactor::parse(const std::string& url, RtmpUrl& out, std::string& error) {
  out = RtmpUrl{};
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) {
      error = "must not contain spaces or control characters";
      return false;
    }
  }
  size_t rest;
  if (startsWithNoCase(url, "rtmps://")) {
    out.secure = true;
    out.port = 443;
    rest = 8;
  } else if (startsWithNoCase(url, "rtmp://")) {
    rest = 7;
  } else {
    error = "must start with rtmp:// or rtmps://";
    return false;
  }
  const size_t slash = url.find('/', rest);
  const std::string authority = url.substr(rest, slash == std::string::npos ? std::string::npos
                                                                             : slash - rest);
  if (authority.find('@') != std::string::npos) {
    error = "user info (user:password@) is not supported";
    return false;
  }
  std::string portText;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) {
      error = "unterminated IPv6 address";
      return false;
    }
    out.host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        error = "bad host";
        return false;
      }
      portText = authority.substr(close + 2);
      if (portText.empty()) {
        error = "empty port";
        return false;
      }
    }
  } else {
    const size_t colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      portText = authority.substr(colon + 1);
      if (portText.empty()) {
        error = "empty port";
        return false;
      }
    }
  }
  if (out.host.empty() || out.host == "[]") {
    error = "no host";
    return false;
  }
  if (!portText.empty()) {
    if (portText.size() > 5 ||
        !std::all_of(portText.begin(), portText.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      error = "bad port";
      return false;
    }
    out.port = std::stoi(portText);
    if (out.port < 1 || out.port > 65535) {
      error = "port out of range (1..65535)";
      return false;
    }
  }
  if (slash == std::string::npos) {
    error = "no application and stream key (rtmp://host/app/key expected)";
    return false;
  }
  // The path (and query): app, then the key after the next '/'.
  const std::string path = url.substr(slash + 1);
  const size_t query = path.find('?');
  const size_t appEnd = path.find('/');
  if (appEnd == std::string::npos || (query != std::string::npos && query < appEnd)) {
    error = "no stream key (rtmp://host/app/key expected)";
    return false;
  }
  out.app = path.substr(0, appEnd);
  out.key = path.substr(appEnd + 1);
  if (out.app.empty()) {
    error = "empty application name";
    return false;
  }
  if (out.key.empty() || out.key[0] == '?') {
    error = "empty stream key";
    return false;
  }
  out.redacted = std::string(out.secure ? "rtmps" : "rtmp") + "://" + out.host + ":" +
                 std::to_string(out.port) + "/" + out.app + "/" + kMask;
  return true;
}

UrlRedactor& UrlRedactor::global() {
  static UrlRedactor instance;
  return instance;
}

void UrlRedactor::add(const std::string& url, const RtmpUrl& parsed) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string normalised = std::string(parsed.secure ? "rtmps" : "rtmp") + "://" +
                                 parsed.host + ":" + std::to_string(parsed.port) + "/" +
                                 parsed.app + "/" + parsed.key;
  std::vector<Rule> urls{{url, parsed.redacted}, {normalised, parsed.redacted}};
  std::vector<Rule> keys{{parsed.key, kMask}};
  const size_t query = parsed.key.find('?');
  if (query != std::string::npos && query > 0) keys.push_back({parsed.key.substr(0, query), kMask});
  // Whole URLs before keys (so the host and app stay readable); longer keys first.
  std::vector<Rule> all;
  for (const Rule& r : rules_)
    if (r.replace != kMask) all.push_back(r);
  for (Rule& r : urls)
    if (std::none_of(all.begin(), all.end(), [&](const Rule& o) { return o.find == r.find; }))
      all.push_back(std::move(r));
  std::vector<Rule> masks;
  for (const Rule& r : rules_)
    if (r.replace == kMask) masks.push_back(r);
  for (Rule& r : keys)
    if (std::none_of(masks.begin(), masks.end(), [&](const Rule& o) { return o.find == r.find; }))
      masks.push_back(std::move(r));
  std::stable_sort(masks.begin(), masks.end(),
                   [](const Rule& a, const Rule& b) { return a.find.size() > b.find.size(); });
  all.insert(all.end(), masks.begin(), masks.end());
  rules_ = std::move(all);
  any_.store(true);
}

std::string UrlRedactor::redact(const std::string& text) const {
  if (!any_.load(std::memory_order_acquire)) return text;
  std::string out = text;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Rule& r : rules_) replaceAll(out, r.find, r.replace);
  return out;
}

std::string redactSecrets(const std::string& text) { return UrlRedactor::global().redact(text); }
