// The RTSP clients rtspd serves now: counts per camera, the bounds on connections,
// and progress of each client's TCP socket (to drop a client that stopped reading).
// A connection is "pending" until it sends valid credentials, then "counted" (an NVR):
// pending ones have their own bounds (in all and per address) and a deadline, so sockets a
// stranger opens and holds never take an NVR's place.
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

  /// Bounds: counted connections in all; pending connections in all and per address.
  struct Limits {
    unsigned maxClients = 0;
    unsigned maxPending = 0;
    unsigned maxPendingPerAddress = 0;
  };

  explicit RtspClientTable(Limits limits) : limits_(limits) {}

  /// Registers a new (pending) connection. Returns its id, or 0 when a pending bound is
  /// reached: the connection is then kept as "refused" (answered 503, closed, not counted,
  /// record id 0) and `reason` says which bound ("max_pending", "max_pending_per_address").
  uint64_t add(const void* client, const std::string& address, int64_t nowUs, std::string& reason);
  /// What `authenticate` did.
  enum class Auth { Counted, AlreadyCounted, Refused, AlreadyRefused, Unknown };
  /// The connection sent valid credentials: it is counted, or refused at `nowUs` when
  /// maxClients connections are counted already (`Refused` once, then `AlreadyRefused`).
  Auth authenticate(const void* client, int64_t nowUs);
  /// True for a pending connection opened at least `timeoutUs` before `nowUs`; it is then
  /// refused (reason "auth_timeout"), so the caller closes it and reports it once.
  bool pendingExpired(const void* client, int64_t nowUs, int64_t timeoutUs);
  /// Forgets a connection; returns its record (id 0 when unknown). `dropped` in the
  /// record tells a drop by rtspd from a client that left.
  struct Record {
    uint64_t id = 0;
    std::string address;
    std::string camera;
    bool refused = false;
    bool counted = false;
    bool dropped = false;
    std::string dropReason;
  };
  Record remove(const void* client);
  /// Notes that the client plays `camera`.
  void setCamera(const void* client, const std::string& camera);
  /// Marks a client that rtspd drops (the reason is reported when it closes).
  void markDropped(const void* client, const std::string& reason);
  bool isRefused(const void* client);
  /// True for a connection refused at least `graceUs` before `nowUs` (its 503 is out).
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

  /// Counted connections (sent valid credentials, not refused).
  unsigned clients();
  /// Pending connections (no valid credentials yet, not refused).
  unsigned pending();
  /// Clients playing each camera.
  std::map<std::string, unsigned> perCamera();

 private:
  struct Entry {
    Record record;
    uint64_t acked = 0;
    int64_t progressUs = -1;
    int64_t addedUs = 0;
    /// When it was refused (its 503 goes out, then it is closed after a grace).
    int64_t refusedUs = 0;
  };
  unsigned pendingFrom(const std::string& address) const;
  std::map<const void*, const void*> sessionOwner_;
  std::mutex mutex_;
  std::map<const void*, Entry> entries_;
  Limits limits_;
  unsigned counted_ = 0;
  unsigned pending_ = 0;
  uint64_t nextId_ = 1;
};
