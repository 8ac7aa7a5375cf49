// rtspd's configuration: one JSON line on stdin (native/PROTOCOL.md, "rtspd").
// Passwords arrive only this way: never in argv, the environment or a log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

/// One camera served at `path` from the RTP that the server sends to 127.0.0.1:`rtpPort`.
struct RtspMount {
  std::string camera;
  /// Mount path, starting with '/', e.g. "/sample".
  std::string path;
  /// UDP port on 127.0.0.1 where the camera's RTP (H.264, payload 96, 90 kHz) arrives.
  uint16_t rtpPort = 0;
};

/// An RTSP user (Digest, RFC 2617 as RFC 2326 §D uses it).
struct RtspUser {
  std::string name;
  std::string password;
};

/// Everything rtspd needs, parsed from the config line.
struct RtspConfig {
  /// Address to listen on (IPv4/IPv6 literal or "0.0.0.0").
  std::string host = "127.0.0.1";
  /// TCP port of the RTSP server; 0 picks a free one (reported in the "listening" event).
  uint16_t port = 8554;
  /// Most authenticated RTSP connections at once; the next one to authenticate is answered
  /// 503 and closed.
  unsigned maxClients = 10;
  /// Most connections at once that have not yet sent valid credentials (a stranger's idle
  /// sockets must not lock NVRs out); the next one is answered 503 and closed.
  unsigned maxPendingClients = 16;
  /// Most such connections from one address.
  unsigned maxPendingPerAddress = 4;
  /// A connection without valid credentials this long after it opened is closed, s.
  unsigned authTimeoutS = 10;
  /// RTSP session timeout, s: a UDP client without keep-alive (RTCP, GET_PARAMETER) is dropped
  /// after it; a TCP client whose socket accepts nothing for this long is dropped too.
  unsigned clientTimeoutS = 30;
  bool udp = true;
  bool tcp = true;
  /// UDP port on 127.0.0.1 of the server's forwarding socket: RTP from any other sender is
  /// dropped. 0 accepts any local sender.
  uint16_t sourcePort = 0;
  /// Interval of "stats" events, ms.
  unsigned statsIntervalMs = 2000;
  std::vector<RtspUser> users;
  std::vector<RtspMount> mounts;

  /// Parses the config line. Throws std::invalid_argument naming the offending key.
  static RtspConfig parse(const std::string& line);
};
