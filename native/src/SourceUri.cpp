#include "SourceUri.h"

#include <gst/gst.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "Options.h"

namespace {

const char* kSchemes = "expected test, file, v4l2, rtsp, dir, csi";

void requireElement(const char* element, const std::string& why) {
  GstElementFactory* f = gst_element_factory_find(element);
  if (f == nullptr) {
    throw ConfigError("source", std::string("GStreamer element \"") + element +
                                    "\" not available (" + why + ")");
  }
  gst_object_unref(f);
}

/// Decodes the path part of file:// and dir:// URIs (handles %-escapes).
std::string localPath(const std::string& uri, const std::string& scheme) {
  const std::string rest = uri.substr(scheme.size() + 3);
  if (rest.empty() || rest[0] != '/') {
    throw ConfigError("source", scheme + ":// needs an absolute path (" + scheme +
                                    ":///abs/path), got \"" + uri + "\"");
  }
  char* unescaped = g_uri_unescape_string(rest.c_str(), nullptr);
  if (unescaped == nullptr) throw ConfigError("source", "bad escape in \"" + uri + "\"");
  std::string path(unescaped);
  g_free(unescaped);
  return path;
}

bool validPattern(const std::string& nick) {
  GstElement* src = gst_element_factory_make("videotestsrc", nullptr);
  if (src == nullptr) return false;
  bool ok = false;
  GParamSpec* ps = g_object_class_find_property(G_OBJECT_GET_CLASS(src), "pattern");
  if (ps != nullptr && G_IS_PARAM_SPEC_ENUM(ps)) {
    GEnumClass* ec = G_PARAM_SPEC_ENUM(ps)->enum_class;
    ok = g_enum_get_value_by_nick(ec, nick.c_str()) != nullptr;
  }
  gst_object_unref(src);
  return ok;
}

}  // namespace

const char* sourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::Test: return "test";
    case SourceKind::File: return "file";
    case SourceKind::V4l2: return "v4l2";
    case SourceKind::Rtsp: return "rtsp";
    case SourceKind::Dir: return "dir";
    case SourceKind::Csi: return "csi";
  }
  return "?";
}

SourceSpec parseSourceUri(const std::string& uri) {
  SourceSpec spec;
  spec.uri = uri;
  const size_t sep = uri.find("://");
  if (sep == std::string::npos || sep == 0) {
    throw ConfigError("source", "not a URI \"" + uri + "\" (" + kSchemes + ")");
  }
  const std::string scheme = uri.substr(0, sep);
  const std::string rest = uri.substr(sep + 3);

  if (scheme == "test") {
    spec.kind = SourceKind::Test;
    spec.pattern = rest.empty() ? "ball" : rest;
    if (!spec.pattern.empty() && spec.pattern.back() == '/') spec.pattern.pop_back();
    requireElement("videotestsrc", "test:// needs gst-plugins-base");
    if (!validPattern(spec.pattern))
      throw ConfigError("source", "unknown test pattern \"" + spec.pattern +
                                      "\" (use a videotestsrc pattern name, e.g. ball, smpte)");
  } else if (scheme == "file") {
    spec.kind = SourceKind::File;
    spec.path = localPath(uri, scheme);
    struct stat st {};
    if (stat(spec.path.c_str(), &st) != 0) throw ConfigError("source", "file not found: " + spec.path);
    if (!S_ISREG(st.st_mode)) throw ConfigError("source", "not a regular file: " + spec.path);
    if (access(spec.path.c_str(), R_OK) != 0)
      throw ConfigError("source", "file not readable: " + spec.path);
    requireElement("uridecodebin", "file:// needs gst-plugins-base");
  } else if (scheme == "dir") {
    spec.kind = SourceKind::Dir;
    spec.path = localPath(uri, scheme);
    struct stat st {};
    if (stat(spec.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      throw ConfigError("source", "directory not found: " + spec.path);
    if (access(spec.path.c_str(), R_OK | X_OK) != 0)
      throw ConfigError("source", "directory not readable: " + spec.path);
    requireElement("jpegdec", "dir:// needs gst-plugins-good");
  } else if (scheme == "v4l2") {
    spec.kind = SourceKind::V4l2;
    spec.path = rest;
    if (spec.path.rfind("/dev/", 0) != 0)
      throw ConfigError("source", "v4l2:// needs a device node (v4l2:///dev/videoN), got \"" + uri + "\"");
    requireElement("v4l2src", "v4l2:// needs gst-plugins-good with video4linux2");
    // A missing device is not a configuration error: USB cameras come and go,
    // so it is reported as a lost source and retried.
  } else if (scheme == "rtsp" || scheme == "rtsps" || scheme == "rtspt") {
    spec.kind = SourceKind::Rtsp;
    if (rest.empty() || rest[0] == '/') throw ConfigError("source", "rtsp URI has no host: \"" + uri + "\"");
    requireElement("rtspsrc", "rtsp:// needs gst-plugins-good");
  } else if (scheme == "csi") {
    spec.kind = SourceKind::Csi;
    char* end = nullptr;
    long id = std::strtol(rest.c_str(), &end, 10);
    if (rest.empty() || *end != '\0' || id < 0 || id > 15)
      throw ConfigError("source", "csi:// needs a sensor id 0..15 (csi://0), got \"" + uri + "\"");
    spec.sensorId = int(id);
    requireElement("nvarguscamerasrc", "csi:// needs NVIDIA Jetson Argus");
    requireElement("nvvidconv", "csi:// needs NVIDIA Jetson nvvidconv");
  } else {
    throw ConfigError("source", "unknown scheme \"" + scheme + "\" (" + kSchemes + ")");
  }
  return spec;
}
