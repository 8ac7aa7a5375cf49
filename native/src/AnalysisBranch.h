// The analysis branch: new source frames (the clean picture, before overlays
// and the latency probe), scaled to the analysis size and converted to packed
// RGB24 on this branch's own thread, sent to the control client as kind-4
// messages at up to --analysis-fps (native/PROTOCOL.md, "Analysis frames").
//
// At most one frame is in flight: after sending frame n the branch sends
// nothing until the client acknowledges n (`analysis_ack`), counting each
// frame that fell due meanwhile as dropped. The frame clock and the encoder
// never wait for it. When analysis is off, the only cost is one atomic load
// per source frame.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "FrameStore.h"
#include "Options.h"
#include "RgbConverter.h"

class AnalysisBranch {
 public:
  /// Highest analysis rate, frames/s.
  static constexpr double kMaxFps = 60;
  /// Rate used by analysis{enabled: true} when no rate was ever given.
  static constexpr double kDefaultFps = 5;

  /// Queues a kind-4 payload for the control client of `generation`
  /// (ControlServer drops it when another client has connected since).
  using SendFn = std::function<void(uint64_t generation, const std::string& payload)>;
  /// Whether the source is live (analysis frames are real source frames only).
  using LiveFn = std::function<bool()>;

  AnalysisBranch(const Options& options, FrameStore& store, LiveFn live, SendFn send);
  ~AnalysisBranch();
  AnalysisBranch(const AnalysisBranch&) = delete;
  AnalysisBranch& operator=(const AnalysisBranch&) = delete;

  void start();
  void stop();

  /// Switches analysis on or off; fps > 0 sets the rate (kept while off).
  /// Forgets the frame in flight. Any thread.
  void configure(bool enabled, double fps);
  bool enabled() const { return enabled_.load(); }
  /// The rate in frames/s (the one used when enabled).
  double fps() const;
  /// Analysis picture size, px: the output size scaled to fit in
  /// --analysis-width x --analysis-height keeping its aspect, never larger
  /// than the output, even.
  int width() const { return width_; }
  int height() const { return height_; }

  /// A new control client connected: the frame in flight (sent to the
  /// previous client) is forgotten. Main thread.
  void onClient(uint64_t generation);
  /// The client acknowledged `frame`. True when it was the frame in flight
  /// (the next one may go); false for a stale or unknown number.
  bool ack(uint64_t frame);

  uint64_t framesSent() const { return sent_.load(); }
  uint64_t framesDropped() const { return dropped_.load(); }
  /// The frame number in flight, 0 when none.
  uint64_t inFlight() const;

  /// The analysis size for an output of outWidth x outHeight and a bounding
  /// box of boxWidth x boxHeight (all px).
  static void fitSize(int outWidth, int outHeight, int boxWidth, int boxHeight, int& width,
                      int& height);

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  /// Converts and sends the latest source frame; false when there is none newer.
  bool sendLatest(std::unique_lock<std::mutex>& lock);

  FrameStore& store_;
  LiveFn live_;
  SendFn send_;
  int outWidth_, outHeight_;
  int width_, height_;
  std::unique_ptr<RgbConverter> converter_;  ///< analysis thread only
  int listenerId_ = 0;
  std::thread thread_;

  std::atomic<bool> enabled_{false};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> dropped_{0};

  mutable std::mutex mutex_;  // guards the fields below
  std::condition_variable cv_;
  bool quit_ = false;
  double fps_ = kDefaultFps;
  bool newFrame_ = false;       ///< a source frame arrived since the last send
  uint64_t inFlight_ = 0;       ///< frame number sent and not acknowledged; 0 none
  uint64_t lastSeq_ = 0;        ///< number of the last frame sent
  uint64_t generation_ = 0;     ///< control client the frames go to
  Clock::time_point nextSlot_{};  ///< earliest time of the next send (or drop)
};
