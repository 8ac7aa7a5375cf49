#include "Options.h"

#include <gio/gio.h>
#include <glib.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "UrlRedactor.h"

const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0  clean stop (SIGTERM, SIGINT or a \"shutdown\" request)\n"
    "  2  configuration error; one line on stderr:\n"
    "     camerad: configuration error: <setting>: <message>\n"
    "     (do not restart: the same settings fail again)\n"
    "  3  runtime failure that a restart will not fix (e.g. the encoder fails to start)\n"
    "  other / killed by a signal: crash (a supervisor should restart with backoff)\n"
    "\n"
    "Sources: test://[pattern]  file:///abs/path  v4l2:///dev/videoN  rtsp://host/path\n"
    "         dir:///abs/folder (newest *.jpg/*.jpeg)  csi://N (Jetson Argus sensor)\n"
    "Control protocol: see native/PROTOCOL.md\n"
    "Latency probe (--latency-probe, control method \"probe\"): see docs/latency-probe.md\n"
    "Analysis frames, grabs, overlays, stills, recording and RTMP: see native/PROTOCOL.md\n";

namespace {

/// Largest --source-file accepted, bytes.
constexpr off_t kMaxSourceFileBytes = 64 * 1024;

/// The source URI from --source-file: a regular file of this user, readable
/// by nobody else (mode 0600 or stricter), holding the URI (surrounding
/// whitespace ignored). Error messages never quote the file's content.
std::string readSourceFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw ConfigError("source-file", "cannot read " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw ConfigError("source-file", path + " is not a regular file");
  if (st.st_uid != geteuid())
    throw ConfigError("source-file", path + " belongs to uid " + std::to_string(st.st_uid) +
                                         ", not to camerad's uid " + std::to_string(geteuid()));
  if (st.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%o", unsigned(st.st_mode & 0777));
    throw ConfigError("source-file", path + " is readable by others (mode " + mode +
                                         "): chmod 600 it");
  }
  if (st.st_size > kMaxSourceFileBytes)
    throw ConfigError("source-file", path + " is larger than 64 KiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("source-file", "cannot open " + path);
  std::stringstream text;
  text << in.rdbuf();
  std::string uri = text.str();
  const char* space = " \t\r\n";
  const size_t first = uri.find_first_not_of(space);
  if (first == std::string::npos) throw ConfigError("source-file", path + " is empty");
  uri = uri.substr(first, uri.find_last_not_of(space) - first + 1);
  if (uri.find_first_of("\r\n") != std::string::npos)
    throw ConfigError("source-file", path + " holds more than one line");
  return uri;
}

/// Parses a whole decimal integer in [min, max] or throws ConfigError naming the setting.
long long parseInt(const char* setting, const char* text, long long min, long long max) {
  if (text == nullptr) throw ConfigError(setting, "missing value");
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text, &end, 10);
  if (*text == '\0' || end == nullptr || *end != '\0' || errno == ERANGE) {
    throw ConfigError(setting, std::string("not an integer: \"") + text + "\"");
  }
  if (v < min || v > max) {
    throw ConfigError(setting, std::to_string(v) + " is out of range (" + std::to_string(min) +
                                   ".." + std::to_string(max) + ")");
  }
  return v;
}

bool isX264Preset(const std::string& p) {
  static const char* presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                  "medium",    "slow",      "slower",   "veryslow", "placebo"};
  for (const char* q : presets)
    if (p == q) return true;
  return false;
}

}  // namespace

