#include "Egress.h"

#include "Log.h"
#include "UrlRedactor.h"

using nlohmann::json;

Egress::Egress(const Options& options, std::string encoderName, OutputPipeline& output,
               Reaper& reaper, NotifyFn notify)
    : options_(options),
      encoderName_(std::move(encoderName)),
      output_(output),
      reaper_(reaper),
      notify_(std::move(notify)) {}

Egress::~Egress() { stop(); }

H264Tap* Egress::acquireTap(bool& usesPublic, std::function<void()>& wantKeyframe,
                            std::string& error) {
  usesPublic = options_.overlaysPrivate != options_.overlaysPublic;
  if (!usesPublic) {
    OutputPipeline* output = &output_;  // lives as long as camerad runs
    wantKeyframe = [output] { output->forceKeyframe(); };
    return &output_.tap();
  }
  if (!public_) {
    const uint64_t generation = ++publicGeneration_;
    // Handled from the main loop later: the encoder is released by it, never
    // from inside its own bus watch.
    auto encoder = std::make_shared<PublicEncoder>(
        options_, encoderName_, [this, generation](const std::string& message) {
          invoker_.post([this, generation, message] { onPublicError(generation, message); });
        });
    if (!encoder->start(error)) {
      encoder->stop();
      return nullptr;
    }
    public_ = std::move(encoder);
    output_.setPublicEncoder(public_);
    logInfo(std::string("public encoder on (overlays ") + overlayPolicyName(options_.overlaysPublic) +
            "; program: " + overlayPolicyName(options_.overlaysPrivate) + ")");
  }
  ++publicUsers_;
  // A weak reference: a keyframe request never keeps the encoder alive. Taps
  // are left before the encoder is released, so no request outlives it.
  std::weak_ptr<PublicEncoder> weak = public_;
  wantKeyframe = [weak] {
    if (auto encoder = weak.lock()) encoder->requestKeyframe();
  };
  return &public_->tap();
}

void Egress::releaseTap(bool usesPublic) {
  if (!usesPublic || !public_ || --publicUsers_ > 0) return;
  output_.setPublicEncoder(nullptr);
  public_->stop();
  public_.reset();
  publicUsers_ = 0;
  logInfo("public encoder off");
}

void Egress::onPublicError(uint64_t generation, const std::string& message) {
  if (!public_ || generation != publicGeneration_) return;  // gone already
  logError(message);
  // Everything on the public encode fails with it; the encoder is released
  // with its last user.
  if (rec_.branch && rec_.usesPublic && !rec_.finishing) onRecordingFailed(message);
  if (rtmp_.branch && rtmp_.usesPublic) onRtmpFailed(message);
  if (public_) {  // no user is left; release it even if the counts disagree
    output_.setPublicEncoder(nullptr);
    public_->stop();
    public_.reset();
    publicUsers_ = 0;
  }
}

// ------------------------------------------------------------------ recording

json Egress::recordingEvent(const char* state, const RecordingBranch::Summary& s) const {
  json data{{"state", state}, {"path", s.path}, {"frames", s.frames}, {"bytes", s.bytes}};
  if (s.frames > 0) {
    data["started_us"] = s.startedUs;
    if (std::string(state) != "recording") data["stopped_us"] = s.stoppedUs;
  }
  return data;
}

