// Feeds a branch pipeline's appsrc with the access units an H264Tap hands
// out (RecordingBranch, RtmpBranch), with their caps (avc or byte-stream, as
// the tapped encode has them), without ever blocking the encoder:
//  - the first access unit queued is an IDR (earlier ones are skipped);
//  - timestamps are rebased so that the first queued frame has PTS 0;
//  - the appsrc queue is bounded (time and bytes): an access unit that does
//    not fit is dropped, and so is every one after it until the next IDR
//    (decoders cannot use P frames whose reference is gone). Each drop is
//    counted; the feed asks for a keyframe once per such gap.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>

class H264Feed {
 public:
  struct Events {
    /// The first frame (an IDR) was queued. Streaming thread; must not block.
    std::function<void()> firstFrame;
    /// The feed waits for an IDR after dropping: ask the encoder for one.
    /// Streaming thread; must not block.
    std::function<void()> wantKeyframe;
  };

  /// `appsrc` (referenced here) takes video/x-h264 access units (caps set
  /// here from the tap's); at most `maxTime` ns and `maxBytes` bytes wait in it.
  H264Feed(GstElement* appsrc, GstClockTime maxTime, uint64_t maxBytes, Events events);
  ~H264Feed();
  H264Feed(const H264Feed&) = delete;
  H264Feed& operator=(const H264Feed&) = delete;

  /// An H264Tap sink: queues `accessUnit` (borrowed; `caps` its caps) or
  /// drops it. Streaming thread.
  void push(GstBuffer* accessUnit, GstCaps* caps);

  uint64_t frames() const { return frames_.load(); }    ///< access units queued
  uint64_t bytes() const { return bytes_.load(); }      ///< their bytes
  uint64_t dropped() const { return dropped_.load(); }  ///< access units dropped (bound or gap)
  /// g_get_real_time() µs when the first frame was queued; 0 before.
  int64_t firstWallUs() const { return firstWallUs_.load(); }
  /// PTS of the last queued frame after rebasing (ns; 0 for the first).
  uint64_t lastPts() const { return lastPts_.load(); }
  /// Duration of the last queued frame, ns (the nominal frame interval).
  uint64_t lastDuration() const { return lastDuration_.load(); }

 private:
  GstElement* appsrc_;
  GstClockTime maxTime_;
  uint64_t maxBytes_;
  Events events_;
  // Streaming thread only.
  bool started_ = false;
  bool waitIdr_ = true;
  GstClockTime base_ = GST_CLOCK_TIME_NONE;
  GstCaps* caps_ = nullptr;  ///< caps last set on the appsrc
  // Read from any thread.
  std::atomic<uint64_t> frames_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<int64_t> firstWallUs_{0};
  std::atomic<uint64_t> lastPts_{0};
  std::atomic<uint64_t> lastDuration_{0};
};
