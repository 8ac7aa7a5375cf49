#include "RtspSocketProgress.h"

#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

bool RtspSocketProgress::read(int fd, uint64_t& pending, uint64_t& acked) {
  int queued = 0;
  if (fd < 0 || ioctl(fd, SIOCOUTQ, &queued) != 0) return false;
  struct tcp_info info {};
  socklen_t size = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return false;
  pending = queued < 0 ? 0 : static_cast<uint64_t>(queued);
  acked = info.tcpi_bytes_acked;
  return true;
}

void RtspSocketProgress::limitSendBuffer(int fd, int bytes) {
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}
