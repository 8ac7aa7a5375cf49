// Recording and RTMP egress (native/PROTOCOL.md "Recording", "RTMP",
// "Overlay policy"): handles record_start / record_stop / rtmp_start /
// rtmp_stop, picks the encode each branch taps (the program encode when the
// overlay policies agree, else the public encoder, which runs only while a
// branch uses it), and turns branch events into `recording` and `rtmp`
// notifications. Every branch is its own pipeline: its failure tears down
// that branch only. Main thread, except where noted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "ControlReply.h"
#include "H264Tap.h"
#include "MainInvoker.h"
#include "Options.h"
#include "OutputPipeline.h"
#include "PublicEncoder.h"
#include "Reaper.h"
#include "RecordingBranch.h"
#include "RtmpBranch.h"

class Egress {
 public:
  /// Sends a notification {"event": event, "data": data}.
  using NotifyFn = std::function<void(const std::string& event, const nlohmann::json& data)>;
  /// Delivers a reply that was not ready when the request came (record_stop).
  using ReplyFn = std::function<void(const ControlReply& reply)>;

  Egress(const Options& options, std::string encoderName, OutputPipeline& output, Reaper& reaper,
         NotifyFn notify);
  ~Egress();
  Egress(const Egress&) = delete;
  Egress& operator=(const Egress&) = delete;

  /// record_start {"path", "fragment_ms"?}.
  ControlReply startRecording(const nlohmann::json& params);
  /// record_stop: nullopt when the reply comes later through `done` (the
  /// muxer finishes the file first, at most RecordingBranch::kFinishTimeoutMs).
  std::optional<ControlReply> stopRecording(ReplyFn done);
  /// rtmp_start {"url"}.
  ControlReply startRtmp(const nlohmann::json& params);
  /// rtmp_stop: nullopt when the reply comes later through `done` (once the
  /// stream is unpublished and its connection closed, within about 1 s).
  std::optional<ControlReply> stopRtmp(ReplyFn done);

  /// H.264 encoders running now: 1, or 2 while the public encoder runs.
  int encoders() const { return public_ ? 2 : 1; }
  /// Adds recording, recording_frames, rtmp_state, rtmp_bytes, rtmp_dropped.
  void addStats(nlohmann::json& stats) const;

  /// At exit: finishes a recording (waits up to 2 s for the muxer), stops
  /// RTMP and the public encoder. No notifications.
  void stop();

 private:
  /// The tap for a new branch and its keyframe request (public encoder
  /// started on first use). nullptr with error when the public encoder fails.
  H264Tap* acquireTap(bool& usesPublic, std::function<void()>& wantKeyframe, std::string& error);
  void releaseTap(bool usesPublic);
  /// The public encoder of `generation` failed (posted from its bus watch).
  void onPublicError(uint64_t generation, const std::string& message);
  void onRecordingFailed(const std::string& error);
  void onRecordingFinished(bool complete);
  void onRtmpFailed(const std::string& error);
  nlohmann::json recordingEvent(const char* state, const RecordingBranch::Summary& s) const;
  /// Deletes a branch from the main loop later (never from inside its own callback).
  template <typename T>
  void retire(std::unique_ptr<T> branch) {
    std::shared_ptr<T> held(std::move(branch));
    invoker_.post([held] {});
  }

  Options options_;
  std::string encoderName_;
  OutputPipeline& output_;
  Reaper& reaper_;
  NotifyFn notify_;
  MainInvoker invoker_;

  std::shared_ptr<PublicEncoder> public_;
  int publicUsers_ = 0;
  uint64_t publicGeneration_ = 0;  ///< rises with every public encoder started

  struct Recording {
    std::unique_ptr<RecordingBranch> branch;
    H264Tap* tap = nullptr;
    int subscription = 0;
    bool usesPublic = false;
    bool finishing = false;
    ReplyFn done;
  } rec_;

  struct Rtmp {
    std::unique_ptr<RtmpBranch> branch;
    H264Tap* tap = nullptr;
    int subscription = 0;
    bool usesPublic = false;
  } rtmp_;
  uint64_t rtmpBytesDone_ = 0;    ///< bytes of RTMP branches that ended
  uint64_t rtmpDroppedDone_ = 0;  ///< drops of RTMP branches that ended
};
