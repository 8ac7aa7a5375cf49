// Unix-domain-socket control server: one client at a time, framed JSON
// messages (see Protocol.h and native/PROTOCOL.md). The socket file is 0600;
// a client whose uid (SO_PEERCRED) is not camerad's is closed at once, and so
// is a second client while one is connected (the first keeps its connection).
// Runs on the GLib main loop; send() may be called from any thread and never
// blocks.
#pragma once

#include <glib.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "Protocol.h"

class ControlServer {
 public:
  /// Drop a client once this many bytes wait to be written (48 MiB: room for
  /// a few full-size frame grabs, which may be up to 16 MiB each).
  static constexpr size_t kMaxQueuedBytes = 48u * 1024u * 1024u;

  struct Handlers {
    /// Payload (JSON) of the "hello" notification sent right after accept.
    std::function<std::string()> hello;
    /// Handles one request payload; returns the response payload (JSON), or
    /// nullopt when the response is sent later with sendTo().
    std::function<std::optional<std::string>(const std::string&)> request;
    /// A client connected (after its hello was queued); `generation` is its
    /// number for sendTo(). Optional.
    std::function<void(uint64_t generation)> connected;
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
  /// Queues a frame for the client numbered `generation`; dropped when that
  /// client is gone (disconnected; a later client has a new number). Any thread.
  void sendTo(uint64_t generation, uint8_t kind, const std::string& payload);
  /// Number of the current client (rises with every accepted client). Any thread.
  uint64_t generation();
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
  /// True when there is no client, or the current one has hung up (what it
  /// sent before is read first). Main thread.
  bool clientGone();
  void closeClient(const std::string& why);
  /// Closes a refused connection `fd` and logs why (rate-limited). Main thread.
  void refuse(int fd, const std::string& why);
  void readClient();
  /// Writes what it can without blocking; main thread.
  void flush();
  /// Appends a frame to out_; mutex_ held.
  void enqueueLocked(uint8_t kind, const std::string& payload, bool& schedule);

  std::string path_;
  Handlers handlers_;
  int listenFd_ = -1;
  guint listenWatch_ = 0;
  int64_t lastRefusalLogUs_ = 0;  ///< g_get_monotonic_time() of the last refusal warning
  uint64_t refusalsNotLogged_ = 0;

  // Client state; fd and watches are touched on the main thread only.
  int clientFd_ = -1;
  guint readWatch_ = 0;
  guint writeWatch_ = 0;
  protocol::FrameDecoder decoder_;

  std::mutex mutex_;  // guards the fields below
  bool hasClient_ = false;
  uint64_t generation_ = 0;
  std::string out_;
  size_t outOffset_ = 0;
  bool overflow_ = false;
  bool flushScheduled_ = false;
};
