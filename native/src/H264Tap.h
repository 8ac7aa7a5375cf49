// Fans out the encoded H.264 access units of one encode (one access unit per
// buffer, SPS/PPS before every IDR; in the stream format negotiated there:
// avc towards rtph264pay, byte-stream in the public encode) with their caps
// to the branches that carry it elsewhere (RecordingBranch, RtmpBranch),
// through a probe on the src pad of the encode's h264parse. With no
// subscriber the probe costs one atomic load per access unit.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

class H264Tap {
 public:
  /// Receives each access unit and the caps it has on the encoder's
  /// streaming thread; both are borrowed (ref them to keep them) and must not
  /// be written. It must not block: queue or drop.
  using Sink = std::function<void(GstBuffer* accessUnit, GstCaps* caps)>;

  H264Tap() = default;
  ~H264Tap();
  H264Tap(const H264Tap&) = delete;
  H264Tap& operator=(const H264Tap&) = delete;

  /// Installs the probe on `pad` (the src pad of h264parse config-interval=-1).
  void attach(GstPad* pad);
  /// Removes the probe (the pipeline is going away). Main thread.
  void detach();

  /// Adds a sink; returns its id (> 0). Any thread.
  int subscribe(Sink sink);
  /// Removes a sink. After it returns the sink is not called again (a call in
  /// progress on the streaming thread has finished). Any thread but that one.
  void unsubscribe(int id);
  /// Number of sinks now.
  size_t subscribers() const;

 private:
  static GstPadProbeReturn onData(GstPad* pad, GstPadProbeInfo* info, gpointer self);

  GstPad* pad_ = nullptr;
  gulong probeId_ = 0;
  std::atomic<bool> active_{false};  ///< any sink
  mutable std::mutex mutex_;         ///< guards sinks_; held while sinks run
  std::vector<std::pair<int, Sink>> sinks_;
  GstCaps* caps_ = nullptr;  ///< the pad's caps (CAPS events); guarded by mutex_
  int nextId_ = 1;
};
