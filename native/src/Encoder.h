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
