#include "OutputPipeline.h"

#include <gio/gio.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "Encoder.h"
#include "FrameMessage.h"
#include "Log.h"
#include "NoSignal.h"

namespace {
GstElement* make(const char* factory, const char* name = nullptr) {
  return gst_element_factory_make(factory, name);
}
}  // namespace

OutputPipeline::OutputPipeline(const Options& options, std::string encoderName, uint32_t ssrc,
                               FrameStore& store, LiveFn live, FatalFn fatal)
    : options_(options),
      encoderName_(std::move(encoderName)),
      ssrc_(ssrc),
      store_(store),
      live_(std::move(live)),
      fatal_(std::move(fatal)),
      probe_(options.width, options.height),
      latencyProbe_(options.latencyProbe),
      overlays_(options.width, options.height) {}

OutputPipeline::~OutputPipeline() { stop(); }

bool OutputPipeline::bindSendSocket(std::string& error) {
  if (socket_) return true;
  GInetAddress* dest = g_inet_address_new_from_string(options_.rtpHost.c_str());
  if (dest == nullptr) {
    error = "bad RTP host " + options_.rtpHost;
    return false;
  }
  const GSocketFamily family = g_inet_address_get_family(dest);
  // Loopback destination: send from the loopback address too, so the port
  // the receiver sees is the one reported in hello.
  GInetAddress* local = g_inet_address_get_is_loopback(dest)
                            ? g_inet_address_new_loopback(family)
                            : g_inet_address_new_any(family);
  g_object_unref(dest);
  GError* err = nullptr;
  GSocket* socket = g_socket_new(family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &err);
  GSocketAddress* bindTo = g_inet_socket_address_new(local, 0);
  g_object_unref(local);
  if (socket != nullptr && !g_socket_bind(socket, bindTo, FALSE, &err)) {
    g_object_unref(socket);
    socket = nullptr;
  }
  g_object_unref(bindTo);
  if (socket == nullptr) {
    error = std::string("cannot bind the RTP sending socket: ") + (err ? err->message : "unknown");
    g_clear_error(&err);
    return false;
  }
  GSocketAddress* bound = g_socket_get_local_address(socket, nullptr);
  sourcePort_ = bound ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)) : 0;
  if (bound) g_object_unref(bound);
  socket_ = socket;
  return true;
}

bool OutputPipeline::start(std::string& error) {
  lastPts_ = GST_CLOCK_TIME_NONE;
  const Options& o = options_;
  if (!bindSendSocket(error)) return false;
  pipeline_ = gst_pipeline_new("output");
  GstBin* bin = GST_BIN(pipeline_);

  H264Encode encode;
  if (!buildH264Encode(bin, encoderName_, o, encode, error)) return false;
  appsrc_ = GST_ELEMENT(gst_object_ref(encode.appsrc));
  encoder_ = GST_ELEMENT(gst_object_ref(encode.encoder));
  GstElement* pay = make("rtph264pay", "pay");
  GstElement* sink = make("udpsink", "sink");
  if (!pay || !sink) {
    error = "missing GStreamer elements (rtph264pay, udpsink)";
    return false;
  }
  // SPS/PPS go in-band before every IDR via h264parse. rtph264pay's own
  // config-interval=-1 (GStreamer 1.22) would repeat them before *each slice*
  // of a multi-slice IDR (x264 sliced threads), which decoders treat as a new
  // picture and conceal the first slice; so the payloader inserts nothing.
  g_object_set(pay, "config-interval", 0, "pt", 96u, "mtu", guint(o.mtu), "ssrc", ssrc_, nullptr);
  gst_util_set_object_arg(G_OBJECT(pay), "aggregate-mode", "zero-latency");
  g_object_set(sink, "host", o.rtpHost.c_str(), "port", o.rtpPort, "sync", FALSE, "async", FALSE,
               "close-socket", FALSE, nullptr);
  g_object_set(sink, g_socket_get_family(socket_) == G_SOCKET_FAMILY_IPV6 ? "socket-v6" : "socket",
               socket_, nullptr);
  gst_bin_add_many(bin, pay, sink, nullptr);
  if (!gst_element_link_many(encode.parse, pay, sink, nullptr)) {
    error = "cannot link the output pipeline";
    return false;
  }
  GstPad* parsed = gst_element_get_static_pad(encode.parse, "src");
  tap_.attach(parsed);
  gst_object_unref(parsed);

  GstPad* encSrc = gst_element_get_static_pad(encoder_, "src");
  gst_pad_add_probe(encSrc, GST_PAD_PROBE_TYPE_BUFFER, &OutputPipeline::onEncodedBuffer, this,
                    nullptr);
  gst_object_unref(encSrc);
  GstPad* sinkPad = gst_element_get_static_pad(sink, "sink");
  gst_pad_add_probe(sinkPad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    &OutputPipeline::onRtpOut, this, nullptr);
  gst_object_unref(sinkPad);

  GstBus* bus = gst_element_get_bus(pipeline_);
  busWatch_ = gst_bus_add_watch(bus, &OutputPipeline::onBusMessage, this);
  gst_object_unref(bus);

  noSignal_ = makeNoSignalFrame(o.width, o.height);
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "output pipeline failed to start (" + encoderName_ + ")";
    return false;
  }
  clock_ = std::make_unique<FrameClock>(o.fps, [this](uint64_t index) { pushFrame(index); });
  clock_->start();
  // New source frames go out on arrival (FrameClock.h has the timing rule).
  // While the source is not live its frames are not shown, so they do not
  // wake the clock either: NO SIGNAL keeps its steady fps.
  listenerId_ = store_.addListener([this] {
    if (live_()) clock_->notifyFrame();
  });
  return true;
}

