// The latest decoded source frame (I420, output size), shared between the
// source's streaming thread and the output frame clock.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

class FrameStore {
 public:
  FrameStore() = default;
  ~FrameStore();
  FrameStore(const FrameStore&) = delete;
  FrameStore& operator=(const FrameStore&) = delete;

  /// Replaces the latest frame; takes ownership of buffer. Both times say
  /// when the frame was captured, in µs: frameTimeUs on the
  /// g_get_monotonic_time() clock (source timeouts), wallTimeUs on the
  /// g_get_real_time() clock (the latency probe, docs/latency-probe.md).
  void put(GstBuffer* buffer, int64_t frameTimeUs, int64_t wallTimeUs);
  /// A new reference to the latest frame, or nullptr when there is none.
  /// When wallTimeUs is given and there is a frame, it receives that frame's
  /// capture time on the g_get_real_time() clock, µs; seq receives its
  /// number (1 for the first frame since start, +1 per put()).
  GstBuffer* latest(int64_t* wallTimeUs = nullptr, uint64_t* seq = nullptr);
  /// Forgets the latest frame (counters are kept).
  void clear();
  /// Adds a listener called (on the source's thread) after each put(); it
  /// must be quick. Returns its id for removeListener().
  int addListener(std::function<void()> listener);
  /// Once removeListener() returns, that listener is not running and will
  /// not be called again.
  void removeListener(int id);

  /// Source frames received since start (all source restarts included).
  uint64_t framesIn() const { return framesIn_.load(); }
  /// Capture time of the latest frame, monotonic µs; 0 before the first frame.
  int64_t lastFrameUs() const { return lastFrameUs_.load(); }

 private:
  std::mutex mutex_;
  GstBuffer* buffer_ = nullptr;
  int64_t bufferWallUs_ = 0;  ///< capture time of buffer_, g_get_real_time() µs
  uint64_t bufferSeq_ = 0;    ///< number of buffer_ (framesIn_ when it was put)
  std::atomic<uint64_t> framesIn_{0};
  std::atomic<int64_t> lastFrameUs_{0};
  std::mutex listenerMutex_;
  std::map<int, std::function<void()>> listeners_;
  int nextListenerId_ = 1;
};
