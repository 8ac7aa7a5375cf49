// RTMP egress (control methods rtmp_start / rtmp_stop, native/PROTOCOL.md
// "RTMP"): the encoded access units of the program or public encode sent to
// an RTMP ingest by its own pipeline
//   appsrc (bounded: ~2 s) ! h264parse ! flvmux streamable=true ! rtmp2sink
// Its errors (connection refused, ingest gone, write failure) end only this
// branch: the main output pipeline never sees them. It does not reconnect:
// the control client starts a new branch. `live` is detected by polling
// rtmp2sink's `stats`, which report a connection only once the server has
// accepted `publish`. Every text it emits is redacted (UrlRedactor.h).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "H264Feed.h"
#include "MainInvoker.h"
#include "Options.h"
#include "Reaper.h"
#include "UrlRedactor.h"

class RtmpBranch {
 public:
  /// At most this much video waits in the branch (stalled ingest); more is
  /// dropped up to the next IDR and counted.
  static constexpr GstClockTime kMaxQueuedTime = 2 * GST_SECOND;
  static constexpr uint64_t kMaxQueuedBytes = 16ull * 1024 * 1024;
  /// rtmp2sink's stats are read this often while the branch runs, ms.
  static constexpr int kPollMs = 100;
  /// stop(): how long EOS may take to reach rtmp2sink (FCUnpublish and
  /// deleteStream go out on EOS) before the pipeline is torn down anyway, ms.
  static constexpr int kStopTimeoutMs = 1000;

  enum class State { Connecting, Live };
  struct Events {
    std::function<void()> live;                            ///< bytes reached the ingest; main loop
    std::function<void(const std::string& error)> failed;  ///< redacted; branch already torn down; main loop
    std::function<void()> wantKeyframe;                    ///< waits for an IDR; any thread, must not block
  };

  RtmpBranch(const Options& options, RtmpUrl url, Reaper& reaper, Events events);
  /// Tears the pipeline down if it still runs (no events).
  ~RtmpBranch();
  RtmpBranch(const RtmpBranch&) = delete;
  RtmpBranch& operator=(const RtmpBranch&) = delete;

  /// Builds the pipeline and sets it PLAYING (rtmp2sink connects in the
  /// background). Main thread.
  bool start(std::string& error);
  /// An H264Tap sink (streaming thread).
  void push(GstBuffer* accessUnit, GstCaps* caps) { feed_->push(accessUnit, caps); }
  /// Ends the stream: EOS (rtmp2sink unpublishes), then teardown at most
  /// kStopTimeoutMs later; `done` runs on the main loop once the pipeline is
  /// down and the connection closed (a new stream to the same key will not
  /// find the old one still publishing); the branch may be deleted from it.
  /// No other events after this. Detach the branch from its tap first. Main thread.
  void stop(std::function<void()> done);

  State state() const { return live_.load() ? State::Live : State::Connecting; }
  /// RTMP bytes written to the ingest connection (rtmp2sink's out-bytes-total).
  uint64_t bytesSent() const { return bytes_.load(); }
  /// Access units dropped (ingest too slow), total.
  uint64_t dropped() const { return feed_ ? feed_->dropped() : 0; }
  /// "rtmp://host:port/app/***".
  const std::string& redactedUrl() const { return url_.redacted; }

 private:
  static gboolean onBusMessage(GstBus* bus, GstMessage* msg, gpointer self);
  static gboolean onPoll(gpointer self);
  static gboolean onStopTimeout(gpointer self);
  static GstPadProbeReturn onSinkBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  /// Reads rtmp2sink's stats into bytes_. Main thread.
  void poll();
  /// Removes the watches and timers and hands the pipeline to the reaper,
  /// which calls `down` (its thread) once it is torn down.
  void teardown(std::function<void()> down = nullptr);
  /// teardown(), then the stop() callback on the main loop. Main thread.
  void stopped();

  Options options_;
  RtmpUrl url_;
  Reaper& reaper_;
  Events events_;
  MainInvoker invoker_;
  GstElement* pipeline_ = nullptr;
  GstElement* appsrc_ = nullptr;
  GstElement* sink_ = nullptr;
  std::unique_ptr<H264Feed> feed_;
  guint busWatch_ = 0;
  guint pollTimer_ = 0;
  guint stopTimer_ = 0;
  bool stopping_ = false;
  std::function<void()> stopDone_;
  std::atomic<bool> live_{false};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> sinkBuffers_{0};  ///< FLV buffers that reached rtmp2sink
};