void OutputPipeline::stop() {
  if (listenerId_) store_.removeListener(listenerId_);
  listenerId_ = 0;
  if (clock_) clock_->stop();
  clock_.reset();
  if (busWatch_) g_source_remove(busWatch_);
  busWatch_ = 0;
  setPublicEncoder(nullptr);
  tap_.detach();
  if (pipeline_) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
  }
  if (appsrc_) gst_object_unref(appsrc_);
  if (encoder_) gst_object_unref(encoder_);
  appsrc_ = encoder_ = nullptr;
  if (noSignal_) gst_buffer_unref(noSignal_);
  noSignal_ = nullptr;
  if (socket_) g_object_unref(socket_);
  socket_ = nullptr;
  std::lock_guard<std::mutex> lock(grabMutex_);
  grabs_.clear();  // never answered: camerad is stopping
  grabsPending_ = false;
}

void OutputPipeline::grabNext(bool program, GrabFn fn) {
  std::lock_guard<std::mutex> lock(grabMutex_);
  grabs_.push_back(Grab{program, std::move(fn)});
  grabsPending_ = true;
}

void OutputPipeline::setPublicEncoder(std::shared_ptr<PublicEncoder> encoder) {
  std::lock_guard<std::mutex> lock(publicMutex_);
  public_ = std::move(encoder);
}

GstBuffer* OutputPipeline::compose(GstBuffer* source, const std::vector<OverlayItem>& items,
                                   OverlayPolicy policy, bool probe, int64_t captureUs,
                                   uint8_t& flags) {
  const bool drawItems = policy != OverlayPolicy::None && !items.empty();
  GstBuffer* frame;
  if (!probe && !drawItems) {
    // Shallow copy (memory shared) so we can set our own timestamps and flags.
    frame = gst_buffer_copy(source);
  } else {
    // The source buffer is shared with the FrameStore and may be pushed again
    // (slow source): draw into our own copy, the only pixel copy per picture.
    // Overlays first, then the probe strip on top, so the strip stays intact.
    frame = gst_buffer_copy_deep(source);
    if (drawItems) {
      if (overlays_.draw(frame, items, policy == OverlayPolicy::Names))
        flags |= framemsg::kFlagOverlays;
      else if (!overlaysFailed_.exchange(true))
        logWarn("overlays: cannot map a frame for writing (sent without them)");
    }
    if (probe) {
      if (probe_.draw(frame, captureUs / 1000)) flags |= framemsg::kFlagProbe;
      else if (!probeFailed_.exchange(true))
        logWarn("latency probe: cannot map a frame for writing (sent without the strip)");
    }
  }
  GST_BUFFER_FLAGS(frame) = 0;
  return frame;
}

