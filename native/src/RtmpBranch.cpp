#include "RtmpBranch.h"

#include <gst/app/gstappsrc.h>

#include "BusError.h"
#include "Log.h"

RtmpBranch::RtmpBranch(const Options& options, RtmpUrl url, Reaper& reaper, Events events)
    : options_(options), url_(std::move(url)), reaper_(reaper), events_(std::move(events)) {}

RtmpBranch::~RtmpBranch() {
  invoker_.close();
  teardown();
}

bool RtmpBranch::start(std::string& error) {
  pipeline_ = gst_pipeline_new("rtmp");
  appsrc_ = gst_element_factory_make("appsrc", nullptr);
  GstElement* parse = gst_element_factory_make("h264parse", nullptr);
  GstElement* mux = gst_element_factory_make("flvmux", "flvmux");
  sink_ = gst_element_factory_make("rtmp2sink", "rtmp2sink");
  if (!appsrc_ || !parse || !mux || !sink_) {
    error = "missing GStreamer elements (appsrc, h264parse, flvmux, rtmp2sink)";
    for (GstElement* e : {appsrc_, parse, mux, sink_})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    appsrc_ = sink_ = nullptr;
    return false;
  }
  gst_object_ref(appsrc_);
  gst_object_ref(sink_);
  gst_bin_add_many(GST_BIN(pipeline_), appsrc_, parse, mux, sink_, nullptr);
  // Not live and not synced: frames go out as the encoder makes them.
  g_object_set(appsrc_, "is-live", FALSE, "format", GST_FORMAT_TIME, "block", FALSE,
               "max-bytes", guint64(0), nullptr);
  g_object_set(mux, "streamable", TRUE, nullptr);
  // The URL's parts, set one by one: the application is the first path
  // segment and the stream the rest (key and query), as PROTOCOL.md defines
  // the key (rtmp2sink's own location parser splits at the last '/'); and no
  // `location` string that GStreamer's debug log would quote.
  gst_util_set_object_arg(G_OBJECT(sink_), "scheme", url_.secure ? "rtmps" : "rtmp");
  g_object_set(sink_, "host", url_.host.c_str(), "port", url_.port, "application",
               url_.app.c_str(), "stream", url_.key.c_str(), "sync", FALSE, "async", FALSE,
               "async-connect", TRUE, nullptr);
  if (!gst_element_link_many(appsrc_, parse, mux, sink_, nullptr)) {
    error = "cannot link the RTMP pipeline";
    return false;
  }
  GstPad* sinkPad = gst_element_get_static_pad(sink_, "sink");
  gst_pad_add_probe(sinkPad, GST_PAD_PROBE_TYPE_BUFFER, &RtmpBranch::onSinkBuffer, this, nullptr);
  gst_object_unref(sinkPad);
  feed_ = std::make_unique<H264Feed>(appsrc_, kMaxQueuedTime, kMaxQueuedBytes,
                                     H264Feed::Events{nullptr, events_.wantKeyframe});
  GstBus* bus = gst_element_get_bus(pipeline_);
  busWatch_ = gst_bus_add_watch(bus, &RtmpBranch::onBusMessage, this);
  gst_object_unref(bus);
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "the RTMP pipeline failed to start";
    teardown();
    return false;
  }
  pollTimer_ = g_timeout_add(guint(kPollMs), &RtmpBranch::onPoll, this);
  logInfo("RTMP: connecting to " + url_.redacted);
  return true;
}

GstPadProbeReturn RtmpBranch::onSinkBuffer(GstPad*, GstPadProbeInfo*, gpointer self) {
  static_cast<RtmpBranch*>(self)->sinkBuffers_++;
  return GST_PAD_PROBE_OK;
}

void RtmpBranch::poll() {
  if (sink_ == nullptr) return;
  GstStructure* stats = nullptr;
  g_object_get(sink_, "stats", &stats, nullptr);
  if (stats == nullptr) return;
  guint64 out = 0;
  if (gst_structure_get_uint64(stats, "out-bytes-total", &out) && out > bytes_.load()) bytes_ = out;
  gst_structure_free(stats);
}

gboolean RtmpBranch::onPoll(gpointer self) {
  auto* s = static_cast<RtmpBranch*>(self);
  s->poll();
  // rtmp2sink reports a connection's stats only once `publish` was accepted;
  // live = that, and FLV data (the first IDR) has been handed to it.
  if (!s->live_.load() && !s->stopping_ && s->bytes_.load() > 0 && s->sinkBuffers_.load() > 0) {
    s->live_ = true;
    logInfo("RTMP: live at " + s->url_.redacted);
    if (s->events_.live) s->events_.live();
  }
  return G_SOURCE_CONTINUE;
}

void RtmpBranch::stop(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  stopDone_ = std::move(done);
  if (pipeline_ == nullptr) {  // already torn down (failed)
    stopped();
    return;
  }
  poll();
  gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
  stopTimer_ = g_timeout_add(guint(kStopTimeoutMs), &RtmpBranch::onStopTimeout, this);
  logInfo("RTMP: stopping (" + std::to_string(bytes_.load()) + " bytes sent)");
}

gboolean RtmpBranch::onStopTimeout(gpointer self) {
  auto* s = static_cast<RtmpBranch*>(self);
  s->stopTimer_ = 0;
  s->stopped();
  return G_SOURCE_REMOVE;
}

void RtmpBranch::stopped() {
  auto finish = [this] {
    std::function<void()> done = std::move(stopDone_);
    stopDone_ = nullptr;
    if (done) done();  // may delete this: nothing after it
  };
  if (pipeline_ == nullptr) {
    invoker_.post(finish);
    return;
  }
  teardown([this, finish] { invoker_.post(finish); });
}

void RtmpBranch::teardown(std::function<void()> down) {
  if (busWatch_) g_source_remove(busWatch_);
  busWatch_ = 0;
  if (pollTimer_) g_source_remove(pollTimer_);
  pollTimer_ = 0;
  if (stopTimer_) g_source_remove(stopTimer_);
  stopTimer_ = 0;
  // A connection attempt or a stalled write can take a while to cancel: the
  // reaper sets the state to NULL on its own thread.
  if (pipeline_) reaper_.reap(pipeline_, std::move(down));
  pipeline_ = nullptr;
  if (appsrc_) gst_object_unref(appsrc_);
  if (sink_) gst_object_unref(sink_);
  appsrc_ = sink_ = nullptr;
}

gboolean RtmpBranch::onBusMessage(GstBus*, GstMessage* msg, gpointer self) {
  auto* s = static_cast<RtmpBranch*>(self);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      const std::string error = describeBusError(msg, "RTMP");
      s->poll();
      if (s->stopping_) {
        logDebug("RTMP: error while stopping: " + error);
        s->stopped();
      } else {
        s->teardown();
        if (s->events_.failed) s->events_.failed(error);
      }
      return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
      if (s->stopping_) {
        s->stopped();
        return G_SOURCE_REMOVE;
      }
      break;
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gst_message_parse_warning(msg, &err, nullptr);
      if (err) logWarn("RTMP: " + std::string(err->message));
      g_clear_error(&err);
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}
