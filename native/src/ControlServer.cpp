#include "ControlServer.h"

#include <glib-unix.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "Log.h"

namespace {
/// Written bytes at the front of the queue worth moving the rest for.
constexpr size_t kCompactBytes = 1u << 20;

/// The text of notification `event` (native/PROTOCOL.md, "Notifications"). Every notification
/// camerad sends names its event as a string literal, the first argument of a call of this or
/// of a notify function, the form test/native/protocolConformance.test.ts reads.
std::string notification(const std::string& event, const std::string& dataJson) {
  // event names are fixed identifiers, no escaping needed
  return "{\"event\":\"" + event + "\",\"data\":" + dataJson + "}";
}
}  // namespace

ControlServer::ControlServer(std::string path, Handlers handlers)
    : path_(std::move(path)), handlers_(std::move(handlers)) {}

ControlServer::~ControlServer() { stop(); }

bool ControlServer::start(std::string& error) {
  listenFd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listenFd_ < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  unlink(path_.c_str());  // stale socket from a previous run
  // The socket file is created 0600 (umask 077 while binding; the umask is
  // process-wide, but nothing else creates files this early), so only this
  // uid (and root) can connect; the chmod is for file systems that ignore
  // the umask for sockets. Then SO_PEERCRED checks every client's uid.
  const mode_t oldMask = umask(077);
  const bool bound = bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  const int bindErrno = errno;
  umask(oldMask);
  errno = bindErrno;
  if (!bound || chmod(path_.c_str(), 0600) != 0 || listen(listenFd_, 4) != 0) {
    error = "cannot listen on " + path_ + ": " + std::strerror(errno);
    close(listenFd_);
    listenFd_ = -1;
    return false;
  }
  listenWatch_ = g_unix_fd_add(listenFd_, G_IO_IN, &ControlServer::onListenReadable, this);
  return true;
}

void ControlServer::stop() {
  if (clientFd_ >= 0) closeClient("");
  if (listenWatch_) g_source_remove(listenWatch_);
  listenWatch_ = 0;
  if (listenFd_ >= 0) {
    close(listenFd_);
    listenFd_ = -1;
    unlink(path_.c_str());
  }
}

gboolean ControlServer::onListenReadable(gint, GIOCondition, gpointer self) {
  static_cast<ControlServer*>(self)->acceptClient();
  return G_SOURCE_CONTINUE;
}

bool ControlServer::clientGone() {
  if (clientFd_ < 0) return true;
  // Reads what the client sent before it closed (its requests are answered
  // into the void), so a client that disconnects and reconnects at once is
  // not refused because camerad has not seen its hang-up yet.
  for (int i = 0; i < 256 && clientFd_ >= 0; ++i) {
    pollfd pfd{clientFd_, POLLIN | POLLRDHUP, 0};
    if (poll(&pfd, 1, 0) <= 0 || pfd.revents == 0) break;
    if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
      closeClient("disconnected");
      break;
    }
    readClient();  // closes the client at end of stream
  }
  return clientFd_ < 0;
}

void ControlServer::acceptClient() {
  int fd = accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return;
  ucred peer{};
  socklen_t peerLen = sizeof(peer);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peerLen) != 0 || peerLen != sizeof(peer)) {
    refuse(fd, std::string("cannot read its credentials: ") + std::strerror(errno));
    return;
  }
  if (peer.uid != geteuid()) {
    // Only camerad's own uid may drive it (native/PROTOCOL.md, Connection).
    refuse(fd, "uid " + std::to_string(peer.uid) + " (pid " + std::to_string(peer.pid) +
                   ") is not camerad's uid " + std::to_string(geteuid()));
    return;
  }
  if (!clientGone()) {
    // One client at a time: the connected one (the server) keeps its
    // connection; a second one is closed before anything is sent to it.
    refuse(fd, "another client is connected (refused pid " + std::to_string(peer.pid) + ")");
    return;
  }
  clientFd_ = fd;
  decoder_ = protocol::FrameDecoder();
  readWatch_ = g_unix_fd_add(fd, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR),
                             &ControlServer::onClientReadable, this);
  const std::string hello = handlers_.hello ? handlers_.hello() : "{}";
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation = ++generation_;
    hasClient_ = true;
    out_.clear();
    outOffset_ = 0;
    overflow_ = false;
    out_ = protocol::encodeFrame(protocol::kNotification, notification("hello", hello));
  }
  logDebug("control client connected (pid " + std::to_string(peer.pid) + ")");
  if (handlers_.connected) handlers_.connected(generation);
  flush();
}

void ControlServer::refuse(int fd, const std::string& why) {
  close(fd);
  // A warning per refusal, but at most one a second (a loop of connects must
  // not flood the log); the next one counts those left out.
  const int64_t now = g_get_monotonic_time();
  if (lastRefusalLogUs_ != 0 && now - lastRefusalLogUs_ < G_USEC_PER_SEC) {
    ++refusalsNotLogged_;
    return;
  }
  std::string text = "control client refused: " + why;
  if (refusalsNotLogged_ > 0)
    text += " (and " + std::to_string(refusalsNotLogged_) + " more not logged in the last second)";
  refusalsNotLogged_ = 0;
  lastRefusalLogUs_ = now;
  logWarn(text);
}

