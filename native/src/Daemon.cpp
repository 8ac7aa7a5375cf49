#include "Daemon.h"

#include <glib-unix.h>
#include <unistd.h>

#include <cmath>
#include <csignal>

#include "FrameMessage.h"
#include "Log.h"
#include "Protocol.h"
#include "UrlRedactor.h"

using nlohmann::json;

namespace {

/// JSON text; invalid UTF-8 (e.g. in GStreamer messages) is replaced, never thrown.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json errorResponse(uint32_t id, const char* code, const std::string& message) {
  return json{{"id", id}, {"ok", false}, {"error", {{"code", code}, {"message", message}}}};
}

double round1(double v) { return std::round(v * 10.0) / 10.0; }

/// params[name], or nullptr when params is not an object or has no such key.
const json* param(const json& params, const char* name) {
  if (!params.is_object()) return nullptr;
  auto it = params.find(name);
  return it == params.end() ? nullptr : &*it;
}

json badRequest(uint32_t id, const std::string& message) {
  return errorResponse(id, "bad_request", message);
}

json okResponse(uint32_t id, json result) {
  return json{{"id", id}, {"ok", true}, {"result", std::move(result)}};
}

json replyResponse(uint32_t id, const ControlReply& reply) {
  return reply.ok ? okResponse(id, reply.result)
                  : errorResponse(id, reply.code.c_str(), reply.message);
}

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
                              [this](const std::string& p) { return handleRequest(p); },
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
      [this](FrameGrabber::Result&& result) { onGrabbed(std::move(result)); });
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
              {"grabs", grabs_.load()}};
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

