#include "RequestDispatcher.h"

#include <glib.h>


#include "FrameMessage.h"
#include "JsonText.h"
#include "Log.h"
#include "Protocol.h"

using nlohmann::json;

namespace {

/// The response to request `id` (native/PROTOCOL.md): the one place a reply becomes JSON.
std::string response(uint32_t id, const ControlReply& reply) {
  if (reply.ok) return dump(json{{"id", id}, {"ok", true}, {"result", reply.result}});
  return dump(json{{"id", id},
                   {"ok", false},
                   {"error", {{"code", reply.code}, {"message", reply.message}}}});
}

bool isGrabFormat(const std::string& f) { return f == "rgb" || f == "jpeg"; }

}  // namespace

RequestDispatcher::RequestDispatcher(Parts parts) : parts_(std::move(parts)) {
  methods_["ping"] = [](Request&) { return ControlReply::success(json::object()); };
  methods_["keyframe"] = [this](Request&) {
    const uint64_t total = parts_.output.requestKeyframe();
    logDebug("keyframe requested (" + std::to_string(total) + " so far)");
    return ControlReply::success(json{{"keyframe_requests", total}});
  };
  methods_["stats"] = [this](Request&) { return ControlReply::success(parts_.stats()); };
  methods_["probe"] = [this](Request& req) { return probe(req); };
  methods_["analysis"] = [this](Request& req) { return analysis(req); };
  methods_["analysis_ack"] = [this](Request& req) { return analysisAck(req); };
  methods_["overlays"] = [this](Request& req) { return overlays(req); };
  methods_["stills"] = [this](Request& req) { return stills(req); };
  methods_["grab"] = [this](Request& req) { return grab(req); };
  methods_["record_start"] = [this](Request& req) {
    return parts_.egress.startRecording(req.params.object());
  };
  methods_["record_stop"] = [this](Request& req) {
    const uint64_t generation = req.generation;
    const uint32_t id = req.id;
    // nullopt: answered when the file is finished
    return parts_.egress.stopRecording(
        [this, generation, id](const ControlReply& r) { reply(generation, id, r); });
  };
  methods_["rtmp_start"] = [this](Request& req) {
    return parts_.egress.startRtmp(req.params.object());
  };
  methods_["rtmp_stop"] = [this](Request& req) {
    const uint64_t generation = req.generation;
    const uint32_t id = req.id;
    // nullopt: answered when the stream is closed
    return parts_.egress.stopRtmp(
        [this, generation, id](const ControlReply& r) { reply(generation, id, r); });
  };
  methods_["shutdown"] = [this](Request&) {
    logInfo("shutdown requested");
    parts_.shutdown();
    return ControlReply::success(json::object());
  };
}

std::optional<std::string> RequestDispatcher::handle(const std::string& payload) {
  json req = json::parse(payload, nullptr, false);
  if (req.is_discarded() || !req.is_object()) {
    return response(0, ControlReply::failure("bad_request", "request is not a JSON object"));
  }
  auto idIt = req.find("id");
  if (idIt == req.end() || !idIt->is_number_integer() || idIt->get<int64_t>() < 0 ||
      idIt->get<int64_t>() > int64_t(UINT32_MAX)) {
    return response(
        0, ControlReply::failure("bad_request", "missing or invalid \"id\" (u32 expected)"));
  }
  const uint32_t id = uint32_t(idIt->get<int64_t>());
  auto methodIt = req.find("method");
  if (methodIt == req.end() || !methodIt->is_string()) {
    return response(id, ControlReply::failure("bad_request",
                                              "missing or invalid \"method\" (string expected)"));
  }
  auto paramsIt = req.find("params");
  if (paramsIt != req.end() && !paramsIt->is_object() && !paramsIt->is_null()) {
    return response(id, ControlReply::failure("bad_request", "\"params\" must be an object"));
  }
  const std::string method = methodIt->get<std::string>();
  auto handler = methods_.find(method);
  if (handler == methods_.end()) {
    return response(id,
                    ControlReply::failure("unknown_method", "unknown method \"" + method + "\""));
  }
  Request request{id, parts_.control.generation(),
                  Params(paramsIt != req.end() ? *paramsIt : json::object())};
  std::optional<ControlReply> now = handler->second(request);
  if (!now) return std::nullopt;
  return response(id, *now);
}

void RequestDispatcher::reply(uint64_t generation, uint32_t id, const ControlReply& r) {
  parts_.control.sendTo(generation, protocol::kResponse, response(id, r));
}

ControlReply RequestDispatcher::probe(Request& req) {
  bool on = false;
  if (!req.params.requireBool("enabled", on)) return req.params.failure();
  if (on != parts_.output.latencyProbe()) logInfo(std::string("latency probe ") + (on ? "on" : "off"));
  parts_.output.setLatencyProbe(on);
  return ControlReply::success(json{{"enabled", on}});
}

ControlReply RequestDispatcher::analysis(Request& req) {
  bool on = false;
  double fps = 0;
  if (!req.params.requireBool("enabled", on) ||
      !req.params.optionalPositive("fps", AnalysisBranch::kMaxFps,
                                   "number expected, > 0 and <= 60", fps)) {
    return req.params.failure();
  }
  AnalysisBranch& analysis = parts_.analysis;
  analysis.configure(on, fps);
  std::string rate = std::to_string(analysis.fps());
  rate.erase(rate.find_last_not_of('0') + 1);
  if (!rate.empty() && rate.back() == '.') rate.pop_back();
  logInfo(on ? "analysis frames on: " + std::to_string(analysis.width()) + "x" +
                   std::to_string(analysis.height()) + " RGB at " + rate + " fps"
             : std::string("analysis frames off"));
  return ControlReply::success(json{{"enabled", on},
                                    {"fps", analysis.fps()},
                                    {"width", analysis.width()},
                                    {"height", analysis.height()}});
}

