// The picture shown while the source is lost: dark grey with "NO SIGNAL".
#pragma once

#include <gst/gst.h>

/// Creates an I420 frame of width x height px (both even).
GstBuffer* makeNoSignalFrame(int width, int height);
