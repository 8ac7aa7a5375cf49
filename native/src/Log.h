// Logging: lines to stderr as "camerad[<camera>] <level>: <message>" and,
// through an optional sink, to the connected control client. Every line goes
// through redactSecrets() (UrlRedactor.h) first: RTMP stream keys never
// appear in it.
#pragma once

#include <functional>
#include <string>

enum class LogLevel { Debug = 0, Info = 1, Warn = 2, Error = 3 };

/// Parses "debug", "info", "warn" or "error". Returns false for anything else.
bool parseLogLevel(const std::string& text, LogLevel& out);
/// Lower-case name of a level ("debug", "info", "warn", "error").
const char* logLevelName(LogLevel level);

/// Receives every log line that passes the level filter (any thread).
using LogSink = std::function<void(LogLevel, const std::string&)>;

/// Sets the camera id used in the stderr prefix and the minimum level.
void logSetup(const std::string& camera, LogLevel minLevel);
/// Installs (or with nullptr removes) the sink. Call from the main thread.
void logSetSink(LogSink sink);
bool logEnabled(LogLevel level);
/// Thread-safe.
void logWrite(LogLevel level, const std::string& message);
/// Replaces GStreamer's default debug log writer (GST_DEBUG, stderr) with one
/// that redacts RTMP stream keys. Call after gst_init.
void logRedactGstDebug();

inline void logDebug(const std::string& m) { logWrite(LogLevel::Debug, m); }
inline void logInfo(const std::string& m) { logWrite(LogLevel::Info, m); }
inline void logWarn(const std::string& m) { logWrite(LogLevel::Warn, m); }
inline void logError(const std::string& m) { logWrite(LogLevel::Error, m); }
