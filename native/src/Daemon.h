// Wires the parts of camerad together on the GLib main loop: control
// server, source supervisor, output pipeline, analysis, grabs, stills,
// recording and RTMP (Egress), stats and signals. Control requests are
// RequestDispatcher's.
#pragma once

#include <glib.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "AnalysisBranch.h"
#include "ControlServer.h"
#include "Egress.h"
#include "FrameGrabber.h"
#include "FrameStore.h"
#include "Options.h"
#include "OutputPipeline.h"
#include "Reaper.h"
#include "RequestDispatcher.h"
#include "SourceSupervisor.h"
#include "SourceUri.h"
#include "StillBranch.h"

class Daemon {
 public:
  /// How long to wait at exit for source pipelines being torn down, ms.
  static constexpr int kTeardownTimeoutMs = 3000;

  Daemon(Options options, SourceSpec spec, std::string encoderName);
  ~Daemon();

  /// Runs until a signal, a shutdown request or a fatal error. Returns the
  /// process exit code (0 clean stop, 2 configuration error, 3 fatal runtime error).
  int run();

 private:
  nlohmann::json helloJson() const;
  nlohmann::json statsJson() const;
  /// Whether the latency probe strip is drawn now.
  bool latencyProbe() const;
  void notify(const std::string& event, const nlohmann::json& data);
  void requestExit(int code);
  void onStatsTick();

  static gboolean onSignal(gpointer self);
  static gboolean onStatsTimer(gpointer self);

  Options options_;
  SourceSpec spec_;
  std::string encoderName_;
  uint32_t ssrc_;
  int64_t startUs_;
  GMainLoop* loop_ = nullptr;
  int exitCode_ = 0;

  FrameStore store_;
  Reaper reaper_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<SourceSupervisor> supervisor_;
  std::unique_ptr<OutputPipeline> output_;
  std::unique_ptr<AnalysisBranch> analysis_;
  std::unique_ptr<FrameGrabber> grabber_;
  std::unique_ptr<StillBranch> stills_;
  std::unique_ptr<Egress> egress_;
  std::unique_ptr<RequestDispatcher> dispatcher_;

  // Rates over the last stats interval.
  struct Interval {
    int64_t atUs = 0;
    uint64_t framesIn = 0, framesOut = 0, bytesOut = 0;
    double fpsIn = 0, fpsOut = 0, bitrateKbps = 0;
  } interval_;
};