void OutputPipeline::pushFrame(uint64_t frameIndex) {
  const bool probe = latencyProbe_.load();
  FrameInfo info;
  GstBuffer* source = live_() ? store_.latest(&info.captureUs, &info.frame) : nullptr;
  if (source == nullptr) {
    source = gst_buffer_ref(noSignal_);
    info.captureUs = g_get_real_time();  // NO SIGNAL: the time this frame is made
    info.frame = 0;
    info.flags = framemsg::kFlagNoSignal;
  }
  const FrameInfo cleanInfo = info;
  std::vector<Grab> grabs;
  if (grabsPending_.load()) {
    std::lock_guard<std::mutex> lock(grabMutex_);
    grabs.swap(grabs_);
    grabsPending_ = false;
  }
  // Clean grabs get the source picture itself (shared, never written to).
  for (Grab& g : grabs) {
    if (!g.program) g.fn(gst_buffer_ref(source), info);
  }
  std::shared_ptr<PublicEncoder> publicEncoder;
  {
    std::lock_guard<std::mutex> lock(publicMutex_);
    publicEncoder = public_;
  }
  const std::vector<OverlayItem> items = overlays_.live(g_get_monotonic_time());
  GstBuffer* frame = compose(source, items, options_.overlaysPrivate, probe, info.captureUs,
                             info.flags);
  uint8_t publicFlags = cleanInfo.flags;
  GstBuffer* publicFrame =
      publicEncoder ? compose(source, items, options_.overlaysPublic, probe, info.captureUs,
                              publicFlags)
                    : nullptr;
  // PTS: the pipeline's running time now (the output time; for a new frame
  // about its arrival), so RTP timestamps follow the real frame times. Kept
  // strictly rising. The duration is the nominal interval: the next output
  // time is not known yet.
  const GstClockTime interval = gst_util_uint64_scale(1, GST_SECOND, guint64(options_.fps));
  GstClockTime pts = runningTime();
  if (lastPts_ != GST_CLOCK_TIME_NONE && (pts == GST_CLOCK_TIME_NONE || pts <= lastPts_)) {
    pts = lastPts_ + (pts == GST_CLOCK_TIME_NONE ? interval : GST_MSECOND);
  }
  if (pts == GST_CLOCK_TIME_NONE) pts = 0;
  lastPts_ = pts;
  for (GstBuffer* b : {frame, publicFrame}) {
    if (b == nullptr) continue;
    GST_BUFFER_PTS(b) = pts;
    GST_BUFFER_DTS(b) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION(b) = interval;
    GST_BUFFER_OFFSET(b) = frameIndex;
  }
  // Program grabs share the encoder's input (read only on both sides).
  for (Grab& g : grabs) {
    if (g.program) g.fn(gst_buffer_ref(frame), info);
  }
  if (observer_) observer_(source, cleanInfo, frame, info);
  gst_buffer_unref(source);
  if (publicFrame) publicEncoder->push(publicFrame);
  if (gst_app_src_push_buffer(GST_APP_SRC(appsrc_), frame) == GST_FLOW_OK) framesOut_++;
}

GstClockTime OutputPipeline::runningTime() const {
  GstClock* clock = gst_element_get_clock(pipeline_);
  if (clock == nullptr) return GST_CLOCK_TIME_NONE;
  const GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  const GstClockTime base = gst_element_get_base_time(pipeline_);
  return now >= base ? now - base : 0;
}

uint64_t OutputPipeline::requestKeyframe() {
  const uint64_t count = ++keyframeRequests_;
  if (encoder_ != nullptr && !::forceKeyframe(encoder_, unsigned(count)))
    logWarn("encoder did not accept the keyframe request");
  return count;
}

void OutputPipeline::forceKeyframe() {
  if (encoder_ != nullptr && !::forceKeyframe(encoder_, 0))
    logWarn("encoder did not accept the keyframe request");
}

GstPadProbeReturn OutputPipeline::onEncodedBuffer(GstPad*, GstPadProbeInfo* info, gpointer self) {
  auto* s = static_cast<OutputPipeline*>(self);
  GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info);
  if (buf != nullptr) {
    if (s->encodedFrames_++ == 0) logInfo("encoder " + s->encoderName_ + " produced its first frame");
    if (!GST_BUFFER_FLAG_IS_SET(buf, GST_BUFFER_FLAG_DELTA_UNIT)) s->keyframes_++;
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn OutputPipeline::onRtpOut(GstPad*, GstPadProbeInfo* info, gpointer self) {
  auto* s = static_cast<OutputPipeline*>(self);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
    const guint n = gst_buffer_list_length(list);
    for (guint i = 0; i < n; ++i) s->bytesOut_ += gst_buffer_get_size(gst_buffer_list_get(list, i));
  } else if (GstBuffer* buf = GST_PAD_PROBE_INFO_BUFFER(info)) {
    s->bytesOut_ += gst_buffer_get_size(buf);
  }
  return GST_PAD_PROBE_OK;
}

gboolean OutputPipeline::onBusMessage(GstBus*, GstMessage* msg, gpointer self) {
  auto* s = static_cast<OutputPipeline*>(self);
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    GError* err = nullptr;
    gchar* dbg = nullptr;
    gst_message_parse_error(msg, &err, &dbg);
    std::string text = std::string(GST_OBJECT_NAME(GST_MESSAGE_SRC(msg))) + ": " +
                       (err ? err->message : "unknown error");
    if (dbg) logDebug(std::string("output error detail: ") + dbg);
    g_clear_error(&err);
    g_free(dbg);
    const int code = s->encodedFrames_.load() == 0 ? 3 : 1;
    if (s->fatal_) s->fatal_(code, "output pipeline failed: " + text);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
    GError* err = nullptr;
    gst_message_parse_warning(msg, &err, nullptr);
    if (err) logWarn(std::string("output: ") + err->message);
    g_clear_error(&err);
  }
  return G_SOURCE_CONTINUE;
}
