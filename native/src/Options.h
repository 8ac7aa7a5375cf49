// Command-line options of camerad and their validation.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "Log.h"
#include "OverlayPolicy.h"

/// A setting that cannot be used. Reported as
/// "camerad: configuration error: <setting>: <message>" with exit code 2.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string setting, const std::string& message)
      : std::runtime_error(message), setting_(std::move(setting)) {}
  const std::string& setting() const { return setting_; }

 private:
  std::string setting_;
};

struct Options {
  std::string camera = "cam0";        ///< camera id used in logs and hello
  std::string source;                 ///< source URI (--source, or read from --source-file; required)
  int width = 1280;                   ///< output width, px (even, 16..7680)
  int height = 720;                   ///< output height, px (even, 16..4320)
  int fps = 30;                       ///< output frame rate, fps (1..120)
  int bitrateKbps = 2500;             ///< target bitrate, kbit/s
  int keyframeInterval = 60;          ///< max distance between IDR frames, frames
  std::string encoder = "auto";       ///< auto|x264enc|nvh264enc|nvv4l2h264enc
  std::string x264Preset = "ultrafast";
  std::string rtpHost = "127.0.0.1";  ///< RTP destination address
  int rtpPort = 0;                    ///< RTP destination UDP port (required)
  std::optional<uint32_t> rtpSsrc;    ///< RTP SSRC; random when not set
  int mtu = 1200;                     ///< max RTP packet size, bytes
  std::string control;                ///< Unix socket path (required)
  int sourceTimeoutMs = 2000;         ///< no frame for this long = source lost, ms
  int dirMaxAgeMs = 5000;             ///< dir:// images older than this are stale, ms
  int statsIntervalMs = 1000;         ///< period of "stats" notifications, ms
  bool latencyProbe = false;          ///< draw the latency probe strip (docs/latency-probe.md)
  int analysisFps = 0;                ///< analysis frames per second at start, 0 = off (0..60)
  int analysisWidth = 640;            ///< analysis pictures fit in this box, px (even, 16..3840)
  int analysisHeight = 640;           ///< (even, 16..2160); aspect kept, never above the output size
  /// Overlays in the program encode (RTP), the `overlays` stills and overlay grabs.
  OverlayPolicy overlaysPrivate = OverlayPolicy::Names;
  /// Overlays in what RTMP and recordings carry (a second encoder when it differs).
  OverlayPolicy overlaysPublic = OverlayPolicy::Boxes;
  LogLevel logLevel = LogLevel::Info;
};

enum class ParseOutcome { Run, Exit };

/// Parses and validates argv. Returns Exit when --version was printed.
/// Throws ConfigError for unusable values. Does not touch the source itself
/// (see parseSourceUri) or the encoder (see chooseEncoder).
ParseOutcome parseOptions(int argc, char** argv, Options& out);

/// Text for --help describing exit codes.
extern const char* kExitCodeHelp;