ParseOutcome parseOptions(int argc, char** argv, Options& out) {
  gchar *camera = nullptr, *source = nullptr, *sourceFile = nullptr, *width = nullptr, *height = nullptr, *fps = nullptr,
        *bitrate = nullptr, *kfi = nullptr, *encoder = nullptr, *preset = nullptr,
        *rtpHost = nullptr, *rtpPort = nullptr, *rtpSsrc = nullptr, *mtu = nullptr,
        *control = nullptr, *srcTimeout = nullptr, *dirMaxAge = nullptr, *statsInterval = nullptr,
        *logLevel = nullptr, *analysisFps = nullptr, *analysisWidth = nullptr,
        *analysisHeight = nullptr, *overlaysPrivate = nullptr, *overlaysPublic = nullptr;
  gboolean version = FALSE, latencyProbe = FALSE;

  GOptionEntry entries[] = {
      {"camera", 0, 0, G_OPTION_ARG_STRING, &camera, "Camera id (default cam0)", "ID"},
      {"source", 0, 0, G_OPTION_ARG_STRING, &source, "Source URI without credentials (this or --source-file is required)", "URI"},
      {"source-file", 0, 0, G_OPTION_ARG_STRING, &sourceFile, "File (mode 0600, this user's) holding the source URI; for URIs with credentials", "PATH"},
      {"width", 0, 0, G_OPTION_ARG_STRING, &width, "Output width in px, even, 16..7680 (1280)", "PX"},
      {"height", 0, 0, G_OPTION_ARG_STRING, &height, "Output height in px, even, 16..4320 (720)", "PX"},
      {"fps", 0, 0, G_OPTION_ARG_STRING, &fps, "Output frame rate, 1..120 (30)", "FPS"},
      {"bitrate", 0, 0, G_OPTION_ARG_STRING, &bitrate, "Target bitrate in kbit/s, 50..100000 (2500)", "KBPS"},
      {"keyframe-interval", 0, 0, G_OPTION_ARG_STRING, &kfi, "Max frames between IDR frames, 1..10000 (60)", "FRAMES"},
      {"encoder", 0, 0, G_OPTION_ARG_STRING, &encoder, "auto|x264enc|nvh264enc|nvv4l2h264enc (auto)", "NAME"},
      {"x264-preset", 0, 0, G_OPTION_ARG_STRING, &preset, "x264 speed preset (ultrafast)", "PRESET"},
      {"rtp-host", 0, 0, G_OPTION_ARG_STRING, &rtpHost, "RTP destination IP address (127.0.0.1)", "ADDR"},
      {"rtp-port", 0, 0, G_OPTION_ARG_STRING, &rtpPort, "RTP destination UDP port, 1..65535 (required)", "PORT"},
      {"rtp-ssrc", 0, 0, G_OPTION_ARG_STRING, &rtpSsrc, "RTP SSRC, 0..4294967295 (random)", "SSRC"},
      {"mtu", 0, 0, G_OPTION_ARG_STRING, &mtu, "Max RTP packet size in bytes, 256..9000 (1200)", "BYTES"},
      {"control", 0, 0, G_OPTION_ARG_STRING, &control, "Control Unix socket path (required)", "PATH"},
      {"source-timeout-ms", 0, 0, G_OPTION_ARG_STRING, &srcTimeout, "No frame for this long = source lost, ms, 100..600000 (2000)", "MS"},
      {"dir-max-age-ms", 0, 0, G_OPTION_ARG_STRING, &dirMaxAge, "dir:// images older than this are not shown, ms, 100..86400000 (5000)", "MS"},
      {"stats-interval-ms", 0, 0, G_OPTION_ARG_STRING, &statsInterval, "Period of stats notifications, ms, 100..3600000 (1000)", "MS"},
      {"log-level", 0, 0, G_OPTION_ARG_STRING, &logLevel, "debug|info|warn|error (info)", "LEVEL"},
      {"analysis-fps", 0, 0, G_OPTION_ARG_STRING, &analysisFps, "Analysis frames per second sent to the control client, 0..60, 0 = off (0)", "FPS"},
      {"analysis-width", 0, 0, G_OPTION_ARG_STRING, &analysisWidth, "Analysis pictures fit in this width, px, even, 16..3840 (640)", "PX"},
      {"analysis-height", 0, 0, G_OPTION_ARG_STRING, &analysisHeight, "Analysis pictures fit in this height, px, even, 16..2160 (640)", "PX"},
      {"overlays-private", 0, 0, G_OPTION_ARG_STRING, &overlaysPrivate, "Overlays in the program encode (RTP), overlay stills and grabs: names|boxes|none (names)", "POLICY"},
      {"overlays-public", 0, 0, G_OPTION_ARG_STRING, &overlaysPublic, "Overlays in RTMP and recordings: names|boxes|none (boxes)", "POLICY"},
      {"latency-probe", 0, 0, G_OPTION_ARG_NONE, &latencyProbe, "Draw the capture-time strip for latency measurement into every frame (off)", nullptr},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", nullptr},
      {nullptr, 0, 0, G_OPTION_ARG_NONE, nullptr, nullptr, nullptr}};

  std::unique_ptr<GOptionContext, decltype(&g_option_context_free)> ctx(
      g_option_context_new("- camera process: source -> constant-fps H.264 -> RTP/UDP"),
      g_option_context_free);
  g_option_context_add_main_entries(ctx.get(), entries, nullptr);
  g_option_context_set_description(ctx.get(), kExitCodeHelp);
  GError* err = nullptr;
  bool ok = g_option_context_parse(ctx.get(), &argc, &argv, &err);

  // Copy everything into std::string holders, then free the GLib strings.
  auto take = [](gchar*& s) -> std::optional<std::string> {
    if (s == nullptr) return std::nullopt;
    std::string v(s);
    g_free(s);
    s = nullptr;
    return v;
  };
  struct Raw {
    std::optional<std::string> camera, source, sourceFile, width, height, fps, bitrate, kfi, encoder, preset,
        rtpHost, rtpPort, rtpSsrc, mtu, control, srcTimeout, dirMaxAge, statsInterval, logLevel,
        analysisFps, analysisWidth, analysisHeight, overlaysPrivate, overlaysPublic;
  } raw{take(camera),  take(source),     take(sourceFile), take(width),   take(height),   take(fps),
        take(bitrate), take(kfi),        take(encoder), take(preset),   take(rtpHost),
        take(rtpPort), take(rtpSsrc),    take(mtu),     take(control),  take(srcTimeout),
        take(dirMaxAge), take(statsInterval), take(logLevel), take(analysisFps),
        take(analysisWidth), take(analysisHeight), take(overlaysPrivate), take(overlaysPublic)};

  if (!ok) {
    std::string msg = err ? err->message : "cannot parse arguments";
    g_clear_error(&err);
    throw ConfigError("arguments", msg);
  }
  if (argc > 1) throw ConfigError("arguments", std::string("unexpected argument \"") + argv[1] + "\"");
  if (version) {
    std::printf("camerad %s\n", CAMERAD_VERSION);
    return ParseOutcome::Exit;
  }

  if (raw.camera) {
    if (raw.camera->empty() || raw.camera->size() > 64)
      throw ConfigError("camera", "must be 1..64 characters");
    out.camera = *raw.camera;
  }
  if (raw.source && raw.sourceFile)
    throw ConfigError("source", "give --source or --source-file, not both");
  if (raw.sourceFile) {
    if (raw.sourceFile->empty()) throw ConfigError("source-file", "empty path");
    out.source = readSourceFile(*raw.sourceFile);
  } else {
    if (!raw.source || raw.source->empty())
      throw ConfigError("source", "required (--source URI or --source-file PATH)");
    // argv is readable by every local user (ps, /proc/PID/cmdline).
    if (!UrlRedactor::credentialSecrets(*raw.source).empty())
      throw ConfigError("source", "credentials on the command line are visible to every local "
                                  "user: put the URI in a 0600 file and pass --source-file");
    out.source = *raw.source;
  }
  if (raw.width) out.width = (int)parseInt("width", raw.width->c_str(), 16, 7680);
  if (out.width % 2) throw ConfigError("width", "must be even");
  if (raw.height) out.height = (int)parseInt("height", raw.height->c_str(), 16, 4320);
  if (out.height % 2) throw ConfigError("height", "must be even");
  if (raw.fps) out.fps = (int)parseInt("fps", raw.fps->c_str(), 1, 120);
  if (raw.bitrate) out.bitrateKbps = (int)parseInt("bitrate", raw.bitrate->c_str(), 50, 100000);
  if (raw.kfi) out.keyframeInterval = (int)parseInt("keyframe-interval", raw.kfi->c_str(), 1, 10000);
  if (raw.encoder) {
    const std::string& e = *raw.encoder;
    if (e != "auto" && e != "x264enc" && e != "nvh264enc" && e != "nvv4l2h264enc")
      throw ConfigError("encoder", "unknown encoder \"" + e +
                                       "\" (expected auto, x264enc, nvh264enc, nvv4l2h264enc)");
    out.encoder = e;
  }
  if (raw.preset) {
    if (!isX264Preset(*raw.preset))
      throw ConfigError("x264-preset", "unknown preset \"" + *raw.preset +
                                           "\" (expected ultrafast..placebo)");
    out.x264Preset = *raw.preset;
  }
  if (raw.rtpHost) {
    GInetAddress* addr = g_inet_address_new_from_string(raw.rtpHost->c_str());
    if (addr == nullptr) throw ConfigError("rtp-host", "not an IP address: \"" + *raw.rtpHost + "\"");
    g_object_unref(addr);
    out.rtpHost = *raw.rtpHost;
  }
  if (!raw.rtpPort) throw ConfigError("rtp-port", "required (--rtp-port PORT)");
  out.rtpPort = (int)parseInt("rtp-port", raw.rtpPort->c_str(), 1, 65535);
  if (raw.rtpSsrc) out.rtpSsrc = (uint32_t)parseInt("rtp-ssrc", raw.rtpSsrc->c_str(), 0, 4294967295LL);
  if (raw.mtu) out.mtu = (int)parseInt("mtu", raw.mtu->c_str(), 256, 9000);
  if (!raw.control || raw.control->empty()) throw ConfigError("control", "required (--control PATH)");
  if (raw.control->size() >= sizeof(sockaddr_un::sun_path))
    throw ConfigError("control", "path longer than " +
                                     std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
  out.control = *raw.control;
  if (raw.srcTimeout)
    out.sourceTimeoutMs = (int)parseInt("source-timeout-ms", raw.srcTimeout->c_str(), 100, 600000);
  if (raw.dirMaxAge)
    out.dirMaxAgeMs = (int)parseInt("dir-max-age-ms", raw.dirMaxAge->c_str(), 100, 86400000);
  if (raw.statsInterval)
    out.statsIntervalMs = (int)parseInt("stats-interval-ms", raw.statsInterval->c_str(), 100, 3600000);
  if (raw.logLevel && !parseLogLevel(*raw.logLevel, out.logLevel))
    throw ConfigError("log-level", "unknown level \"" + *raw.logLevel +
                                       "\" (expected debug, info, warn, error)");
  if (raw.analysisFps)
    out.analysisFps = (int)parseInt("analysis-fps", raw.analysisFps->c_str(), 0, 60);
  if (raw.analysisWidth)
    out.analysisWidth = (int)parseInt("analysis-width", raw.analysisWidth->c_str(), 16, 3840);
  if (out.analysisWidth % 2) throw ConfigError("analysis-width", "must be even");
  if (raw.analysisHeight)
    out.analysisHeight = (int)parseInt("analysis-height", raw.analysisHeight->c_str(), 16, 2160);
  if (out.analysisHeight % 2) throw ConfigError("analysis-height", "must be even");
  if (raw.overlaysPrivate && !parseOverlayPolicy(*raw.overlaysPrivate, out.overlaysPrivate))
    throw ConfigError("overlays-private", "unknown policy \"" + *raw.overlaysPrivate +
                                              "\" (expected names, boxes, none)");
  if (raw.overlaysPublic && !parseOverlayPolicy(*raw.overlaysPublic, out.overlaysPublic))
    throw ConfigError("overlays-public", "unknown policy \"" + *raw.overlaysPublic +
                                             "\" (expected names, boxes, none)");
  out.latencyProbe = latencyProbe;
  return ParseOutcome::Run;
}
