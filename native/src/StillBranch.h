// JPEG stills for MJPEG viewers (control method `stills`, kind-5 picture
// messages; native/PROTOCOL.md "Stills"). Two independent variants, off by
// default: `clean` (the source picture) and `overlays` (the program picture:
// private overlay policy and the probe strip when on). The frame clock offers
// every output frame (onFrame); a variant that is due takes a reference (no
// pixel copy) and its JPEG is made on this branch's own thread, never on the
// frame clock. At most one frame per variant waits or encodes: one falling
// due meanwhile is dropped and counted. With both variants off each output
// frame costs one atomic load.
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "FrameMessage.h"
#include "PictureEncoder.h"

class StillBranch {
 public:
  static constexpr double kMaxFps = 30;      ///< stills per second per variant, at most
  static constexpr double kDefaultFps = 15;  ///< until a rate is given
  static constexpr int kDefaultQuality = 80;  ///< JPEG quality until one is given

  /// Variant; the picture message's request id is variant + 1 (1 clean, 2 overlays).
  enum Variant { kClean = 0, kOverlays = 1 };
  struct Settings {
    bool enabled = false;
    double fps = kDefaultFps;  ///< stills/s while enabled
    int quality = kDefaultQuality;  ///< JPEG quality 1..100
  };
  /// Queues a kind-5 payload for the current control client (stills thread).
  using SendFn = std::function<void(const std::string& payload)>;

  /// For pictures of width x height px sent by a frame clock at about outputFps.
  StillBranch(int width, int height, int outputFps, SendFn send);
  ~StillBranch();
  StillBranch(const StillBranch&) = delete;
  StillBranch& operator=(const StillBranch&) = delete;

  void start();
  /// Stops the thread; frames waiting are dropped.
  void stop();

  /// "clean" / "overlays".
  static const char* variantName(Variant v);
  static bool parseVariant(const std::string& text, Variant& out);

  /// Switches a variant on or off; fps > 0 and quality > 0 replace the rate
  /// and quality (kept otherwise, also while off). Returns the settings now.
  /// An enabled variant sends its first still with the next output frame. Any thread.
  Settings configure(Variant v, bool enabled, double fps, int quality);
  Settings settings(Variant v) const;

  /// Offers one output frame (frame-clock thread): the clean picture and the
  /// program picture, both borrowed, with their header fields (frame,
  /// capture time, flags). Takes a reference of what a due variant needs.
  void onFrame(GstBuffer* clean, const framemsg::Header& cleanInfo, GstBuffer* program,
               const framemsg::Header& programInfo);

  uint64_t sent() const { return sent_.load(); }        ///< stills sent, both variants
  uint64_t dropped() const { return dropped_.load(); }  ///< stills that fell due while their variant was busy
  /// Mean JPEG time (conversion + encode) of the stills so far, ms.
  double meanEncodeMs() const;

 private:
  struct Slot {
    Settings settings;
    int64_t nextDueUs = 0;   ///< monotonic µs; frame-clock side
    bool busy = false;       ///< a frame waits in `buffer` or is being encoded
    GstBuffer* buffer = nullptr;
    framemsg::Header header;
    int quality = kDefaultQuality;
  };
  void run();

  int width_;
  int height_;
  int64_t halfFrameUs_;  ///< half an output frame interval: how early a frame still counts as due
  SendFn send_;
  PictureEncoder encoder_;  ///< stills thread only
  std::thread thread_;
  mutable std::mutex mutex_;  // guards slots_, quit_
  std::condition_variable cv_;
  Slot slots_[2];
  bool quit_ = false;
  std::atomic<bool> anyEnabled_{false};
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> encodeUsTotal_{0};
};