ControlReply Egress::startRecording(const json& params) {
  if (rec_.branch) {
    return ControlReply::failure("busy", rec_.finishing ? "the previous recording is still finishing"
                                                        : "already recording to " +
                                                              rec_.branch->path());
  }
  auto pathIt = params.find("path");
  if (pathIt == params.end() || !pathIt->is_string())
    return ControlReply::failure("bad_request", "path: missing or not a string");
  const std::string path = pathIt->get<std::string>();
  int fragmentMs = RecordingBranch::kDefaultFragmentMs;
  if (auto it = params.find("fragment_ms"); it != params.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < RecordingBranch::kMinFragmentMs ||
        it->get<int64_t>() > RecordingBranch::kMaxFragmentMs) {
      return ControlReply::failure("bad_request",
                                   "fragment_ms: integer " +
                                       std::to_string(RecordingBranch::kMinFragmentMs) + ".." +
                                       std::to_string(RecordingBranch::kMaxFragmentMs) +
                                       " expected");
    }
    fragmentMs = int(it->get<int64_t>());
  }
  std::string error;
  if (!RecordingBranch::checkPath(path, error)) return ControlReply::failure("bad_request", error);

  bool usesPublic = false;
  std::function<void()> wantKeyframe;
  H264Tap* tap = acquireTap(usesPublic, wantKeyframe, error);
  if (tap == nullptr) return ControlReply::failure("bad_request", "cannot record: " + error);
  auto branch = std::make_unique<RecordingBranch>(
      options_, path, fragmentMs, reaper_,
      RecordingBranch::Events{
          [this] {
            if (rec_.branch) notify_("recording", recordingEvent("recording", rec_.branch->summary()));
          },
          [this](const std::string& e) { onRecordingFailed(e); },
          [this](bool complete) { onRecordingFinished(complete); }, wantKeyframe});
  if (!branch->start(error)) {
    releaseTap(usesPublic);
    return ControlReply::failure("bad_request", error);
  }
  RecordingBranch* raw = branch.get();
  rec_ = Recording{};
  rec_.branch = std::move(branch);
  rec_.tap = tap;
  rec_.usesPublic = usesPublic;
  rec_.subscription = tap->subscribe([raw](GstBuffer* au, GstCaps* caps) { raw->push(au, caps); });
  wantKeyframe();  // the file starts at the next IDR
  return ControlReply::success(json{{"path", path}, {"fragment_ms", fragmentMs}});
}

std::optional<ControlReply> Egress::stopRecording(ReplyFn done) {
  if (!rec_.branch || rec_.finishing)
    return ControlReply::failure("not_recording", "no recording is running");
  rec_.tap->unsubscribe(rec_.subscription);  // no more frames: the file ends here
  rec_.subscription = 0;
  releaseTap(rec_.usesPublic);
  rec_.usesPublic = false;
  rec_.finishing = true;
  rec_.done = std::move(done);
  rec_.branch->finish();
  return std::nullopt;
}

void Egress::onRecordingFailed(const std::string& error) {
  if (!rec_.branch) return;
  if (rec_.subscription) rec_.tap->unsubscribe(rec_.subscription);
  releaseTap(rec_.usesPublic);
  const RecordingBranch::Summary s = rec_.branch->summary();
  logWarn("recording " + s.path + " failed: " + error);
  json data = recordingEvent("failed", s);
  data["error"] = redactSecrets(error);
  retire(std::move(rec_.branch));
  rec_ = Recording{};
  notify_("recording", data);
}

void Egress::onRecordingFinished(bool complete) {
  if (!rec_.branch) return;
  const RecordingBranch::Summary s = rec_.branch->summary();
  logInfo("recording " + s.path + " stopped: " + std::to_string(s.frames) + " frames, " +
          std::to_string(s.bytes) + " bytes" + (complete ? "" : " (not finished in time)"));
  json result{{"path", s.path},          {"frames", s.frames},         {"bytes", s.bytes},
              {"started_us", s.startedUs}, {"stopped_us", s.stoppedUs}, {"duration_ms", s.durationMs}};
  ReplyFn done = std::move(rec_.done);
  retire(std::move(rec_.branch));
  rec_ = Recording{};
  if (done) done(ControlReply::success(result));
  json data = recordingEvent("stopped", s);
  notify_("recording", data);
}

// ------------------------------------------------------------------ RTMP

