// Output: appsrc (own PTS: running time at output) -> queue -> H.264 encoder
// -> h264parse -> rtph264pay -> udpsink. The FrameClock pushes each new source
// frame on arrival (at most about fps of them) and repeats the latest frame, or
// the NO SIGNAL frame while the source is not live, when none comes for a frame
// interval, so source trouble never stalls the RTP stream (FrameClock.h).
// Before the encoder each frame gets the live overlay boxes as the private
// overlay policy says (Overlays.h, OverlayPolicy.h) and then the latency probe
// strip; frames can be grabbed on the way (grabNext) or watched every frame
// (setFrameObserver: stills). The encoded access units leave through tap()
// (recording and RTMP when the overlay policies agree). While a public
// encoder is set (setPublicEncoder), each frame is also drawn with the public
// policy and pushed to it with the same PTS: one frame clock, two encodes.
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "FrameClock.h"
#include "FrameStore.h"
#include "H264Tap.h"
#include "LatencyProbe.h"
#include "Options.h"
#include "Overlays.h"
#include "PublicEncoder.h"

class OutputPipeline {
 public:
  /// Called on the main loop when the output pipeline fails. exitCode is 3 when
  /// the encoder never produced a frame (a restart will not help), else 1.
  using FatalFn = std::function<void(int exitCode, const std::string& message)>;
  /// Whether the source is live (then its latest frame is shown). Any thread.
  using LiveFn = std::function<bool()>;
  /// What a grabbed frame shows.
  struct FrameInfo {
    uint64_t frame = 0;     ///< source frame number (FrameStore sequence), 0 for NO SIGNAL
    int64_t captureUs = 0;  ///< capture time, g_get_real_time() µs (NO SIGNAL: when made)
    uint8_t flags = 0;      ///< framemsg::Flag bits
  };
  /// Receives a grabbed I420 frame (a reference it must release) on the
  /// frame-clock thread: it must only queue it.
  using GrabFn = std::function<void(GstBuffer* frame, const FrameInfo& info)>;
  /// Sees every output frame on the frame-clock thread: the clean picture and
  /// the program picture (as encoded), both borrowed (ref to keep, never
  /// write). It must only queue (or drop) and return.
  using FrameFn = std::function<void(GstBuffer* clean, const FrameInfo& cleanInfo,
                                     GstBuffer* program, const FrameInfo& programInfo)>;

  OutputPipeline(const Options& options, std::string encoderName, uint32_t ssrc, FrameStore& store,
                 LiveFn live, FatalFn fatal);
  ~OutputPipeline();

  /// Sets the frame observer (before start()).
  void setFrameObserver(FrameFn fn) { observer_ = std::move(fn); }
  /// Builds the pipeline, sets it PLAYING and starts the frame clock.
  bool start(std::string& error);
  void stop();
  /// Asks the encoder for an IDR frame (with SPS/PPS) on the next frame.
  /// Returns the total number of requests so far. Any thread.
  uint64_t requestKeyframe();
  /// Asks for an IDR for a branch that starts (not counted in
  /// keyframeRequests()). Any thread, also the encoder's streaming thread.
  void forceKeyframe();
  /// The program encode's access units (after h264parse).
  H264Tap& tap() { return tap_; }
  /// From the next frame on, also draws each frame with the public overlay
  /// policy and pushes it to `encoder` (nullptr: stop). Main thread.
  void setPublicEncoder(std::shared_ptr<PublicEncoder> encoder);
  /// Switches the latency probe strip (docs/latency-probe.md) on or off from
  /// the next frame on. Any thread.
  void setLatencyProbe(bool enabled) { latencyProbe_.store(enabled); }
  bool latencyProbe() const { return latencyProbe_.load(); }
  /// The overlay boxes drawn into the next frames. Any thread.
  OverlaySet& overlays() { return overlays_; }
  /// Hands the next output frame to `fn`: with `program` the picture as
  /// encoded (overlays and probe drawn), else the clean source picture.
  /// Any thread.
  void grabNext(bool program, GrabFn fn);

  /// The local UDP port every RTP packet is sent from (bound in start(), on
  /// the loopback address when --rtp-host is a loopback address); 0 before.
  /// Reported in hello as `rtp_source_port`: the server accepts RTP from this
  /// port only (native/PROTOCOL.md, hello).
  int rtpSourcePort() const { return sourcePort_; }

  uint64_t framesOut() const { return framesOut_.load(); }          ///< frames pushed to the encoder
  uint64_t bytesOut() const { return bytesOut_.load(); }            ///< RTP bytes sent
  uint64_t keyframes() const { return keyframes_.load(); }          ///< IDR frames encoded
  uint64_t keyframeRequests() const { return keyframeRequests_.load(); }

 private:
  static gboolean onBusMessage(GstBus* bus, GstMessage* msg, gpointer self);
  static GstPadProbeReturn onEncodedBuffer(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn onRtpOut(GstPad* pad, GstPadProbeInfo* info, gpointer self);
  void pushFrame(uint64_t frameIndex);
  /// A new buffer for the encoder: `source` itself (shallow copy) or, when
  /// something is drawn, a deep copy with the overlays `policy` allows and the
  /// probe strip. Adds the flags of what was drawn. Clock thread.
  GstBuffer* compose(GstBuffer* source, const std::vector<OverlayItem>& items, OverlayPolicy policy,
                     bool probe, int64_t captureUs, uint8_t& flags);
  /// The pipeline's running time now; GST_CLOCK_TIME_NONE without a clock.
  GstClockTime runningTime() const;

  Options options_;
  std::string encoderName_;
  uint32_t ssrc_;
  FrameStore& store_;
  LiveFn live_;
  FatalFn fatal_;

  /// Binds socket_ (the udpsink's sending socket) and sets sourcePort_.
  bool bindSendSocket(std::string& error);

  GstElement* pipeline_ = nullptr;
  GSocket* socket_ = nullptr;  ///< RTP sending socket, owned (udpsink does not close it)
  int sourcePort_ = 0;
  GstElement* appsrc_ = nullptr;
  GstElement* encoder_ = nullptr;
  H264Tap tap_;
  guint busWatch_ = 0;
  GstBuffer* noSignal_ = nullptr;
  LatencyProbe probe_;
  std::atomic<bool> latencyProbe_;
  std::atomic<bool> probeFailed_{false};  ///< the probe could not draw (warned once)
  OverlaySet overlays_;
  std::atomic<bool> overlaysFailed_{false};  ///< overlays could not draw (warned once)
  struct Grab {
    bool program;
    GrabFn fn;
  };
  std::mutex grabMutex_;
  std::vector<Grab> grabs_;             ///< guarded by grabMutex_
  std::atomic<bool> grabsPending_{false};
  FrameFn observer_;
  std::mutex publicMutex_;
  std::shared_ptr<PublicEncoder> public_;  ///< guarded by publicMutex_
  std::unique_ptr<FrameClock> clock_;
  int listenerId_ = 0;  ///< FrameStore listener that wakes the clock
  GstClockTime lastPts_ = GST_CLOCK_TIME_NONE;  ///< clock thread only

  std::atomic<uint64_t> framesOut_{0};
  std::atomic<uint64_t> bytesOut_{0};
  std::atomic<uint64_t> keyframes_{0};
  std::atomic<uint64_t> keyframeRequests_{0};
  std::atomic<uint64_t> encodedFrames_{0};
};
