#include "Log.h"

#include <cstdio>
#include <mutex>

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

void logWrite(LogLevel level, const std::string& message) {
  LogSink sink;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (level < g_minLevel) return;
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
