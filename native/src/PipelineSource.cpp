#include "PipelineSource.h"
#include "GstCaps.h"

#include <gst/app/gstappsink.h>

#include <atomic>

#include "Log.h"

struct PipelineSource::SinkContext {
  FrameStore* store;
  std::atomic<bool> active{true};
};

namespace {

using SinkContextPtr = std::shared_ptr<PipelineSource::SinkContext>;

GstFlowReturn onNewSample(GstAppSink* sink, gpointer user) {
  auto& ctx = *static_cast<SinkContextPtr*>(user);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (sample == nullptr) return GST_FLOW_EOS;
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  if (buffer != nullptr && ctx->active.load()) {
    ctx->store->put(gst_buffer_ref(buffer), g_get_monotonic_time(), g_get_real_time());
  }
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

void destroySinkContext(gpointer user) { delete static_cast<SinkContextPtr*>(user); }

}  // namespace

PipelineSource::PipelineSource(SourceSpec spec, const Options& options, FrameStore& store,
                               Reaper& reaper, FailureFn onFailure)
    : spec_(std::move(spec)),
      width_(options.width),
      height_(options.height),
      fps_(options.fps),
      timeoutMs_(options.sourceTimeoutMs),
      store_(store),
      reaper_(reaper),
      onFailure_(std::move(onFailure)) {}

PipelineSource::~PipelineSource() { stop(); }

std::string PipelineSource::staleReason() const {
  return "no frames for " + std::to_string(timeoutMs_) + " ms";
}

std::string PipelineSource::headDescription() const {
  switch (spec_.kind) {
    case SourceKind::Test: {
      std::string d = "videotestsrc is-live=true pattern=" + spec_.pattern;
      if (spec_.pattern != "ball") d += " horizontal-speed=4";  // keep it moving
      return d + " ! video/x-raw,framerate=" + std::to_string(fps_) + "/1 ! ";
    }
    case SourceKind::File:
    case SourceKind::Rtsp:
      return "uridecodebin name=dec ";  // linked in onPadAdded
    case SourceKind::V4l2:
      return "v4l2src name=v4l2 ! decodebin name=dec ";
    case SourceKind::Csi:
      return "nvarguscamerasrc sensor-id=" + std::to_string(spec_.sensorId) +
             " ! nvvidconv ! video/x-raw,format=I420 ! ";
    case SourceKind::Dir:
      break;
  }
  return "";
}

bool PipelineSource::start(std::string& error) {
  stop();
  const std::string desc = headDescription() +
                           "videoconvert name=conv ! videoscale add-borders=true ! "
                           "capsfilter name=caps ! appsink name=sink";
  GError* err = nullptr;
  GstElement* pipeline = gst_parse_launch(desc.c_str(), &err);
  if (pipeline == nullptr || err != nullptr) {
    error = std::string("cannot build source pipeline: ") + (err ? err->message : "unknown");
    g_clear_error(&err);
    if (pipeline) gst_object_unref(pipeline);
    return false;
  }
  pipeline_ = pipeline;
  setI420Caps(pipeline, width_, height_);

  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  // A file plays at its own pace (sync); live sources deliver as fast as they come.
  const bool sync = spec_.kind == SourceKind::File;
  g_object_set(sink, "sync", sync, "max-buffers", 1u, "drop", TRUE, "emit-signals", FALSE,
               "enable-last-sample", FALSE, nullptr);
  sinkContext_ = std::make_shared<SinkContext>();
  sinkContext_->store = &store_;
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = onNewSample;
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, new SinkContextPtr(sinkContext_),
                             destroySinkContext);
  gst_object_unref(sink);

  if (GstElement* dec = gst_bin_get_by_name(GST_BIN(pipeline), "dec")) {
    convert_ = gst_bin_get_by_name(GST_BIN(pipeline), "conv");
    g_signal_connect(dec, "pad-added", G_CALLBACK(&PipelineSource::onPadAdded), this);
    if (spec_.kind == SourceKind::File) {
      gchar* uri = g_filename_to_uri(spec_.path.c_str(), nullptr, nullptr);
      g_object_set(dec, "uri", uri, nullptr);
      g_free(uri);
    } else if (spec_.kind == SourceKind::Rtsp) {
      g_object_set(dec, "uri", spec_.uri.c_str(), nullptr);
      g_signal_connect(dec, "source-setup", G_CALLBACK(&PipelineSource::onSourceSetup), this);
    }
    gst_object_unref(dec);
  }
  if (GstElement* v4l2 = gst_bin_get_by_name(GST_BIN(pipeline), "v4l2")) {
    g_object_set(v4l2, "device", spec_.path.c_str(), nullptr);
    gst_object_unref(v4l2);
  }