ControlReply RequestDispatcher::analysisAck(Request& req) {
  int64_t frame = 0;
  if (!req.params.requireInt("frame", 1, "integer >= 1 expected", frame)) return req.params.failure();
  return ControlReply::success(json{{"acked", parts_.analysis.ack(uint64_t(frame))}});
}

ControlReply RequestDispatcher::overlays(Request& req) {
  std::string error;
  const int64_t now = g_get_monotonic_time();
  std::string layer;
  OverlaySet& set = parts_.output.overlays();
  if (!set.update(req.params.object(), now, error, &layer)) {
    return ControlReply::failure("bad_request", error);
  }
  json result{{"items", set.count(now)}};
  if (req.params.has("layer")) {  // a request without "layer" gets protocol 1's result
    size_t inLayer = 0;
    for (const auto& [name, n] : set.layerCounts(now)) {
      if (name == layer) inLayer = n;
    }
    result["layer"] = layer;
    result["layer_items"] = inLayer;
  }
  return ControlReply::success(result);
}

ControlReply RequestDispatcher::stills(Request& req) {
  std::string variant;
  StillBranch::Variant v = StillBranch::kClean;
  bool enabled = false;
  double fps = 0;
  int64_t quality = 0;
  if (!req.params.requireString("variant", "\"clean\" or \"overlays\" expected", variant,
                                [&v](const std::string& text) { return StillBranch::parseVariant(text, v); }) ||
      !req.params.requireBool("enabled", enabled) ||
      !req.params.optionalPositive("fps", StillBranch::kMaxFps, "number expected, > 0 and <= 30",
                                   fps) ||
      !req.params.optionalInt("quality", 1, 100, "integer 1..100 expected", quality)) {
    return req.params.failure();
  }
  const StillBranch::Settings s = parts_.stills.configure(v, enabled, fps, int(quality));
  logInfo(std::string("stills ") + StillBranch::variantName(v) +
          (s.enabled ? " on: " + std::to_string(s.fps).substr(0, 5) + " fps, quality " +
                           std::to_string(s.quality)
                     : std::string(" off")));
  return ControlReply::success(json{{"variant", StillBranch::variantName(v)},
                                    {"enabled", s.enabled},
                                    {"fps", s.fps},
                                    {"quality", s.quality}});
}

std::optional<ControlReply> RequestDispatcher::grab(Request& req) {
  std::string format;
  bool program = false;
  int64_t quality = 85;
  if (!req.params.requireString("format", "\"rgb\" or \"jpeg\" expected", format, isGrabFormat) ||
      !req.params.optionalBool("overlays", program) ||
      !req.params.optionalInt("quality", 1, 100, "integer 1..100 expected", quality)) {
    return req.params.failure();
  }
  const bool jpeg = format == "jpeg";
  const Options& options = parts_.options;
  const uint64_t rgbBytes = uint64_t(options.width) * uint64_t(options.height) * 3;
  if (!jpeg && rgbBytes + framemsg::kHeaderSize + 1 > protocol::kMaxFrameLength) {
    return ControlReply::failure("too_large", "an RGB frame of " + std::to_string(options.width) +
                                                  "x" + std::to_string(options.height) +
                                                  " is over the 16 MiB frame limit; grab \"jpeg\"");
  }
  if (grabsInFlight_.fetch_add(1) >= kMaxGrabsInFlight) {
    grabsInFlight_--;
    return ControlReply::failure(
        "busy", "already " + std::to_string(kMaxGrabsInFlight) + " grabs in progress");
  }
  const uint64_t generation = req.generation;
  const uint32_t id = req.id;
  const int q = int(quality);
  parts_.output.grabNext(program, [this, generation, id, jpeg, q](
                                      GstBuffer* frame, const OutputPipeline::FrameInfo& info) {
    FrameGrabber::Job job;
    job.generation = generation;
    job.requestId = id;
    job.jpeg = jpeg;
    job.quality = q;
    job.buffer = frame;
    job.header.frame = info.frame;
    job.header.captureUs = uint64_t(info.captureUs);
    job.header.flags = info.flags;
    parts_.grabber.submit(std::move(job));
  });
  return std::nullopt;  // answered when the frame is ready
}

void RequestDispatcher::onGrabbed(FrameGrabber::Result&& r) {
  grabsInFlight_--;
  if (r.ok && r.payload.size() + 1 > protocol::kMaxFrameLength) {
    reply(r.generation, r.requestId,
          ControlReply::failure("too_large", "the picture (" + std::to_string(r.payload.size()) +
                                                 " bytes) is over the 16 MiB frame limit"));
    return;
  }
  if (!r.ok) {
    reply(r.generation, r.requestId, ControlReply::failure("grab_failed", r.error));
    return;
  }
  const framemsg::Header& h = r.header;
  grabs_++;
  parts_.control.sendTo(r.generation, protocol::kGrabFrame, r.payload);
  reply(r.generation, r.requestId,
        ControlReply::success(json{{"frame", h.frame},
                                   {"capture_time_us", h.captureUs},
                                   {"width", h.width},
                                   {"height", h.height},
                                   {"format", h.format == framemsg::kJpeg ? "jpeg" : "rgb"},
                                   {"stride", h.stride},
                                   {"bytes", r.payload.size() - framemsg::kHeaderSize},
                                   {"overlays", (h.flags & framemsg::kFlagOverlays) != 0},
                                   {"latency_probe", (h.flags & framemsg::kFlagProbe) != 0},
                                   {"no_signal", (h.flags & framemsg::kFlagNoSignal) != 0},
                                   {"encode_ms", round1(r.encodeMs)}}));
}
