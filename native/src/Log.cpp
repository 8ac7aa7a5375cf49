#include "Log.h"

#include <cstdio>
#include <mutex>

#include <gst/gst.h>

#include "UrlRedactor.h"

namespace {
std::mutex g_mutex;
std::string g_camera = "cam0";
LogLevel g_minLevel = LogLevel::Info;
LogSink g_sink;
}  // namespace

bool parseLogLevel(const std::string& text, LogLevel& out) {
  if (text == "debug") out = LogLevel::Debug;
  else if (text == "info") out = LogLevel::Info;
  else if (text == "warn") out = LogLevel::Warn;
  else if (text == "error") out = LogLevel::Error;
  else return false;
  return true;
}

const char* logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

void logSetup(const std::string& camera, LogLevel minLevel) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_camera = camera;
  g_minLevel = minLevel;
}

void logSetSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_sink = std::move(sink);
}

bool logEnabled(LogLevel level) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return level >= g_minLevel;
}

void logWrite(LogLevel level, const std::string& text) {
  LogSink sink;
  std::string message;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (level < g_minLevel) return;
    message = redactSecrets(text);  // RTMP stream keys never reach stderr or the client
    std::fprintf(stderr, "camerad[%s] %s: %s\n", g_camera.c_str(), logLevelName(level),
                 message.c_str());
    std::fflush(stderr);
    sink = g_sink;
  }
  // Called outside the lock so the sink may itself log without deadlocking;
  // the guard stops a sink that logs from recursing into itself.
  static thread_local bool inSink = false;
  if (sink && !inSink) {
    inSink = true;
    sink(level, message);
    inSink = false;
  }
}

namespace {
void redactingGstLog(GstDebugCategory* category, GstDebugLevel level, const gchar* file,
                     const gchar* function, gint line, GObject* object, GstDebugMessage* message,
                     gpointer) {
  if (level > gst_debug_category_get_threshold(category)) return;
  gchar* text = gst_debug_log_get_line(category, level, file, function, line, object, message);
  const std::string redacted = redactSecrets(text);
  g_free(text);
  std::fputs(redacted.c_str(), stderr);
}
}  // namespace

void logRedactGstDebug() {
  // Always (GST_DEBUG=rtmp*:7 turns the log on only when the rtmp2 plugin
  // loads); while the debug log is off no log function is ever called.
  gst_debug_remove_log_function(gst_debug_log_default);
  gst_debug_add_log_function(redactingGstLog, nullptr, nullptr);
}
