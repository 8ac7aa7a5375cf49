#include "Daemon.h"

#include <glib-unix.h>
#include <unistd.h>

#include <cmath>
#include <csignal>

#include "Log.h"
#include "Protocol.h"

using nlohmann::json;

namespace {

/// JSON text; invalid UTF-8 (e.g. in GStreamer messages) is replaced, never thrown.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json errorResponse(uint32_t id, const char* code, const std::string& message) {
  return json{{"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

double round1(double v) { return std::round(v * 10.0) / 10.0; }

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
                              [this](const std::string& p) { return handleRequest(p); }});
  std::string error;
  if (!control_->start(error)) {
    fprintf(stderr, "camerad: configuration error: control: %s\n", error.c_str());
    return 2;
  }
  logSetSink([this](LogLevel level, const std::string& message) {
    notify("log", json{{"level", logLevelName(level)}, {"message", message}});
  });

  logInfo(std::string("camerad ") + CAMERAD_VERSION + " source " + spec_.uri + ", " +
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
  if (!output_->start(error)) {
    logError(error);
    exitCode_ = 3;
  } else {
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
  output_->stop();
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
  if (control_) control_->notify(event, dump(data));
}

json Daemon::helloJson() const {
  return json{{"protocol", protocol::kVersion},
              {"camerad", CAMERAD_VERSION},
              {"camera", options_.camera},
              {"pid", int(getpid())},
              {"source", spec_.uri},
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
              {"source_state", sourceStateName(supervisor_ ? supervisor_->state()
                                                           : SourceState::Starting)},
              {"latency_probe", latencyProbe()}};
}

bool Daemon::latencyProbe() const {
  return output_ ? output_->latencyProbe() : options_.latencyProbe;
}

json Daemon::statsJson() const {
  return json{{"uptime_ms", (g_get_monotonic_time() - startUs_) / 1000},
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
              {"latency_probe", latencyProbe()}};
}

std::string Daemon::handleRequest(const std::string& payload) {
  json req = json::parse(payload, nullptr, false);
  if (req.is_discarded() || !req.is_object()) {
    return dump(errorResponse(0, "bad_request", "request is not a JSON object"));
  }
  auto idIt = req.find("id");
  if (idIt == req.end() || !idIt->is_number_integer() || idIt->get<int64_t>() < 0 ||
      idIt->get<int64_t>() > int64_t(UINT32_MAX)) {
    return dump(errorResponse(0, "bad_request", "missing or invalid \"id\" (u32 expected)"));
  }
  const uint32_t id = uint32_t(idIt->get<int64_t>());
  auto methodIt = req.find("method");
  if (methodIt == req.end() || !methodIt->is_string()) {
    return dump(errorResponse(id, "bad_request", "missing or invalid \"method\" (string expected)"));
  }
  auto paramsIt = req.find("params");
  if (paramsIt != req.end() && !paramsIt->is_object() && !paramsIt->is_null()) {
    return dump(errorResponse(id, "bad_request", "\"params\" must be an object"));
  }
  const std::string method = methodIt->get<std::string>();
  auto ok = [id](json result) { return dump(json{{"id", id}, {"ok", true}, {"result", result}}); };

  if (method == "ping") return ok(json::object());
  if (method == "keyframe") {
    const uint64_t total = output_->requestKeyframe();
    logDebug("keyframe requested (" + std::to_string(total) + " so far)");
    return ok(json{{"keyframe_requests", total}});
  }
  if (method == "stats") return ok(statsJson());
  if (method == "probe") {
    const json* enabled = nullptr;
    if (paramsIt != req.end() && paramsIt->is_object()) {
      auto it = paramsIt->find("enabled");
      if (it != paramsIt->end()) enabled = &*it;
    }
    if (enabled == nullptr || !enabled->is_boolean()) {
      return dump(
          errorResponse(id, "bad_request", "missing or invalid \"enabled\" (boolean expected)"));
    }
    const bool on = enabled->get<bool>();
    if (on != output_->latencyProbe()) logInfo(std::string("latency probe ") + (on ? "on" : "off"));
    output_->setLatencyProbe(on);
    return ok(json{{"enabled", on}});
  }
  if (method == "shutdown") {
    logInfo("shutdown requested");
    // Quit from an idle callback so the response is queued first.
    g_idle_add(
        [](gpointer self) -> gboolean {
          static_cast<Daemon*>(self)->requestExit(0);
          return G_SOURCE_REMOVE;
        },
        this);
    return ok(json::object());
  }
  return dump(errorResponse(id, "unknown_method", "unknown method \"" + method + "\""));
}
