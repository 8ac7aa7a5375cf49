#include "H264Feed.h"

#include <gst/app/gstappsrc.h>

H264Feed::H264Feed(GstElement* appsrc, GstClockTime maxTime, uint64_t maxBytes, Events events)
    : appsrc_(GST_ELEMENT(gst_object_ref(appsrc))),
      maxTime_(maxTime),
      maxBytes_(maxBytes),
      events_(std::move(events)) {}

H264Feed::~H264Feed() {
  gst_caps_replace(&caps_, nullptr);
  gst_object_unref(appsrc_);
}

void H264Feed::push(GstBuffer* au, GstCaps* caps) {
  const bool idr = !GST_BUFFER_FLAG_IS_SET(au, GST_BUFFER_FLAG_DELTA_UNIT);
  const GstClockTime pts = GST_BUFFER_PTS(au);
  if (!GST_CLOCK_TIME_IS_VALID(pts)) return;  // never from camerad's encoders
  if (waitIdr_ && !idr) {
    if (started_) dropped_++;  // a gap after a drop (before the start nothing is lost)
    return;
  }
  GstAppSrc* src = GST_APP_SRC(appsrc_);
  const size_t size = gst_buffer_get_size(au);
  if (started_ && (gst_app_src_get_current_level_time(src) >= maxTime_ ||
                   gst_app_src_get_current_level_bytes(src) + size > maxBytes_)) {
    // The branch is behind (stalled ingest, slow disk): drop up to the next IDR.
    dropped_++;
    if (!waitIdr_ && events_.wantKeyframe) events_.wantKeyframe();
    waitIdr_ = true;
    return;
  }
  if (!started_) base_ = pts;
  if (pts < base_) return;  // cannot happen with rising PTS; never go negative
  if (caps_ != caps && (caps_ == nullptr || !gst_caps_is_equal(caps_, caps))) {
    gst_app_src_set_caps(src, caps);  // serialised with the buffers
  }
  gst_caps_replace(&caps_, caps);
  GstBuffer* out = gst_buffer_copy(au);  // shallow: the data stays shared
  GST_BUFFER_PTS(out) = pts - base_;
  const GstClockTime dts = GST_BUFFER_DTS(au);
  GST_BUFFER_DTS(out) = GST_CLOCK_TIME_IS_VALID(dts) && dts >= base_ ? dts - base_ : pts - base_;
  if (gst_app_src_push_buffer(src, out) != GST_FLOW_OK) return;  // flushing: the branch is stopping
  waitIdr_ = false;
  frames_++;
  bytes_ += size;
  lastPts_ = pts - base_;
  lastDuration_ = GST_BUFFER_DURATION_IS_VALID(au) ? GST_BUFFER_DURATION(au) : 0;
  if (!started_) {
    started_ = true;
    firstWallUs_ = g_get_real_time();
    if (events_.firstFrame) events_.firstFrame();
  }
}
