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

/// RFC 3986 percent-decoding; a malformed escape is kept as written.
std::string percentDecode(const std::string& text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(char(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

/// RFC 4648 base64 with padding.
std::string base64(const std::string& data) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8 |
                       (unsigned char)data[i + 2];
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], k[v & 63]};
  }
  if (i + 1 == data.size()) {
    const unsigned v = (unsigned char)data[i] << 16;
    out += {k[v >> 18], k[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == data.size()) {
    const unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8;
    out += {k[v >> 18], k[(v >> 12) & 63], k[(v >> 6) & 63], '='};
  }
  return out;
}

bool secretParameter(const std::string& name) {
  std::string lower;
  for (char c : percentDecode(name)) lower.push_back(char(std::tolower(static_cast<unsigned char>(c))));
  for (const char* word : {"pass", "pwd", "token", "key", "secret", "auth", "sig", "cred"})
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

/// Where the parts of `scheme://[userinfo@]host[/path][?query][#fragment]` are.
struct UriParts {
  bool ok = false;
  size_t userStart = 0, userEnd = 0;  ///< user info [userStart, userEnd), empty when none
  bool hasUser = false;
  size_t queryStart = std::string::npos, queryEnd = 0;  ///< after '?', up to '#' or the end
};

UriParts splitUri(const std::string& uri) {
  UriParts p;
  const size_t sep = uri.find("://");
  if (sep == std::string::npos || sep == 0) return p;
  p.ok = true;
  const size_t authority = sep + 3;
  size_t end = uri.find_first_of("/?#", authority);
  if (end == std::string::npos) end = uri.size();
  const size_t at = uri.rfind('@', end == 0 ? 0 : end - 1);
  if (at != std::string::npos && at >= authority && at < end) {
    p.hasUser = true;
    p.userStart = authority;
    p.userEnd = at;
  }
  const size_t q = uri.find('?', end);
  const size_t hash = uri.find('#', end);
  if (q != std::string::npos && (hash == std::string::npos || q < hash)) {
    p.queryStart = q + 1;
    p.queryEnd = hash == std::string::npos ? uri.size() : hash;
  }
  return p;
}

}  // namespace

std::string UrlRedactor::maskCredentials(const std::string& uri) {
  const UriParts p = splitUri(uri);
  if (!p.ok) return uri;
  std::string out;
  size_t copied = 0;
  if (p.hasUser) {
    const std::string info = uri.substr(p.userStart, p.userEnd - p.userStart);
    const size_t colon = info.find(':');
    out += uri.substr(0, p.userStart);
    out += colon == std::string::npos ? std::string(kMask) : info.substr(0, colon + 1) + kMask;
    copied = p.userEnd;
  }
  if (p.queryStart != std::string::npos) {
    out += uri.substr(copied, p.queryStart - copied);
    const std::string query = uri.substr(p.queryStart, p.queryEnd - p.queryStart);
    size_t at = 0;
    while (at <= query.size()) {
      size_t amp = query.find('&', at);
      if (amp == std::string::npos) amp = query.size();
      const std::string pair = query.substr(at, amp - at);
      const size_t eq = pair.find('=');
      if (eq != std::string::npos && eq + 1 < pair.size() && secretParameter(pair.substr(0, eq)))
        out += pair.substr(0, eq + 1) + kMask;
      else
        out += pair;
      if (amp < query.size()) out += '&';
      at = amp + 1;
    }
    copied = p.queryEnd;
  }
  out += uri.substr(copied);
  return out;
}

std::vector<std::string> UrlRedactor::credentialSecrets(const std::string& uri) {
  std::vector<std::string> secrets;
  auto add = [&](const std::string& s) {
    if (!s.empty() && std::find(secrets.begin(), secrets.end(), s) == secrets.end())
      secrets.push_back(s);
  };
  const UriParts p = splitUri(uri);
  if (!p.ok) return secrets;
  if (p.hasUser) {
    const std::string info = uri.substr(p.userStart, p.userEnd - p.userStart);
    const size_t colon = info.find(':');
    const std::string user = colon == std::string::npos ? info : info.substr(0, colon);
    const std::string password = colon == std::string::npos ? info : info.substr(colon + 1);
    add(password);
    add(percentDecode(password));
    if (colon != std::string::npos && !password.empty()) {
      add(base64(percentDecode(user) + ":" + percentDecode(password)));
      add(base64(user + ":" + password));
    }
  }
  if (p.queryStart != std::string::npos) {
    const std::string query = uri.substr(p.queryStart, p.queryEnd - p.queryStart);
    size_t at = 0;
    while (at < query.size()) {
      size_t amp = query.find('&', at);
      if (amp == std::string::npos) amp = query.size();
      const std::string pair = query.substr(at, amp - at);
      const size_t eq = pair.find('=');
      if (eq != std::string::npos && secretParameter(pair.substr(0, eq))) {
        add(pair.substr(eq + 1));
        add(percentDecode(pair.substr(eq + 1)));
      }
      at = amp + 1;
    }
  }
  return secrets;
}

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
  std::vector<std::string> keys{parsed.key};
  const size_t query = parsed.key.find('?');
  if (query != std::string::npos && query > 0) keys.push_back(parsed.key.substr(0, query));
  // Whole URLs before keys (so the host and app stay readable).
  std::vector<Rule> all;
  for (const Rule& r : rules_)
    if (r.replace != kMask) all.push_back(r);
  for (Rule& r : urls)
    if (std::none_of(all.begin(), all.end(), [&](const Rule& o) { return o.find == r.find; }))
      all.push_back(std::move(r));
  for (const Rule& r : rules_)
    if (r.replace == kMask) all.push_back(r);
  rules_ = std::move(all);
  addMasksLocked(keys);
}

void UrlRedactor::addSourceUri(const std::string& uri) {
  const std::vector<std::string> secrets = credentialSecrets(uri);
  if (secrets.empty()) return;
  std::lock_guard<std::mutex> lock(mutex_);
  addMasksLocked(secrets);
}

void UrlRedactor::addMasksLocked(const std::vector<std::string>& secrets) {
  std::vector<Rule> all;
  std::vector<Rule> masks;
  for (const Rule& r : rules_) (r.replace == kMask ? masks : all).push_back(r);
  for (const std::string& s : secrets)
    if (!s.empty() &&
        std::none_of(masks.begin(), masks.end(), [&](const Rule& o) { return o.find == s; }))
      masks.push_back({s, kMask});
  // Longer secrets first, so one that contains another is replaced whole.
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
