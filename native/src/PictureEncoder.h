// Full-size I420 output pictures -> picture message payloads (native/PROTOCOL.md,
// "Picture messages"): packed RGB24, or RGB24 then JPEG with libjpeg-turbo.
// Shared by grabs (FrameGrabber, kind 6) and stills (StillBranch, kind 5).
#pragma once

#include <gst/gst.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "FrameMessage.h"
#include "RgbConverter.h"

class PictureEncoder {
 public:
  /// For I420 pictures of width x height px (camerad's output size); the
  /// pictures it makes have the same size.
  PictureEncoder(int width, int height);
  PictureEncoder(const PictureEncoder&) = delete;
  PictureEncoder& operator=(const PictureEncoder&) = delete;

  /// Converts `i420` to RGB24 (stride width * 3). Sets header.format, width,
  /// height and stride and makes `payload` (header + pixels). False with
  /// `error` when the frame cannot be converted. Not reentrant: one thread.
  bool rgb(GstBuffer* i420, framemsg::Header& header, std::string& payload, std::string& error);
  /// Same, JPEG (baseline JFIF, 4:2:0) at `quality` 1..100; stride 0.
  bool jpeg(GstBuffer* i420, int quality, framemsg::Header& header, std::string& payload,
            std::string& error);

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  RgbConverter& converter();

  int width_;
  int height_;
  std::unique_ptr<RgbConverter> converter_;  ///< made on first use (on the caller's thread)
  std::vector<uint8_t> rgb_;                 ///< RGB scratch for JPEG
};