ControlReply Egress::startRtmp(const json& params) {
  if (rtmp_.branch) return ControlReply::failure("busy", "RTMP is already running");
  auto urlIt = params.find("url");
  if (urlIt == params.end() || !urlIt->is_string())
    return ControlReply::failure("bad_request", "url: missing or not a string");
  const std::string url = urlIt->get<std::string>();
  RtmpUrl parsed;
  std::string error;
  if (!UrlRedactor::parse(url, parsed, error))
    return ControlReply::failure("bad_request", "url: " + error);
  UrlRedactor::global().add(url, parsed);  // before anything can quote it

  bool usesPublic = false;
  std::function<void()> wantKeyframe;
  H264Tap* tap = acquireTap(usesPublic, wantKeyframe, error);
  if (tap == nullptr) return ControlReply::failure("bad_request", "cannot stream: " + error);
  auto branch = std::make_unique<RtmpBranch>(
      options_, parsed, reaper_,
      RtmpBranch::Events{
          [this] {
            if (rtmp_.branch)
              notify_("rtmp", json{{"state", "live"}, {"bytes_sent", rtmp_.branch->bytesSent()}});
          },
          [this](const std::string& e) { onRtmpFailed(e); }, wantKeyframe});
  if (!branch->start(error)) {
    releaseTap(usesPublic);
    return ControlReply::failure("bad_request", redactSecrets(error));
  }
  RtmpBranch* raw = branch.get();
  rtmp_ = Rtmp{};
  rtmp_.branch = std::move(branch);
  rtmp_.tap = tap;
  rtmp_.usesPublic = usesPublic;
  rtmp_.subscription = tap->subscribe([raw](GstBuffer* au, GstCaps* caps) { raw->push(au, caps); });
  wantKeyframe();  // the stream starts at the next IDR
  // After the response (queued when this returns).
  invoker_.post([this] { notify_("rtmp", json{{"state", "connecting"}, {"bytes_sent", 0}}); });
  return ControlReply::success(json{{"state", "connecting"}});
}

std::optional<ControlReply> Egress::stopRtmp(ReplyFn done) {
  if (!rtmp_.branch) return ControlReply::failure("not_streaming", "RTMP is not running");
  rtmp_.tap->unsubscribe(rtmp_.subscription);
  releaseTap(rtmp_.usesPublic);
  RtmpBranch* raw = rtmp_.branch.get();
  std::shared_ptr<RtmpBranch> held(std::move(rtmp_.branch));
  rtmp_ = Rtmp{};
  // The branch unpublishes and closes in the background; the reply (and the
  // `stopped` notification) come once its connection is closed, then it is deleted.
  raw->stop([this, held, done = std::move(done)]() mutable {
    const uint64_t bytes = held->bytesSent();
    rtmpBytesDone_ += bytes;
    rtmpDroppedDone_ += held->dropped();
    logInfo("RTMP stopped: " + std::to_string(bytes) + " bytes sent");
    if (done) done(ControlReply::success(json{{"bytes_sent", bytes}}));
    notify_("rtmp", json{{"state", "stopped"}, {"bytes_sent", bytes}});
    invoker_.post([held] {});
  });
  return std::nullopt;
}

void Egress::onRtmpFailed(const std::string& error) {
  if (!rtmp_.branch) return;
  rtmp_.tap->unsubscribe(rtmp_.subscription);
  releaseTap(rtmp_.usesPublic);
  const uint64_t bytes = rtmp_.branch->bytesSent();
  rtmpBytesDone_ += bytes;
  rtmpDroppedDone_ += rtmp_.branch->dropped();
  const std::string text = redactSecrets(error);
  logWarn("RTMP failed: " + text);
  retire(std::move(rtmp_.branch));
  rtmp_ = Rtmp{};
  notify_("rtmp", json{{"state", "failed"}, {"error", text}, {"bytes_sent", bytes}});
}

// ------------------------------------------------------------------ stats, exit

void Egress::addStats(json& stats) const {
  stats["encoders"] = encoders();
  stats["recording"] = bool(rec_.branch);
  stats["recording_frames"] = rec_.branch ? rec_.branch->frames() : 0;
  const char* state = "off";
  if (rtmp_.branch) state = rtmp_.branch->state() == RtmpBranch::State::Live ? "live" : "connecting";
  stats["rtmp_state"] = state;
  stats["rtmp_bytes"] = rtmpBytesDone_ + (rtmp_.branch ? rtmp_.branch->bytesSent() : 0);  // (a stopping stream counts once stopped)
  stats["rtmp_dropped"] = rtmpDroppedDone_ + (rtmp_.branch ? rtmp_.branch->dropped() : 0);
}

void Egress::stop() {
  invoker_.close();
  if (rec_.branch) {
    if (rec_.subscription) rec_.tap->unsubscribe(rec_.subscription);
    rec_.branch->finishBlocking(2000);
    rec_ = Recording{};
  }
  if (rtmp_.branch) {
    rtmp_.tap->unsubscribe(rtmp_.subscription);
    rtmp_ = Rtmp{};  // the destructor hands the pipeline to the reaper
  }
  if (public_) {
    output_.setPublicEncoder(nullptr);
    public_->stop();
    public_.reset();
    publicUsers_ = 0;
  }
}
