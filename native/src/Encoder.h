// H.264 encoder selection and configuration.
#pragma once

#include <gst/gst.h>

#include <string>

#include "Options.h"

/// Returns the encoder element to use: the requested one, or for "auto" the
/// first available of nvv4l2h264enc, nvh264enc, x264enc.
/// Throws ConfigError("encoder", ...) when it is not installed.
std::string chooseEncoder(const std::string& requested);

/// Encoder elements added to a bin and linked together: raw I420 in at
/// `first`, H.264 byte-stream out of `last`. `encoder` is the element that
/// receives force-key-unit events on its src pad.
struct EncoderChain {
  GstElement* first = nullptr;
  GstElement* encoder = nullptr;
  GstElement* last = nullptr;
};

/// Creates and configures the chain for `name` inside `bin`.
/// Returns false with error set when an element cannot be created.
bool buildEncoderChain(GstBin* bin, const std::string& name, const Options& options,
                       EncoderChain& out, std::string& error);

/// Caps to pin right after the encoder.
GstCaps* encoderOutputCaps(const std::string& name);

/// One H.264 encode of camerad's output pictures, added to a bin and linked:
/// appsrc (I420 of the output size, is-live, own PTS, at most 2 queued,
/// older ones dropped) -> queue (leaky, 2 frames) -> I420 caps -> encoder
/// chain -> H.264 caps -> h264parse config-interval=-1 (SPS/PPS before every
/// IDR, one access unit per buffer). The caller links `parse` onwards.
struct H264Encode {
  GstElement* appsrc = nullptr;   ///< frames go in here (the bin holds the reference)
  GstElement* encoder = nullptr;  ///< takes force-key-unit events on its src pad
  GstElement* parse = nullptr;    ///< its src pad carries the access units
};

/// Builds an H264Encode with encoder `name` inside `bin`. False with error set
/// when an element is missing or cannot be linked.
bool buildH264Encode(GstBin* bin, const std::string& name, const Options& options, H264Encode& out,
                     std::string& error);

/// Sends a force-key-unit event (all headers) to the encoder: its next frame
/// is an IDR with SPS/PPS in front. False when the encoder refused it. Any thread.
bool forceKeyframe(GstElement* encoder, unsigned count);