  GstBus* bus = gst_element_get_bus(pipeline);
  busWatch_ = gst_bus_add_watch(bus, &PipelineSource::onBusMessage, this);
  gst_object_unref(bus);

  if (gst_element_set_state(pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "source pipeline failed to start";
    // The bus usually holds the reason (e.g. "Cannot identify device '/dev/video9'.").
    GstBus* b = gst_element_get_bus(pipeline);
    if (GstMessage* m = gst_bus_pop_filtered(b, GST_MESSAGE_ERROR)) {
      GError* e = nullptr;
      gst_message_parse_error(m, &e, nullptr);
      if (e) error += std::string(": ") + e->message;
      g_clear_error(&e);
      gst_message_unref(m);
    }
    gst_object_unref(b);
    stop();
    return false;
  }
  logDebug("source pipeline started: " + desc);
  return true;
}

void PipelineSource::stop() {
  if (sinkContext_) sinkContext_->active = false;
  sinkContext_.reset();
  if (busWatch_) g_source_remove(busWatch_);
  busWatch_ = 0;
  if (pipeline_) {
    // Disconnect our signal handlers: the pipeline may outlive this object in the reaper.
    if (GstElement* dec = gst_bin_get_by_name(GST_BIN(pipeline_), "dec")) {
      g_signal_handlers_disconnect_by_data(dec, this);
      gst_object_unref(dec);
    }
  }
  if (convert_) gst_object_unref(convert_);
  convert_ = nullptr;
  if (pipeline_) {
    reaper_.reap(pipeline_);
    pipeline_ = nullptr;
  }
}

void PipelineSource::onSourceSetup(GstElement*, GstElement* source, gpointer) {
  GObjectClass* klass = G_OBJECT_GET_CLASS(source);
  if (g_object_class_find_property(klass, "latency")) g_object_set(source, "latency", 100u, nullptr);
}

void PipelineSource::onPadAdded(GstElement*, GstPad* pad, gpointer self) {
  auto* s = static_cast<PipelineSource*>(self);
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (caps == nullptr) caps = gst_pad_query_caps(pad, nullptr);
  bool video = false;
  if (caps != nullptr && gst_caps_get_size(caps) > 0) {
    const char* name = gst_structure_get_name(gst_caps_get_structure(caps, 0));
    video = g_str_has_prefix(name, "video/");
  }
  if (caps) gst_caps_unref(caps);
  if (!video || s->convert_ == nullptr) return;
  GstPad* sinkPad = gst_element_get_static_pad(s->convert_, "sink");
  if (!gst_pad_is_linked(sinkPad)) {
    if (gst_pad_link(pad, sinkPad) != GST_PAD_LINK_OK) logWarn("cannot link decoded video pad");
  }
  gst_object_unref(sinkPad);
}

gboolean PipelineSource::onBusMessage(GstBus*, GstMessage* msg, gpointer self) {
  auto* s = static_cast<PipelineSource*>(self);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
      GError* err = nullptr;
      gchar* dbg = nullptr;
      gst_message_parse_error(msg, &err, &dbg);
      std::string reason = err ? err->message : "unknown error";
      if (dbg) logDebug(std::string("source error detail: ") + dbg);
      g_clear_error(&err);
      g_free(dbg);
      s->onFailure_(reason);
      break;
    }
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gst_message_parse_warning(msg, &err, nullptr);
      if (err) logDebug(std::string("source warning: ") + err->message);
      g_clear_error(&err);
      break;
    }
    case GST_MESSAGE_EOS:
      if (s->spec_.kind == SourceKind::File) {
        logDebug("end of file, looping");
        if (!gst_element_seek_simple(s->pipeline_, GST_FORMAT_TIME,
                                     GstSeekFlags(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT), 0)) {
          s->onFailure_("end of file and cannot seek to the start");
        }
      } else {
        s->onFailure_("end of stream");
      }
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}
