// I420 pictures of camerad's output size -> packed RGB24 (rows exactly
// width * 3 bytes apart), optionally scaled, with GstVideoConverter. One
// converter per thread: convert() is not reentrant.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstddef>
#include <cstdint>

class RgbConverter {
 public:
  /// From I420 inWidth x inHeight (GStreamer's default layout or GstVideoMeta)
  /// to RGB24 outWidth x outHeight; all sizes in px.
  RgbConverter(int inWidth, int inHeight, int outWidth, int outHeight);
  ~RgbConverter();
  RgbConverter(const RgbConverter&) = delete;
  RgbConverter& operator=(const RgbConverter&) = delete;

  /// Converts `i420` into `out`, which holds size() bytes. False when the
  /// buffer cannot be mapped (wrong size) or the converter failed to build.
  bool convert(GstBuffer* i420, uint8_t* out);

  int width() const { return outWidth_; }
  int height() const { return outHeight_; }
  /// Bytes per output row: width * 3.
  int stride() const { return outWidth_ * 3; }
  size_t size() const { return size_t(stride()) * size_t(outHeight_); }

  /// The colorimetry of camerad's I420 pictures of this size (what the
  /// converter assumes, and what overlay colours are converted with).
  static GstVideoInfo inputInfo(int width, int height);

 private:
  int outWidth_;
  int outHeight_;
  GstVideoInfo in_;
  GstVideoInfo out_;
  GstVideoConverter* converter_ = nullptr;
};
