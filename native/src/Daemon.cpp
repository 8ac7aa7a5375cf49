#include "Daemon.h"

#include <glib-unix.h>
#include <unistd.h>

#include <csignal>

#include "FrameMessage.h"
#include "JsonText.h"
#include "Log.h"
#include "Protocol.h"
#include "UrlRedactor.h"

using nlohmann::json;

namespace {

framemsg::Header pictureHeader(const OutputPipeline::FrameInfo& info) {
  framemsg::Header h;
  h.frame = info.frame;
  h.captureUs = uint64_t(info.captureUs);
  h.flags = info.flags;
  return h;
}

}  // namespace

Daemon::Daemon(Options options, SourceSpec spec, std::string encoderName)
    : options_(std::move(options)),
      spec_(std::move(spec)),
      encoderName_(std::move(encoderName)),
      ssrc_(options_.rtpSsrc ? *options_.rtpSsrc : g_random_int()),
      startUs_(g_get_monotonic_time()) {}

Daemon::~Daemon() {
  logSetSink(nullptr);
  if (loop_) g_main_loop_unref(loop_);
}

int Daemon::run() {
  loop_ = g_main_loop_new(nullptr, FALSE);

  control_ = std::make_unique<ControlServer>(
      options_.control,
      ControlServer::Handlers{[this] { return dump(helloJson()); },
                              [this](const std::string& p) -> std::optional<std::string> {
                                // Requests are read on the main loop, which runs only once
                                // the dispatcher exists; none can come before.
                                if (!dispatcher_) return std::nullopt;
                                return dispatcher_->handle(p);
                              },
                              [this](uint64_t generation) {
                                if (analysis_) analysis_->onClient(generation);
                              }});
  std::string error;
  if (!control_->start(error)) {
    fprintf(stderr, "camerad: configuration error: control: %s\n", error.c_str());
    return 2;
  }
  logSetSink([this](LogLevel level, const std::string& message) {
    notify("log", json{{"level", logLevelName(level)}, {"message", message}});
  });

  logInfo(std::string("camerad ") + CAMERAD_VERSION + " source " + UrlRedactor::maskCredentials(spec_.uri) + ", " +
          std::to_string(options_.width) + "x" + std::to_string(options_.height) + " @ " +
          std::to_string(options_.fps) + " fps, " + std::to_string(options_.bitrateKbps) +
          " kbit/s, encoder " + encoderName_ + " (requested " + options_.encoder + "), RTP to " +
          options_.rtpHost + ":" + std::to_string(options_.rtpPort) + " ssrc " +
          std::to_string(ssrc_));
  if (options_.latencyProbe) logInfo("latency probe on (docs/latency-probe.md)");

  supervisor_ = std::make_unique<SourceSupervisor>(
      spec_, options_, store_, reaper_,
      SourceSupervisor::Events{
          [this](const std::string& reason) { notify("source_lost", json{{"reason", reason}}); },
          [this](int64_t afterMs) { notify("source_recovered", json{{"after_ms", afterMs}}); }});

  output_ = std::make_unique<OutputPipeline>(
      options_, encoderName_, ssrc_, store_,
      [this] { return supervisor_->state() == SourceState::Live; },
      [this](int code, const std::string& message) {
        logError(message);
        requestExit(code);
      });
  analysis_ = std::make_unique<AnalysisBranch>(
      options_, store_, [this] { return supervisor_->state() == SourceState::Live; },
      [this](uint64_t generation, const std::string& payload) {
        control_->sendTo(generation, protocol::kAnalysisFrame, payload);
      });
  grabber_ = std::make_unique<FrameGrabber>(
      options_.width, options_.height,
      [this](FrameGrabber::Result&& result) { dispatcher_->onGrabbed(std::move(result)); });
  stills_ = std::make_unique<StillBranch>(
      options_.width, options_.height, options_.fps,
      [this](const std::string& payload) { control_->send(protocol::kJpegStill, payload); });
  output_->setFrameObserver([this](GstBuffer* clean, const OutputPipeline::FrameInfo& cleanInfo,
                                   GstBuffer* program, const OutputPipeline::FrameInfo& info) {
    stills_->onFrame(clean, pictureHeader(cleanInfo), program, pictureHeader(info));
  });
  egress_ = std::make_unique<Egress>(options_, encoderName_, *output_, reaper_,
                                     [this](const std::string& event, const json& data) {
                                       notify(event, data);
                                     });
  dispatcher_ = std::make_unique<RequestDispatcher>(RequestDispatcher::Parts{
      options_, *control_, *output_, *analysis_, *stills_, *egress_, *grabber_,
      [this] { return statsJson(); },
      [this] {
        // Quit from an idle callback so the response is queued first.
        g_idle_add(
            [](gpointer self) -> gboolean {
              static_cast<Daemon*>(self)->requestExit(0);
              return G_SOURCE_REMOVE;
            },
            this);
      }});
  if (options_.overlaysPrivate != options_.overlaysPublic) {
    logInfo(std::string("overlays: ") + overlayPolicyName(options_.overlaysPrivate) +
            " in the program encode, " + overlayPolicyName(options_.overlaysPublic) +
            " in RTMP and recordings (a second encoder while they run)");
  }
  if (!output_->start(error)) {
    logError(error);
    exitCode_ = 3;
  } else {
    grabber_->start();
    stills_->start();
    analysis_->start();
    if (analysis_->enabled()) {
      logInfo("analysis frames " + std::to_string(analysis_->width()) + "x" +
              std::to_string(analysis_->height()) + " RGB at " +
              std::to_string(options_.analysisFps) + " fps");
    }
    supervisor_->start();
    interval_.atUs = g_get_monotonic_time();
    guint statsTimer = g_timeout_add(guint(options_.statsIntervalMs), &Daemon::onStatsTimer, this);
    guint sigterm = g_unix_signal_add(SIGTERM, &Daemon::onSignal, this);
    guint sigint = g_unix_signal_add(SIGINT, &Daemon::onSignal, this);
    g_main_loop_run(loop_);
    g_source_remove(statsTimer);
    g_source_remove(sigterm);
    g_source_remove(sigint);
  }

  logInfo("stopping (exit code " + std::to_string(exitCode_) + ")");
  supervisor_->stop();
  analysis_->stop();
  egress_->stop();  // finishes a recording while the output still runs
  output_->stop();
  grabber_->stop();
  stills_->stop();
  const bool drained = reaper_.drain(kTeardownTimeoutMs);
  if (!drained) logWarn("source teardown still hanging, exiting anyway");
  control_->flushBlocking(500);
  logSetSink(nullptr);
  control_->stop();
  if (!drained) _exit(exitCode_);  // do not wait for a hung pipeline in destructors
  return exitCode_;
}