std::optional<std::string> Daemon::handleRequest(const std::string& payload) {
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
  const json params = paramsIt != req.end() && paramsIt->is_object() ? *paramsIt : json::object();
  auto ok = [id](json result) { return dump(okResponse(id, std::move(result))); };

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
  if (method == "analysis") return dump(handleAnalysis(id, params));
  if (method == "analysis_ack") return dump(handleAnalysisAck(id, params));
  if (method == "overlays") return dump(handleOverlays(id, params));
  if (method == "stills") return dump(handleStills(id, params));
  if (method == "record_start") return dump(replyResponse(id, egress_->startRecording(params)));
  if (method == "record_stop") {
    const uint64_t generation = control_->generation();
    std::optional<ControlReply> now = egress_->stopRecording([this, id, generation](const ControlReply& r) {
      control_->sendTo(generation, protocol::kResponse, dump(replyResponse(id, r)));
    });
    if (!now) return std::nullopt;  // answered when the file is finished
    return dump(replyResponse(id, *now));
  }
  if (method == "rtmp_start") return dump(replyResponse(id, egress_->startRtmp(params)));
  if (method == "rtmp_stop") {
    const uint64_t generation = control_->generation();
    std::optional<ControlReply> now = egress_->stopRtmp([this, id, generation](const ControlReply& r) {
      control_->sendTo(generation, protocol::kResponse, dump(replyResponse(id, r)));
    });
    if (!now) return std::nullopt;  // answered when the stream is closed
    return dump(replyResponse(id, *now));
  }
  if (method == "grab") {
    std::optional<json> response = handleGrab(id, params);
    if (!response) return std::nullopt;  // answered when the frame is ready
    return dump(*response);
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

json Daemon::handleAnalysis(uint32_t id, const json& params) {
  const json* enabled = param(params, "enabled");
  if (enabled == nullptr || !enabled->is_boolean()) {
    return badRequest(id, "missing or invalid \"enabled\" (boolean expected)");
  }
  double fps = 0;
  if (const json* f = param(params, "fps")) {
    if (!f->is_number() || !(f->get<double>() > 0) || f->get<double>() > AnalysisBranch::kMaxFps) {
      return badRequest(id, "invalid \"fps\" (number expected, > 0 and <= 60)");
    }
    fps = f->get<double>();
  }
  const bool on = enabled->get<bool>();
  analysis_->configure(on, fps);
  std::string rate = std::to_string(analysis_->fps());
  rate.erase(rate.find_last_not_of('0') + 1);
  if (!rate.empty() && rate.back() == '.') rate.pop_back();
  logInfo(on ? "analysis frames on: " + std::to_string(analysis_->width()) + "x" +
                   std::to_string(analysis_->height()) + " RGB at " + rate + " fps"
             : std::string("analysis frames off"));
  return okResponse(id, json{{"enabled", on},
                             {"fps", analysis_->fps()},
                             {"width", analysis_->width()},
                             {"height", analysis_->height()}});
}

json Daemon::handleAnalysisAck(uint32_t id, const json& params) {
  const json* frame = param(params, "frame");
  if (frame == nullptr || !frame->is_number_integer() || frame->get<int64_t>() < 1) {
    return badRequest(id, "missing or invalid \"frame\" (integer >= 1 expected)");
  }
  return okResponse(id, json{{"acked", analysis_->ack(frame->get<uint64_t>())}});
}

json Daemon::handleOverlays(uint32_t id, const json& params) {
  std::string error;
  const int64_t now = g_get_monotonic_time();
  std::string layer;
  if (!output_->overlays().update(params, now, error, &layer)) return badRequest(id, error);
  json result{{"items", output_->overlays().count(now)}};
  if (param(params, "layer") != nullptr) {  // a request without "layer" gets protocol 1's result
    size_t inLayer = 0;
    for (const auto& [name, n] : output_->overlays().layerCounts(now)) {
      if (name == layer) inLayer = n;
    }
    result["layer"] = layer;
    result["layer_items"] = inLayer;
  }
  return okResponse(id, result);
}

json Daemon::handleStills(uint32_t id, const json& params) {
  const json* variant = param(params, "variant");
  StillBranch::Variant v = StillBranch::kClean;
  if (variant == nullptr || !variant->is_string() ||
      !StillBranch::parseVariant(variant->get<std::string>(), v)) {
    return badRequest(id, "missing or invalid \"variant\" (\"clean\" or \"overlays\" expected)");
  }
  const json* enabled = param(params, "enabled");
  if (enabled == nullptr || !enabled->is_boolean()) {
    return badRequest(id, "missing or invalid \"enabled\" (boolean expected)");
  }
  double fps = 0;
  if (const json* f = param(params, "fps")) {
    if (!f->is_number() || !(f->get<double>() > 0) || f->get<double>() > StillBranch::kMaxFps) {
      return badRequest(id, "invalid \"fps\" (number expected, > 0 and <= 30)");
    }
    fps = f->get<double>();
  }
  int quality = 0;
  if (const json* q = param(params, "quality")) {
    if (!q->is_number_integer() || q->get<int64_t>() < 1 || q->get<int64_t>() > 100) {
      return badRequest(id, "invalid \"quality\" (integer 1..100 expected)");
    }
    quality = int(q->get<int64_t>());
  }
  const StillBranch::Settings s = stills_->configure(v, enabled->get<bool>(), fps, quality);
  logInfo(std::string("stills ") + StillBranch::variantName(v) +
          (s.enabled ? " on: " + std::to_string(s.fps).substr(0, 5) + " fps, quality " +
                           std::to_string(s.quality)
                     : std::string(" off")));
  return okResponse(id, json{{"variant", StillBranch::variantName(v)},
                             {"enabled", s.enabled},
                             {"fps", s.fps},
                             {"quality", s.quality}});
}

std::optional<json> Daemon::handleGrab(uint32_t id, const json& params) {
  const json* format = param(params, "format");
  if (format == nullptr || !format->is_string() ||
      (format->get<std::string>() != "rgb" && format->get<std::string>() != "jpeg")) {
    return badRequest(id, "missing or invalid \"format\" (\"rgb\" or \"jpeg\" expected)");
  }
  const bool jpeg = format->get<std::string>() == "jpeg";
  bool program = false;
  if (const json* o = param(params, "overlays")) {
    if (!o->is_boolean()) return badRequest(id, "invalid \"overlays\" (boolean expected)");
    program = o->get<bool>();
  }
  int quality = 85;
  if (const json* q = param(params, "quality")) {
    if (!q->is_number_integer() || q->get<int64_t>() < 1 || q->get<int64_t>() > 100) {
      return badRequest(id, "invalid \"quality\" (integer 1..100 expected)");
    }
    quality = int(q->get<int64_t>());
  }
  const uint64_t rgbBytes = uint64_t(options_.width) * uint64_t(options_.height) * 3;
  if (!jpeg && rgbBytes + framemsg::kHeaderSize + 1 > protocol::kMaxFrameLength) {
    return errorResponse(id, "too_large",
                         "an RGB frame of " + std::to_string(options_.width) + "x" +
                             std::to_string(options_.height) +
                             " is over the 16 MiB frame limit; grab \"jpeg\"");
  }
  if (grabsInFlight_.fetch_add(1) >= kMaxGrabsInFlight) {
    grabsInFlight_--;
    return errorResponse(id, "busy",
                         "already " + std::to_string(kMaxGrabsInFlight) + " grabs in progress");
  }
  const uint64_t generation = control_->generation();
  output_->grabNext(program, [this, generation, id, jpeg, quality](
                                 GstBuffer* frame, const OutputPipeline::FrameInfo& info) {
    FrameGrabber::Job job;
    job.generation = generation;
    job.requestId = id;
    job.jpeg = jpeg;
    job.quality = quality;
    job.buffer = frame;
    job.header.frame = info.frame;
    job.header.captureUs = uint64_t(info.captureUs);
    job.header.flags = info.flags;
    grabber_->submit(std::move(job));
  });
  return std::nullopt;
}

void Daemon::onGrabbed(FrameGrabber::Result&& r) {
  grabsInFlight_--;
  json response;
  if (r.ok && r.payload.size() + 1 > protocol::kMaxFrameLength) {
    response = errorResponse(r.requestId, "too_large",
                             "the picture (" + std::to_string(r.payload.size()) +
                                 " bytes) is over the 16 MiB frame limit");
  } else if (!r.ok) {
    response = errorResponse(r.requestId, "grab_failed", r.error);
  } else {
    const framemsg::Header& h = r.header;
    grabs_++;
    control_->sendTo(r.generation, protocol::kGrabFrame, r.payload);
    response = okResponse(
        r.requestId,
        json{{"frame", h.frame},
             {"capture_time_us", h.captureUs},
             {"width", h.width},
             {"height", h.height},
             {"format", h.format == framemsg::kJpeg ? "jpeg" : "rgb"},
             {"stride", h.stride},
             {"bytes", r.payload.size() - framemsg::kHeaderSize},
             {"overlays", (h.flags & framemsg::kFlagOverlays) != 0},
             {"latency_probe", (h.flags & framemsg::kFlagProbe) != 0},
             {"no_signal", (h.flags & framemsg::kFlagNoSignal) != 0},
             {"encode_ms", round1(r.encodeMs)}});
  }
  control_->sendTo(r.generation, protocol::kResponse, dump(response));
}
