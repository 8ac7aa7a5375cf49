// A recording (control methods record_start / record_stop, native/PROTOCOL.md
// "Recording"): the encoded access units of the program or public encode,
// without re-encoding, into a fragmented MP4 by its own pipeline
//   appsrc (bounded) ! h264parse ! mp4mux fragment-duration=F ! filesink
// The file starts at an IDR, PTS rebased to 0 (H264Feed). mp4mux writes
// ftyp + moov up front and a moof + mdat pair per fragment, so a process
// killed mid-recording leaves a file that plays up to its last complete
// fragment. Errors of this pipeline (ENOSPC, ...) end only this branch.
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "H264Feed.h"
#include "MainInvoker.h"
#include "Options.h"
#include "Reaper.h"

class RecordingBranch {
 public:
  static constexpr int kMinFragmentMs = 200;
  static constexpr int kMaxFragmentMs = 10000;
  static constexpr int kDefaultFragmentMs = 1000;
  /// How long finish() waits for the muxer to write the end of the file, ms.
  static constexpr int kFinishTimeoutMs = 5000;
  /// At most this much waits in the branch (slow disk); more is dropped up to the next IDR.
  static constexpr GstClockTime kMaxQueuedTime = 4 * GST_SECOND;
  static constexpr uint64_t kMaxQueuedBytes = 64ull * 1024 * 1024;

  /// What a recording wrote (the `record_stop` result).
  struct Summary {
    std::string path;
    uint64_t frames = 0;     ///< access units written
    uint64_t bytes = 0;      ///< file size
    int64_t startedUs = 0;   ///< wall clock µs (g_get_real_time) when the first frame was queued; 0 without frames
    int64_t stoppedUs = 0;   ///< startedUs + PTS of the last frame
    int64_t durationMs = 0;  ///< stoppedUs - startedUs + one frame interval, ms
  };
  struct Events {
    std::function<void()> recording;                        ///< first frame (an IDR) queued; main loop
    std::function<void(const std::string& error)> failed;   ///< the branch failed and is torn down; main loop
    std::function<void(bool complete)> finished;            ///< after finish(): file closed (complete: EOS came in time); main loop
    std::function<void()> wantKeyframe;                     ///< waits for an IDR; any thread, must not block
  };

  /// Checks a record_start path: absolute, ending ".mp4", in an existing
  /// folder, no file there yet. False with error (a message naming `path`).
  static bool checkPath(const std::string& path, std::string& error);

  RecordingBranch(const Options& options, std::string path, int fragmentMs, Reaper& reaper,
                  Events events);
  /// Tears the pipeline down if it still runs (no events).
  ~RecordingBranch();
  RecordingBranch(const RecordingBranch&) = delete;
  RecordingBranch& operator=(const RecordingBranch&) = delete;

  /// Builds the pipeline and sets it PLAYING; the file exists when it returns
  /// true. Main thread.
  bool start(std::string& error);
  /// An H264Tap sink (streaming thread).
  void push(GstBuffer* accessUnit, GstCaps* caps) { feed_->push(accessUnit, caps); }
  /// Ends the file: EOS through the muxer, then `finished` (at most
  /// kFinishTimeoutMs later). Detach the branch from its tap first. Main thread.
  void finish();
  /// At exit (the main loop no longer runs): EOS, waits up to timeoutMs (ms)
  /// for the muxer to finish the file, tears down. No events.
  void finishBlocking(int timeoutMs);
  /// The numbers so far (bytes: the file size now). Any thread.
  Summary summary() const;
  const std::string& path() const { return path_; }
  int fragmentMs() const { return fragmentMs_; }
  uint64_t frames() const { return feed_ ? feed_->frames() : 0; }
  uint64_t dropped() const { return feed_ ? feed_->dropped() : 0; }

 private:
  static gboolean onBusMessage(GstBus* bus, GstMessage* msg, gpointer self);
  static gboolean onFinishTimeout(gpointer self);
  /// Removes the bus watch and timers and hands the pipeline to the reaper.
  void teardown();
  void done(bool complete);

  Options options_;
  std::string path_;
  int fragmentMs_;
  Reaper& reaper_;
  Events events_;
  MainInvoker invoker_;
  GstElement* pipeline_ = nullptr;
  GstElement* appsrc_ = nullptr;
  std::unique_ptr<H264Feed> feed_;
  guint busWatch_ = 0;
  guint finishTimer_ = 0;
  bool finishing_ = false;
};