void Daemon::requestExit(int code) {
  if (!g_main_loop_is_running(loop_)) return;
  exitCode_ = code;
  g_main_loop_quit(loop_);
}

gboolean Daemon::onSignal(gpointer self) {
  auto* d = static_cast<Daemon*>(self);
  logInfo("signal received");
  d->requestExit(0);
  return G_SOURCE_CONTINUE;
}

gboolean Daemon::onStatsTimer(gpointer self) {
  static_cast<Daemon*>(self)->onStatsTick();
  return G_SOURCE_CONTINUE;
}

void Daemon::onStatsTick() {
  const int64_t now = g_get_monotonic_time();
  const double seconds = double(now - interval_.atUs) / 1e6;
  const uint64_t framesIn = store_.framesIn();
  const uint64_t framesOut = output_->framesOut();
  const uint64_t bytesOut = output_->bytesOut();
  if (seconds > 0) {
    interval_.fpsIn = double(framesIn - interval_.framesIn) / seconds;
    interval_.fpsOut = double(framesOut - interval_.framesOut) / seconds;
    interval_.bitrateKbps = double(bytesOut - interval_.bytesOut) * 8.0 / 1000.0 / seconds;
  }
  interval_.atUs = now;
  interval_.framesIn = framesIn;
  interval_.framesOut = framesOut;
  interval_.bytesOut = bytesOut;
  notify("stats", statsJson());
}

void Daemon::notify(const std::string& event, const json& data) {
  // Source errors (source_lost reasons) may quote the URI: every notification
  // passes the redactor, like every log line (native/PROTOCOL.md, Secrets).
  if (control_) control_->notify(event, redactSecrets(dump(data)));
}

