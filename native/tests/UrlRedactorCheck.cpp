// Unit check of RTMP URL parsing and stream-key redaction (UrlRedactor.h,
// native/PROTOCOL.md "RTMP"). Exits 0 when all checks pass; prints one line
// per check. Run by test/native/outputs.test.ts.
#include <cstdio>
#include <string>

#include "../src/UrlRedactor.h"

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

bool parses(const std::string& url, RtmpUrl& out) {
  std::string error;
  return UrlRedactor::parse(url, out, error);
}

std::string parseError(const std::string& url) {
  RtmpUrl out;
  std::string error;
  return UrlRedactor::parse(url, out, error) ? "" : error;
}

}  // namespace

int main() {
  RtmpUrl u;
  check(parses("rtmp://rtmp.livepeer.com/live/abcd-efgh-ijkl", u) && u.host == "rtmp.livepeer.com" &&
            u.port == 1935 && u.app == "live" && u.key == "abcd-efgh-ijkl" && !u.secure &&
            u.redacted == "rtmp://rtmp.livepeer.com:1935/live/***",
        "rtmp://host/app/key: default port 1935, app, key, redacted form");
  check(parses("rtmps://ingest.example:8443/app/k1/k2?token=t", u) && u.secure && u.port == 8443 &&
            u.app == "app" && u.key == "k1/k2?token=t" &&
            u.redacted == "rtmps://ingest.example:8443/app/***",
        "rtmps with port: the key is everything after the application, query included");
  check(parses("RTMPS://h/a/k", u) && u.port == 443, "scheme case-insensitive; rtmps default port 443");
  check(parses("rtmp://[::1]:1936/live/k", u) && u.host == "[::1]" && u.port == 1936, "IPv6 host");
  check(!parseError("http://h/a/k").empty(), "other scheme refused");
  check(!parseError("rtmp://h/live").empty(), "no key refused");
  check(!parseError("rtmp://h/live/").empty(), "empty key refused");
  check(!parseError("rtmp://h//k").empty(), "empty application refused");
  check(!parseError("rtmp://:1935/a/k").empty(), "no host refused");
  check(!parseError("rtmp://h:0/a/k").empty() && !parseError("rtmp://h:x/a/k").empty() &&
            !parseError("rtmp://h:70000/a/k").empty(),
        "bad ports refused");
  check(!parseError("rtmp://u:p@h/a/k").empty(), "user info refused");
  check(!parseError("rtmp://h/a/k ey").empty(), "spaces refused");
  const std::string secret = "rtmp://h/a/SECRETKEY99";
  check(parseError(secret + "x/").find("SECRETKEY99") == std::string::npos &&
            parseError("rtmp://h/SECRETKEY99").find("SECRETKEY99") == std::string::npos,
        "parse errors never quote the URL");

  UrlRedactor r;
  check(r.redact("nothing registered rtmp://h/a/k") == "nothing registered rtmp://h/a/k",
        "nothing registered: text unchanged");
  RtmpUrl s;
  parses("rtmp://127.0.0.1/live/SeCrEt-123?sig=XYZ", s);
  r.add("rtmp://127.0.0.1/live/SeCrEt-123?sig=XYZ", s);
  const std::string text =
      "publish rtmp://127.0.0.1/live/SeCrEt-123?sig=XYZ at rtmp://127.0.0.1:1935/live/SeCrEt-123?sig=XYZ, "
      "stream 'SeCrEt-123?sig=XYZ' name SeCrEt-123";
  const std::string out = r.redact(text);
  check(out == "publish rtmp://127.0.0.1:1935/live/*** at rtmp://127.0.0.1:1935/live/***, stream "
               "'***' name ***",
        "URL as given and normalised -> rtmp://host:port/app/***; key (and key without query) -> ***: " +
            out);
  RtmpUrl t;
  parses("rtmp://h2/app2/OTHERKEY", t);
  r.add("rtmp://h2/app2/OTHERKEY", t);
  check(r.redact("SeCrEt-123 OTHERKEY") == "*** ***", "keys stay registered for the process");

  // Source URIs: credentials masked (native/PROTOCOL.md "Secrets").
  using U = UrlRedactor;
  check(U::maskCredentials("rtsp://admin:hunter2@127.0.0.1:8554/cam") ==
            "rtsp://admin:***@127.0.0.1:8554/cam",
        "rtsp user:password -> user:***");
  check(U::maskCredentials("rtsp://tok3n@cam.local/s") == "rtsp://***@cam.local/s",
        "user info without a password is masked whole");
  check(U::maskCredentials("rtsp://a:p@ss@h/x?x=1") == "rtsp://a:***@h/x?x=1",
        "the last @ of the authority ends the user info");
  check(U::maskCredentials("rtsp://h/x?user=a&password=pw&Token=t&channel=1#frag") ==
            "rtsp://h/x?user=a&password=***&Token=***&channel=1#frag",
        "secret-looking query values masked, others kept");
  check(U::maskCredentials("rtsp://h/p@th") == "rtsp://h/p@th", "@ in the path is not user info");
  check(U::maskCredentials("test://ball") == "test://ball" &&
            U::maskCredentials("file:///a/b.mp4") == "file:///a/b.mp4" &&
            U::maskCredentials("not a uri") == "not a uri",
        "URIs without credentials unchanged");
  const auto secrets = U::credentialSecrets("rtsp://ad%6Din:hun%74er2@h/c?key=k%2F1");
  auto has = [&](const std::string& v) {
    for (const std::string& x : secrets)
      if (x == v) return true;
    return false;
  };
  check(has("hun%74er2") && has("hunter2") && has("k%2F1") && has("k/1") &&
            has("YWRtaW46aHVudGVyMg==") && !has("admin") && !has("ad%6Din"),
        "secrets: password as written and decoded, Basic credentials base64(admin:hunter2), "
        "query key; never the user name alone");
  UrlRedactor src;
  src.addSourceUri("rtsp://admin:hunter2@127.0.0.1:1/cam");
  src.addSourceUri("test://ball");
  const std::string gst =
      "rtspsrc: Could not open rtsp://admin:hunter2@127.0.0.1:1/cam (hunter2) "
      "Authorization: Basic YWRtaW46aHVudGVyMg==";
  check(src.redact(gst) ==
            "rtspsrc: Could not open rtsp://admin:***@127.0.0.1:1/cam (***) Authorization: Basic ***",
        "addSourceUri: the URI reads as maskCredentials(uri); the password and Basic credentials "
        "alone -> ***: " + src.redact(gst));

  std::printf(failures ? "%d checks FAILED\n" : "all checks passed\n", failures);
  return failures ? 1 : 0;
}