void ControlServer::closeClient(const std::string& why) {
  if (clientFd_ < 0) return;
  if (readWatch_) g_source_remove(readWatch_);
  if (writeWatch_) g_source_remove(writeWatch_);
  readWatch_ = writeWatch_ = 0;
  close(clientFd_);
  clientFd_ = -1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hasClient_ = false;
    out_.clear();
    outOffset_ = 0;
    overflow_ = false;
  }
  if (!why.empty()) logInfo("control client closed: " + why);
}

gboolean ControlServer::onClientReadable(gint, GIOCondition, gpointer self) {
  auto* s = static_cast<ControlServer*>(self);
  s->readClient();
  return G_SOURCE_CONTINUE;  // closeClient() removes the watch itself
}

void ControlServer::readClient() {
  char buf[65536];
  ssize_t n = recv(clientFd_, buf, sizeof(buf), 0);
  if (n == 0) {
    closeClient("disconnected");
    return;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    closeClient(std::string("read error: ") + std::strerror(errno));
    return;
  }
  decoder_.feed(buf, size_t(n));
  protocol::Frame frame;
  const int fd = clientFd_;
  while (clientFd_ == fd && decoder_.next(frame)) {
    if (frame.kind != protocol::kRequest) continue;  // clients send requests only
    std::optional<std::string> response =
        handlers_.request ? handlers_.request(frame.payload) : std::optional<std::string>("{}");
    if (response) send(protocol::kResponse, *response);
  }
  if (clientFd_ == fd && !decoder_.error().empty()) {
    closeClient("protocol error: " + decoder_.error());
  }
}

void ControlServer::send(uint8_t kind, const std::string& payload) {
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    enqueueLocked(kind, payload, schedule);
  }
  // Always defer to an idle callback: the main loop does all socket I/O, and a
  // request handler that logs never re-enters flush().
  if (schedule) g_idle_add_full(G_PRIORITY_HIGH_IDLE, &ControlServer::onFlushIdle, this, nullptr);
}

void ControlServer::sendTo(uint64_t generation, uint8_t kind, const std::string& payload) {
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (generation != generation_) return;
    enqueueLocked(kind, payload, schedule);
  }
  if (schedule) g_idle_add_full(G_PRIORITY_HIGH_IDLE, &ControlServer::onFlushIdle, this, nullptr);
}

uint64_t ControlServer::generation() {
  std::lock_guard<std::mutex> lock(mutex_);
  return generation_;
}

void ControlServer::enqueueLocked(uint8_t kind, const std::string& payload, bool& schedule) {
  if (!hasClient_ || overflow_) return;
  protocol::appendFrame(out_, kind, payload);
  if (out_.size() - outOffset_ > kMaxQueuedBytes) overflow_ = true;
  if (!flushScheduled_) {
    flushScheduled_ = true;
    schedule = true;
  }
}

void ControlServer::notify(const std::string& event, const std::string& dataJson) {
  send(protocol::kNotification, notification(event, dataJson));
}

gboolean ControlServer::onFlushIdle(gpointer self) {
  auto* s = static_cast<ControlServer*>(self);
  {
    std::lock_guard<std::mutex> lock(s->mutex_);
    s->flushScheduled_ = false;
  }
  s->flush();
  return G_SOURCE_REMOVE;
}

gboolean ControlServer::onClientWritable(gint, GIOCondition, gpointer self) {
  auto* s = static_cast<ControlServer*>(self);
  s->writeWatch_ = 0;
  s->flush();
  return G_SOURCE_REMOVE;
}

void ControlServer::flush() {
  if (clientFd_ < 0) return;
  bool overflow = false;
  bool pending = false;
  std::string failure;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    overflow = overflow_;
    while (!overflow && outOffset_ < out_.size()) {
      ssize_t n = ::send(clientFd_, out_.data() + outOffset_, out_.size() - outOffset_,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        outOffset_ += size_t(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        failure = std::string("write error: ") + std::strerror(errno);
        break;
      }
    }
    if (outOffset_ >= out_.size()) {
      out_.clear();
      outOffset_ = 0;
    } else if (outOffset_ >= kCompactBytes && outOffset_ >= out_.size() / 2) {
      // A client that keeps up but never quite drains the queue (large
      // frames): drop the written part so the buffer does not grow forever.
      out_.erase(0, outOffset_);
      outOffset_ = 0;
    }
    pending = outOffset_ < out_.size();
  }
  if (overflow) {
    closeClient("client does not read (more than " + std::to_string(kMaxQueuedBytes >> 20) + " MiB queued)");
    return;
  }
  if (!failure.empty()) {
    closeClient(failure);
    return;
  }
  if (pending && writeWatch_ == 0) {
    writeWatch_ = g_unix_fd_add(clientFd_, G_IO_OUT, &ControlServer::onClientWritable, this);
  }
}

void ControlServer::flushBlocking(int timeoutMs) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  while (clientFd_ >= 0) {
    flush();
    bool pending;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending = outOffset_ < out_.size();
    }
    if (!pending || clientFd_ < 0) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return;
    pollfd pfd{clientFd_, POLLOUT, 0};
    poll(&pfd, 1, int(left));
  }
}
