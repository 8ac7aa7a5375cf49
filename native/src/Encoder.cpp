#include "Encoder.h"

#include <gst/video/video.h>

#include <algorithm>

#include "Log.h"

namespace {

bool elementExists(const char* name) {
  GstElementFactory* f = gst_element_factory_find(name);
  if (f == nullptr) return false;
  gst_object_unref(f);
  return true;
}

/// Sets a property from its string form if the element has it (versions differ).
void setIfExists(GstElement* e, const char* prop, const std::string& value) {
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop) == nullptr) {
    logDebug(std::string("encoder has no property ") + prop);
    return;
  }
  gst_util_set_object_arg(G_OBJECT(e), prop, value.c_str());
}

void configureX264(GstElement* e, const Options& o) {
  const int threads = std::clamp(int(g_get_num_processors()), 1, 4);
  setIfExists(e, "tune", "zerolatency");
  setIfExists(e, "speed-preset", o.x264Preset);
  setIfExists(e, "bitrate", std::to_string(o.bitrateKbps));  // kbit/s
  setIfExists(e, "key-int-max", std::to_string(o.keyframeInterval));
  setIfExists(e, "bframes", "0");
  setIfExists(e, "b-adapt", "false");
  setIfExists(e, "threads", std::to_string(threads));
  setIfExists(e, "aud", "false");
  setIfExists(e, "byte-stream", "true");
  // VBV of about one second keeps the rate steady without starving IDR frames.
  setIfExists(e, "vbv-buf-capacity", "1000");  // ms
  setIfExists(e, "option-string", "scenecut=0");
}

void configureNvh264(GstElement* e, const Options& o) {
  setIfExists(e, "preset", "low-latency-hq");
  setIfExists(e, "rc-mode", "cbr");
  setIfExists(e, "bitrate", std::to_string(o.bitrateKbps));  // kbit/s
  setIfExists(e, "gop-size", std::to_string(o.keyframeInterval));
  setIfExists(e, "bframes", "0");
  setIfExists(e, "zerolatency", "true");
  setIfExists(e, "aud", "false");
}

void configureNvv4l2(GstElement* e, const Options& o) {
  setIfExists(e, "bitrate", std::to_string(int64_t(o.bitrateKbps) * 1000));  // bit/s
  setIfExists(e, "control-rate", "1");                                        // constant
  setIfExists(e, "iframeinterval", std::to_string(o.keyframeInterval));
  setIfExists(e, "idrinterval", std::to_string(o.keyframeInterval));
  setIfExists(e, "insert-sps-pps", "true");
  setIfExists(e, "profile", "0");  // baseline
  setIfExists(e, "preset-level", "1");
  setIfExists(e, "maxperf-enable", "true");
}

}  // namespace

std::string chooseEncoder(const std::string& requested) {
  if (requested != "auto") {
    if (!elementExists(requested.c_str()))
      throw ConfigError("encoder", "GStreamer element \"" + requested + "\" not available");
    return requested;
  }
  for (const char* name : {"nvv4l2h264enc", "nvh264enc", "x264enc"}) {
    if (elementExists(name)) return name;
  }
  throw ConfigError("encoder", "no H.264 encoder available (tried nvv4l2h264enc, nvh264enc, x264enc)");
}

bool buildEncoderChain(GstBin* bin, const std::string& name, const Options& options,
                       EncoderChain& out, std::string& error) {
  GstElement* enc = gst_element_factory_make(name.c_str(), "encoder");
  if (enc == nullptr) {
    error = "cannot create " + name;
    return false;
  }
  if (name == "x264enc") configureX264(enc, options);
  else if (name == "nvh264enc") configureNvh264(enc, options);
  else if (name == "nvv4l2h264enc") configureNvv4l2(enc, options);
  gst_bin_add(bin, enc);
  out.encoder = enc;
  out.last = enc;
  out.first = enc;
  if (name == "nvv4l2h264enc") {
    // The Jetson encoder reads NVMM buffers: convert system memory first.
    GstElement* conv = gst_element_factory_make("nvvidconv", nullptr);
    GstElement* caps = gst_element_factory_make("capsfilter", nullptr);
    if (conv == nullptr || caps == nullptr) {
      error = "nvv4l2h264enc needs nvvidconv";
      return false;
    }
    GstCaps* c = gst_caps_from_string("video/x-raw(memory:NVMM),format=I420");
    g_object_set(caps, "caps", c, nullptr);
    gst_caps_unref(c);
    gst_bin_add_many(bin, conv, caps, nullptr);
    if (!gst_element_link_many(conv, caps, enc, nullptr)) {
      error = "cannot link nvvidconv to nvv4l2h264enc";
      return false;
    }
    out.first = conv;
  }
  return true;
}

