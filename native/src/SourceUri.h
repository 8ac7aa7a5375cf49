// Parsing and start-time validation of --source URIs.
#pragma once

#include <string>

enum class SourceKind { Test, File, V4l2, Rtsp, Dir, Csi };

/// A validated source description.
struct SourceSpec {
  SourceKind kind = SourceKind::Test;
  std::string uri;       ///< as given on the command line
  std::string path;      ///< file, dir: local path; v4l2: device node
  std::string pattern;   ///< test: videotestsrc pattern nick (default "ball")
  int sensorId = 0;      ///< csi: Argus sensor id
};

const char* sourceKindName(SourceKind kind);

/// Parses and checks a source URI: scheme known, file/folder present and
/// readable, needed GStreamer elements installed. Needs gst_init().
/// Throws ConfigError with setting "source".
SourceSpec parseSourceUri(const std::string& uri);
