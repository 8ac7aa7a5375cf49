// Tears pipelines down (state NULL + unref) on a background thread, so a
// source that hangs while stopping (e.g. RTSP TEARDOWN to a dead server)
// never blocks the main loop.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

class Reaper {
 public:
  Reaper();
  /// Waits for all queued pipelines to be torn down (call drain() first to bound the wait).
  ~Reaper();
  /// Takes ownership of pipeline and tears it down later; then calls `done`
  /// (optional) on the reaper thread.
  void reap(GstElement* pipeline, std::function<void()> done = nullptr);
  /// Blocks until the queue is empty or timeoutMs (ms) passed; true when empty.
  bool drain(int timeoutMs);

 private:
  void run();
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::pair<GstElement*, std::function<void()>>> queue_;
  bool busy_ = false;
  bool quit_ = false;
  std::thread thread_;
};