GstCaps* encoderOutputCaps(const std::string& name) {
  if (name == "nvv4l2h264enc") {
    // Profile is set by property; its caps list may not include constrained-baseline.
    return gst_caps_from_string("video/x-h264,stream-format=byte-stream,alignment=au");
  }
  return gst_caps_from_string(
      "video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au");
}

bool buildH264Encode(GstBin* bin, const std::string& name, const Options& o, H264Encode& out,
                     std::string& error) {
  GstElement* appsrc = gst_element_factory_make("appsrc", "src");
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  GstElement* rawCaps = gst_element_factory_make("capsfilter", nullptr);
  GstElement* h264Caps = gst_element_factory_make("capsfilter", nullptr);
  GstElement* parse = gst_element_factory_make("h264parse", nullptr);
  if (!appsrc || !queue || !rawCaps || !h264Caps || !parse) {
    error = "missing GStreamer elements (appsrc, queue, capsfilter, h264parse)";
    for (GstElement* e : {appsrc, queue, rawCaps, h264Caps, parse})
      if (e) gst_object_unref(gst_object_ref_sink(e));
    return false;
  }
  gst_bin_add_many(bin, appsrc, queue, rawCaps, h264Caps, parse, nullptr);
  GstCaps* caps = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width",
                                      G_TYPE_INT, o.width, "height", G_TYPE_INT, o.height,
                                      "framerate", GST_TYPE_FRACTION, o.fps, 1,
                                      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
  g_object_set(appsrc, "caps", caps, "is-live", TRUE, "format", GST_FORMAT_TIME, "do-timestamp",
               FALSE, "block", FALSE, "max-buffers", guint64(2), nullptr);
  gst_util_set_object_arg(G_OBJECT(appsrc), "leaky-type", "downstream");
  // Pin I420 before the encoder; without it x264enc may pick 4:4:4 High profile.
  g_object_set(rawCaps, "caps", caps, nullptr);
  gst_caps_unref(caps);
  g_object_set(queue, "max-size-buffers", 2u, "max-size-bytes", 0u, "max-size-time", guint64(0),
               nullptr);
  gst_util_set_object_arg(G_OBJECT(queue), "leaky", "downstream");

  EncoderChain chain;
  if (!buildEncoderChain(bin, name, o, chain, error)) return false;
  GstCaps* outCaps = encoderOutputCaps(name);
  g_object_set(h264Caps, "caps", outCaps, nullptr);
  gst_caps_unref(outCaps);
  // SPS/PPS in-band before every IDR, so any branch can start at any IDR.
  g_object_set(parse, "config-interval", -1, nullptr);
  if (!gst_element_link_many(appsrc, queue, rawCaps, nullptr) ||
      !gst_element_link(rawCaps, chain.first) ||
      !gst_element_link_many(chain.last, h264Caps, parse, nullptr)) {
    error = "cannot link the " + name + " encode";
    return false;
  }
  out.appsrc = appsrc;
  out.encoder = chain.encoder;
  out.parse = parse;
  return true;
}

bool forceKeyframe(GstElement* encoder, unsigned count) {
  GstEvent* ev = gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, count);
  GstPad* pad = gst_element_get_static_pad(encoder, "src");
  const bool ok = gst_pad_send_event(pad, ev);
  gst_object_unref(pad);
  return ok;
}
