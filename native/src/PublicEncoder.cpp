#include "PublicEncoder.h"

#include <gst/app/gstappsrc.h>

#include "BusError.h"
#include "Encoder.h"
#include "Log.h"
#include "UrlRedactor.h"

PublicEncoder::PublicEncoder(const Options& options, std::string encoderName, ErrorFn onError)
    : options_(options), encoderName_(std::move(encoderName)), onError_(std::move(onError)) {}

PublicEncoder::~PublicEncoder() { stop(); }

bool PublicEncoder::start(std::string& error) {
  pipeline_ = gst_pipeline_new("public");
  H264Encode encode;
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  if (sink == nullptr) {
    error = "missing GStreamer element fakesink";
    return false;
  }
  gst_bin_add(GST_BIN(pipeline_), sink);
  if (!buildH264Encode(GST_BIN(pipeline_), encoderName_, options_, encode, error)) return false;
  g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
  if (!gst_element_link(encode.parse, sink)) {
    error = "cannot link the public encode";
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    appsrc_ = GST_ELEMENT(gst_object_ref(encode.appsrc));
    encoder_ = GST_ELEMENT(gst_object_ref(encode.encoder));
  }
  GstPad* parsed = gst_element_get_static_pad(encode.parse, "src");
  tap_.attach(parsed);
  gst_object_unref(parsed);
  GstBus* bus = gst_element_get_bus(pipeline_);
  busWatch_ = gst_bus_add_watch(bus, &PublicEncoder::onBusMessage, this);
  gst_object_unref(bus);
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    error = "the public encode (" + encoderName_ + ") failed to start";
    return false;
  }
  return true;
}

void PublicEncoder::stop() {
  GstElement* appsrc = nullptr;
  GstElement* encoder = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::swap(appsrc, appsrc_);
    std::swap(encoder, encoder_);
  }
  if (busWatch_) g_source_remove(busWatch_);
  busWatch_ = 0;
  tap_.detach();
  if (pipeline_) {
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
  }
  if (appsrc) gst_object_unref(appsrc);
  if (encoder) gst_object_unref(encoder);
}

void PublicEncoder::push(GstBuffer* frame) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (appsrc_ == nullptr) {
    gst_buffer_unref(frame);
    return;
  }
  if (gst_app_src_push_buffer(GST_APP_SRC(appsrc_), frame) == GST_FLOW_OK) framesIn_++;
}

void PublicEncoder::requestKeyframe() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (encoder_ != nullptr && !forceKeyframe(encoder_, 0))
    logWarn("public encoder did not accept the keyframe request");
}

gboolean PublicEncoder::onBusMessage(GstBus*, GstMessage* msg, gpointer self) {
  auto* s = static_cast<PublicEncoder*>(self);
  if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
    const std::string text = "public encode failed: " + describeBusError(msg, "public encode");
    if (s->onError_) s->onError_(text);
  } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
    GError* err = nullptr;
    gst_message_parse_warning(msg, &err, nullptr);
    if (err) logWarn(std::string("public encode: ") + err->message);
    g_clear_error(&err);
  }
  return G_SOURCE_CONTINUE;
}
