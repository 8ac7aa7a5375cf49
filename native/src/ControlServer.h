// Unix-domain-socket control server: one client at a time, framed JSON
// messages (see Protocol.h and native/PROTOCOL.md). Runs on the GLib main
// loop; send() may be called from any thread and never blocks.
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "Protocol.h"

class ControlServer {
 public:
  /// Drop a client once this many bytes wait to be written (8 MiB).
  static constexpr size_t kMaxQueuedBytes = 8u * 1024u * 1024u;

  struct Handlers {
    /// Payload (JSON) of the "hello" notification sent right after accept.
    std::function<std::string()> hello;
    /// Handles one request payload; returns the response payload (JSON).
    std::function<std::string(const std::string&)> request;
  };

  ControlServer(std::string path, Handlers handlers);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Unlinks a stale socket file, binds and listens. Main thread.
  bool start(std::string& error);
  /// Closes the client and the listener and removes the socket file. Main thread.
  void stop();

  /// Queues a frame for the current client; dropped when there is none. Any thread.
  void send(uint8_t kind, const std::string& payload);
  /// Sends a notification {"event": ..., "data": ...}; dataJson is a JSON object text.
  void notify(const std::string& event, const std::string& dataJson);
  /// Tries for up to timeoutMs (ms) to write everything queued. Main thread, at exit.
  void flushBlocking(int timeoutMs);

 private:
  static gboolean onListenReadable(gint fd, GIOCondition cond, gpointer self);
  static gboolean onClientReadable(gint fd, GIOCondition cond, gpointer self);
  static gboolean onClientWritable(gint fd, GIOCondition cond, gpointer self);
  static gboolean onFlushIdle(gpointer self);

  void acceptClient();
  void closeClient(const std::string& why);
  void readClient();
  /// Writes what it can without blocking; main thread.
  void flush();

  std::string path_;
  Handlers handlers_;
  int listenFd_ = -1;
  guint listenWatch_ = 0;

  // Client state; fd and watches are touched on the main thread only.
  int clientFd_ = -1;
  guint readWatch_ = 0;
  guint writeWatch_ = 0;
  protocol::FrameDecoder decoder_;

  std::mutex mutex_;  // guards the fields below
  bool hasClient_ = false;
  std::string out_;
  size_t outOffset_ = 0;
  bool overflow_ = false;
  bool flushScheduled_ = false;
};
