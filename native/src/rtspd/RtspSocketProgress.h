// How far a TCP peer has read: bytes queued on our side and bytes it acknowledged
// (Linux SIOCOUTQ and TCP_INFO). A peer that stops reading closes its window: bytes
// stay queued and the acknowledged count stops growing.
#pragma once

#include <cstdint>

class RtspSocketProgress {
 public:
  /// Bytes not yet acknowledged (sent or not), and bytes acknowledged since the connection
  /// opened. Returns false when `fd` is not a TCP socket the kernel can describe.
  static bool read(int fd, uint64_t& pending, uint64_t& acked);
  /// Fixes the socket's send buffer at `bytes` (no autotuning up to tcp_wmem's 4 MB): a client
  /// that stops reading then holds little memory and is seen stalled within seconds.
  static void limitSendBuffer(int fd, int bytes);
};
