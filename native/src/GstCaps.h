#pragma once
// Small GStreamer helpers shared by the sources.
#include <gst/gst.h>

/// Sets the `caps` property of the capsfilter named "caps" inside `bin` to I420 at
/// `width`×`height` px with square pixels (what every source hands to the frame clock).
inline void setI420Caps(GstElement* bin, int width, int height) {
  GstElement* caps = gst_bin_get_by_name(GST_BIN(bin), "caps");
  GstCaps* c = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width",
                                   G_TYPE_INT, width, "height", G_TYPE_INT, height,
                                   "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
  g_object_set(caps, "caps", c, nullptr);
  gst_caps_unref(c);
  gst_object_unref(caps);
}
