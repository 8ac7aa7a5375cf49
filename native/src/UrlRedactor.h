// RTMP URLs: parsing for `rtmp_start`, and redaction of the stream key from
// every text camerad emits (native/PROTOCOL.md, "RTMP"). The stream key is
// the URL path after the application name (everything after the second `/`
// of the path) plus any query.
// Source URIs: the credentials of `rtsp://user:password@host/...` (and
// secret-looking query values) are masked in every text camerad emits
// (native/PROTOCOL.md, "Secrets").
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

/// An rtmp:// or rtmps:// URL split into what rtmp2sink needs.
struct RtmpUrl {
  bool secure = false;   ///< rtmps:// (TLS)
  std::string host;      ///< host name or address ([...] for IPv6)
  int port = 1935;       ///< as given, else 1935 (rtmp) or 443 (rtmps)
  std::string app;       ///< application: the first path segment
  std::string key;       ///< the stream key: the rest of the path plus "?query"
  std::string redacted;  ///< "rtmp://host:port/app/***": the URL as camerad writes it
};

class UrlRedactor {
 public:
  /// The replacement for a stream key.
  static constexpr const char* kMask = "***";

  /// Parses rtmp[s]://host[:port]/app/key[?query]. False with `error` (which
  /// never quotes the URL) when it is not one: other scheme, no host, bad
  /// port, user info, no application or key, spaces or control characters.
  static bool parse(const std::string& url, RtmpUrl& out, std::string& error);

  /// `uri` with its credentials replaced by "***": the password of the user
  /// info (`scheme://user:***@host/...`; user info without a password is
  /// masked whole: `scheme://***@host/...`) and the value of every query
  /// parameter whose name contains pass, pwd, token, key, secret, auth, sig
  /// or cred (case-insensitive). Anything else is returned unchanged. This is
  /// the one masking function for source URIs on the native side (the Node
  /// side's is media/camerad/sourceCredentials.ts, same rules).
  static std::string maskCredentials(const std::string& uri);
  /// The secrets maskCredentials() hides, in the forms they may take in
  /// text: as written, percent-decoded, and the HTTP Basic credentials
  /// base64("user:password") (RFC 7617) that an RTSP client sends.
  static std::vector<std::string> credentialSecrets(const std::string& uri);

  /// The process-wide instance: logging (Log.cpp), GStreamer's debug log and
  /// the RTMP branch's error texts go through it.
  static UrlRedactor& global();

  /// From now on (for the life of the process) redact() replaces `url` as
  /// given and as scheme://host:port/app/key with parsed.redacted, then any
  /// other occurrence of the key (and of the key without its query) with
  /// "***". Thread-safe.
  void add(const std::string& url, const RtmpUrl& parsed);
  /// From now on redact() replaces every secret of the source URI `uri` (see
  /// credentialSecrets()) with "***", so the URI itself reads as
  /// maskCredentials(uri). Thread-safe; a URI without credentials adds nothing.
  void addSourceUri(const std::string& uri);
  /// `text` with every registered URL and key replaced. Thread-safe; one
  /// atomic load when nothing is registered.
  std::string redact(const std::string& text) const;

 private:
  struct Rule {
    std::string find;
    std::string replace;
  };
  /// Adds `secrets` as "***" rules (longest first, after the URL rules); mutex_ held.
  void addMasksLocked(const std::vector<std::string>& secrets);
  mutable std::mutex mutex_;
  std::atomic<bool> any_{false};
  std::vector<Rule> rules_;  ///< applied in order: whole URLs first, then keys (longest first)
};

/// UrlRedactor::global().redact(text).
std::string redactSecrets(const std::string& text);
