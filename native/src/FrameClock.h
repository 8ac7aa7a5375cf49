// The output frame clock: a thread that decides when a frame goes to the
// encoder. Output is event-driven (notifyFrame() when a new source frame is
// stored) with repeats filling the gaps, so a live stream continues when the
// source is slow or gone. With T = 1/fps and `last` the previous output:
//  - a new frame goes out at once, but not before last + 0.5 T (after a new
//    frame) or last + 0.25 T (after a repeat);
//  - thinning: a new frame that arrived less than 0.9 T after the arrival of
//    the previously output new frame waits until last + T (a newer one
//    replaces it meanwhile), so a source faster than fps is sent at about fps;
//  - without a new frame the latest one (or NO SIGNAL) is repeated at
//    last + T after a repeat (NO SIGNAL runs at exactly fps) and at
//    last + 2 T after a new frame: a live source between fps/2 and fps is
//    sent at its own rate, with no repeats that would spend bits and encoder
//    time on copies; a slower one is filled up to about fps/2... fps.
// After a stall the next output happens at once; ticks never burst.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

class FrameClock {
 public:
  /// frameIndex counts outputs since start() (0, 1, 2, ...). Called on the
  /// clock thread at the output time.
  using TickFn = std::function<void(uint64_t frameIndex)>;

  FrameClock(int fps, TickFn tick);
  ~FrameClock();
  void start();
  void stop();
  /// A new source frame was stored. Any thread; cheap.
  void notifyFrame();

 private:
  using Clock = std::chrono::steady_clock;
  void run();
  int fps_;
  TickFn tick_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool quit_ = false;
  bool pending_ = false;         ///< a new frame arrived since the last output
  Clock::time_point arrival_{};  ///< arrival of the latest new frame
};
