// camerad: one process per camera. Reads a source, produces a constant-fps
// I420 picture stream, encodes H.264 once and sends RTP to 127.0.0.1.
// This file only wires things up; see Daemon.cpp.
#include <gst/gst.h>

#include <csignal>
#include <cstdio>

#include "Daemon.h"
#include "Encoder.h"
#include "Log.h"
#include "Options.h"
#include "SourceUri.h"
#include "UrlRedactor.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // A file size limit (RLIMIT_FSIZE) fails the recording (EFBIG), not camerad.
  std::signal(SIGXFSZ, SIG_IGN);
  gst_init(&argc, &argv);
  logRedactGstDebug();  // RTMP stream keys never reach GStreamer's own debug log either

  Options options;
  SourceSpec spec;
  std::string encoder;
  try {
    if (parseOptions(argc, argv, options) == ParseOutcome::Exit) return 0;
    // From here on the source's credentials never reach a log line, GStreamer's
    // debug log, an error message or the control client (native/PROTOCOL.md, Secrets).
    UrlRedactor::global().addSourceUri(options.source);
    logSetup(options.camera, options.logLevel);
    spec = parseSourceUri(options.source);
    encoder = chooseEncoder(options.encoder);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "camerad: configuration error: %s: %s\n", e.setting().c_str(),
                 redactSecrets(e.what()).c_str());
    return 2;
  }

  int code;
  {
    Daemon daemon(options, spec, encoder);
    code = daemon.run();
  }
  gst_deinit();
  return code;
}