json Daemon::helloJson() const {
  return json{{"protocol", protocol::kVersion},
              {"camerad", CAMERAD_VERSION},
              {"camera", options_.camera},
              {"pid", int(getpid())},
              {"source", UrlRedactor::maskCredentials(spec_.uri)},
              {"encoder", encoderName_},
              {"width", options_.width},
              {"height", options_.height},
              {"fps", options_.fps},
              {"bitrate_kbps", options_.bitrateKbps},
              {"keyframe_interval", options_.keyframeInterval},
              {"rtp",
               {{"host", options_.rtpHost},
                {"port", options_.rtpPort},
                {"ssrc", ssrc_},
                {"payload_type", 96},
                {"clock_rate", 90000}}},
              {"rtp_source_port", output_ ? output_->rtpSourcePort() : 0},
              {"source_state", sourceStateName(supervisor_ ? supervisor_->state()
                                                           : SourceState::Starting)},
              {"latency_probe", latencyProbe()},
              {"analysis_fps", analysis_ && analysis_->enabled() ? analysis_->fps() : 0.0},
              {"analysis_width", analysis_ ? analysis_->width() : 0},
              {"analysis_height", analysis_ ? analysis_->height() : 0},
              {"overlays_private", overlayPolicyName(options_.overlaysPrivate)},
              {"overlays_public", overlayPolicyName(options_.overlaysPublic)}};
}

bool Daemon::latencyProbe() const {
  return output_ ? output_->latencyProbe() : options_.latencyProbe;
}

json Daemon::statsJson() const {
  json stats{{"uptime_ms", (g_get_monotonic_time() - startUs_) / 1000},
              {"frames_in", store_.framesIn()},
              {"frames_out", output_ ? output_->framesOut() : 0},
              {"fps_in", round1(interval_.fpsIn)},
              {"fps_out", round1(interval_.fpsOut)},
              {"bytes_out", output_ ? output_->bytesOut() : 0},
              {"bitrate_kbps", round1(interval_.bitrateKbps)},
              {"keyframes", output_ ? output_->keyframes() : 0},
              {"keyframe_requests", output_ ? output_->keyframeRequests() : 0},
              {"source_state", sourceStateName(supervisor_ ? supervisor_->state()
                                                           : SourceState::Starting)},
              {"latency_probe", latencyProbe()},
              {"analysis_fps", analysis_ && analysis_->enabled() ? analysis_->fps() : 0.0},
              {"analysis_frames", analysis_ ? analysis_->framesSent() : 0},
              {"analysis_dropped", analysis_ ? analysis_->framesDropped() : 0},
              {"analysis_in_flight", analysis_ ? analysis_->inFlight() : 0},
              {"overlay_items", output_ ? output_->overlays().count(g_get_monotonic_time()) : 0},
              {"grabs", dispatcher_ ? dispatcher_->grabs() : 0}};
  auto stillsFps = [this](StillBranch::Variant v) {
    const StillBranch::Settings s = stills_->settings(v);
    return s.enabled ? s.fps : 0.0;
  };
  json layers = json::object();
  if (output_) {
    for (const auto& [name, n] : output_->overlays().layerCounts(g_get_monotonic_time())) {
      layers[name] = n;
    }
  }
  stats["overlay_layers"] = layers;
  stats["stills_sent"] = stills_ ? stills_->sent() : 0;
  stats["stills_dropped"] = stills_ ? stills_->dropped() : 0;
  stats["stills_fps"] = json{{"clean", stills_ ? stillsFps(StillBranch::kClean) : 0.0},
                             {"overlays", stills_ ? stillsFps(StillBranch::kOverlays) : 0.0}};
  stats["stills_encode_ms"] = stills_ ? round1(stills_->meanEncodeMs()) : 0.0;
  if (egress_) {
    egress_->addStats(stats);
  } else {
    stats["encoders"] = 1;
  }
  if (supervisor_) {
    json source = supervisor_->sourceStats();
    if (!source.is_null()) stats["dir"] = std::move(source);
  }
  return stats;
}
