// A thread that calls a function exactly `fps` times per second, on a
// steady schedule. When it falls behind by more than two frame intervals
// (e.g. the machine stalled) it skips ticks instead of bursting.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

class FrameClock {
 public:
  /// frameIndex counts frame intervals since start() (skipped ticks included),
  /// so frameIndex / fps is the presentation time in seconds.
  using TickFn = std::function<void(uint64_t frameIndex)>;

  FrameClock(int fps, TickFn tick);
  ~FrameClock();
  void start();
  void stop();

 private:
  void run();
  int fps_;
  TickFn tick_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool quit_ = false;
};
