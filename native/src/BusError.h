// One readable, redacted line for a GStreamer ERROR message of a branch
// pipeline (recording, RTMP, public encode).
#pragma once

#include <gst/gst.h>

#include <string>

/// "<element>: <message>", plus " (<detail>)" when the debug text carries a
/// free-text line after its source location (e.g. filesink's errno text "No
/// space left on device"). The full debug text is logged at debug level as
/// "<what> error detail: ...". Stream keys are redacted (UrlRedactor.h).
std::string describeBusError(GstMessage* msg, const std::string& what);
