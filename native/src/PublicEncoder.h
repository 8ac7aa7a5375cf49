// The second ("public") H.264 encode: runs only while RTMP or a recording is
// on and the two overlay policies differ (native/PROTOCOL.md, "Overlay
// policy"). Its own pipeline: appsrc -> queue -> encoder -> h264parse ->
// fakesink, fed by OutputPipeline's frame clock with the public picture (same
// PTS as the program frame); the access units leave through tap(). Its
// errors never reach the main output pipeline: they are reported to the
// owner (Egress), which fails the branches that use it.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "H264Tap.h"
#include "Options.h"

class PublicEncoder {
 public:
  /// Called on the main loop when the encode fails (message: what failed).
  using ErrorFn = std::function<void(const std::string& message)>;

  PublicEncoder(const Options& options, std::string encoderName, ErrorFn onError);
  ~PublicEncoder();
  PublicEncoder(const PublicEncoder&) = delete;
  PublicEncoder& operator=(const PublicEncoder&) = delete;

  /// Builds the pipeline and sets it PLAYING. Main thread.
  bool start(std::string& error);
  /// Tears the pipeline down. Main thread.
  void stop();
  /// Encodes `frame` (takes the reference; PTS set by the caller). A frame
  /// that finds 2 queued drops the oldest. Frame-clock thread; never blocks.
  void push(GstBuffer* frame);
  /// The next frame becomes an IDR with SPS/PPS. Any thread.
  void requestKeyframe();
  /// The access units of this encode.
  H264Tap& tap() { return tap_; }
  uint64_t framesIn() const { return framesIn_.load(); }  ///< frames pushed

 private:
  static gboolean onBusMessage(GstBus* bus, GstMessage* msg, gpointer self);

  Options options_;
  std::string encoderName_;
  ErrorFn onError_;
  GstElement* pipeline_ = nullptr;
  std::mutex mutex_;                ///< guards appsrc_ and encoder_ (push vs stop)
  GstElement* appsrc_ = nullptr;
  GstElement* encoder_ = nullptr;
  H264Tap tap_;
  guint busWatch_ = 0;
  std::atomic<uint64_t> framesIn_{0};
};
