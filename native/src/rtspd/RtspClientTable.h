// The RTSP clients rtspd serves now: counts per camera, the bound on connections,
// and progress of each client's TCP socket (to drop a client that stopped reading).
// Thread-safe: clients are served on the RTSP server's client threads.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

class RtspClientTable {
 public:
  /// What became of a client that was asked to leave or that left.
  enum class End { Left, Dropped };

  explicit RtspClientTable(unsigned maxClients) : maxClients_(maxClients) {}

  /// Registers a new connection. Returns its id, or 0 when the bound is reached (the
  /// connection is kept as "refused": answered 503, closed, and not counted).
  uint64_t add(const void* client, const std::string& address, int64_t nowUs);
  /// Forgets a connection; returns its record (id 0 when unknown). `dropped` in the
  /// record tells a drop by rtspd from a client that left.
  struct Record {
    uint64_t id = 0;
    std::string address;
    std::string camera;
    bool refused = false;
    bool dropped = false;
    std::string dropReason;
  };
  Record remove(const void* client);
  /// Notes that the client plays `camera`.
  void setCamera(const void* client, const std::string& camera);
  /// Marks a client that rtspd drops (the reason is reported when it closes).
  void markDropped(const void* client, const std::string& reason);
  bool isRefused(const void* client);
  /// True for a refused connection registered at least `graceUs` before `nowUs` (its 503 is out).
  bool refusedDue(const void* client, int64_t nowUs, int64_t graceUs);
  /// Notes that `session` (an RTSP session) belongs to `client`.
  void addSession(const void* client, const void* session);
  /// Marks the owner of `session` as dropped for `reason`.
  void markSessionDropped(const void* session, const std::string& reason);
  uint64_t idOf(const void* client);

  /// Feeds the socket's progress: `pending` bytes not yet acknowledged by the peer, `acked`
  /// bytes acknowledged so far, at monotonic time `nowUs`. Returns true when bytes have been
  /// pending without any acknowledgement for `stallUs` (the peer stopped reading).
  bool stalled(const void* client, uint64_t pending, uint64_t acked, int64_t nowUs, int64_t stallUs);

  /// Counted (not refused) connections.
  unsigned clients();
  /// Clients playing each camera.
  std::map<std::string, unsigned> perCamera();

 private:
  struct Entry {
    Record record;
    uint64_t acked = 0;
    int64_t progressUs = -1;
    int64_t addedUs = 0;
  };
  std::map<const void*, const void*> sessionOwner_;
  std::mutex mutex_;
  std::map<const void*, Entry> entries_;
  unsigned maxClients_;
  unsigned counted_ = 0;
  uint64_t nextId_ = 1;
};
