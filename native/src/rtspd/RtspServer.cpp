#include "RtspServer.h"

#include <cstdio>

#include "RtspSocketProgress.h"
#include "RtspStrictAuth.h"

namespace {

constexpr const char* kRole = "viewer";
/// A refused connection is closed this long after it connected (its 503 has gone out).
constexpr int64_t kRefusedGraceUs = 2 * G_USEC_PER_SEC;
/// Send buffer of each client's socket: about 1.6 s of a 2.5 Mbit/s stream (the client's
/// backlog of 100 messages in gst-rtsp-server comes on top).
constexpr int kClientSendBuffer = 512 * 1024;

void log(const char* level, const std::string& message) {
  std::fprintf(stderr, "rtspd %s: %s\n", level, message.c_str());
}

std::string clientAddress(GstRTSPClient* client) {
  GstRTSPConnection* conn = gst_rtsp_client_get_connection(client);
  const gchar* ip = conn ? gst_rtsp_connection_get_ip(conn) : nullptr;
  return ip ? ip : "";
}

}  // namespace

RtspServer::RtspServer(const RtspConfig& config, RtspEvents& events)
    : config_(config),
      events_(events),
      clients_({config.maxClients, config.maxPendingClients, config.maxPendingPerAddress}) {}

RtspServer::~RtspServer() {
  if (tick_) g_source_remove(tick_);
  if (stats_) g_source_remove(stats_);
  if (attach_) g_source_remove(attach_);
  if (server_) g_object_unref(server_);
}

bool RtspServer::start(std::string& error) {
  server_ = gst_rtsp_server_new();
  gst_rtsp_server_set_address(server_, config_.host.c_str());
  gst_rtsp_server_set_service(server_, std::to_string(config_.port).c_str());
  // Bounds the connections the server takes before we see them; ours is maxClients.
  gst_rtsp_server_set_backlog(server_, static_cast<gint>(config_.maxClients) + 5);

  // 1. Digest only (RFC 2617): Basic would carry the password in clear. No default token,
  //    so every request without valid credentials is answered 401, before its path is
  //    looked up (RtspStrictAuth.h): unknown and known cameras look the same to a stranger.
  GstRTSPAuth* auth = rtspd_strict_auth_new(onAuthenticated, this);
  gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
  for (const RtspUser& user : config_.users) {
    GstRTSPToken* token = gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, kRole, NULL);
    gst_rtsp_auth_add_digest(auth, user.name.c_str(), user.password.c_str(), token);
    gst_rtsp_token_unref(token);
  }
  gst_rtsp_server_set_auth(server_, auth);
  g_object_unref(auth);

  // 2. One shared media per camera: the camera's RTP as the server rewrote it (one SSRC,
  //    continuous sequence numbers and timestamps) goes out unchanged to every client.
  GstRTSPMountPoints* mounts = gst_rtsp_server_get_mount_points(server_);
  GstRTSPLowerTrans protocols = static_cast<GstRTSPLowerTrans>(
      (config_.udp ? GST_RTSP_LOWER_TRANS_UDP : 0) | (config_.tcp ? GST_RTSP_LOWER_TRANS_TCP : 0));
  for (const RtspMount& mount : config_.mounts) {
    GstRTSPMediaFactory* factory = gst_rtsp_media_factory_new();
    // rtsprtprelay (RtspRtpRelay.h): udpsrc on 127.0.0.1 that tells RTP-Info its position.
    const std::string launch = "( rtsprtprelay name=pay0 port=" + std::to_string(mount.rtpPort) +
                               " source-port=" + std::to_string(config_.sourcePort) + " )";
    gst_rtsp_media_factory_set_launch(factory, launch.c_str());
    gst_rtsp_media_factory_set_shared(factory, TRUE);
    gst_rtsp_media_factory_set_protocols(factory, protocols);
    gst_rtsp_media_factory_add_role(factory, kRole, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS, G_TYPE_BOOLEAN, TRUE,
                                    GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, G_TYPE_BOOLEAN, TRUE, NULL);
    gst_rtsp_mount_points_add_factory(mounts, mount.path.c_str(), factory);
  }
  // 3. Any other path: 404, but only to a client with valid credentials (see 1.).
  g_object_unref(mounts);

  g_signal_connect(server_, "client-connected", G_CALLBACK(onClientConnected), this);
  attach_ = gst_rtsp_server_attach(server_, nullptr);
  if (attach_ == 0) {
    error = "cannot listen on " + config_.host + ":" + std::to_string(config_.port);
    return false;
  }
  tick_ = g_timeout_add_seconds(1, onTick, this);
  stats_ = g_timeout_add(config_.statsIntervalMs, onStats, this);
  events_.emit({{"event", "listening"}, {"host", config_.host}, {"port", gst_rtsp_server_get_bound_port(server_)}});
  log("info", "listening on " + config_.host + ":" + std::to_string(gst_rtsp_server_get_bound_port(server_)));
  return true;
}

void RtspServer::onClientConnected(GstRTSPServer*, GstRTSPClient* client, gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  const std::string address = clientAddress(client);
  std::string reason;
  const uint64_t id = self->clients_.add(client, address, g_get_monotonic_time(), reason);
  g_signal_connect(client, "closed", G_CALLBACK(onClientClosed), self);
  // 4. A refused connection (over a bound, now or when it authenticates) gets 503 to
  //    DESCRIBE, SETUP and PLAY, then is closed. (Not OPTIONS: gst-rtsp-server 1.22 frees a
  //    stack message when its pre-options-request handler refuses, and aborts.)
  for (const char* signal : {"pre-describe-request", "pre-setup-request", "pre-play-request"})
    g_signal_connect(client, signal, G_CALLBACK(refuseIfRefused), self);
  if (id == 0) {
    // No stderr line per refusal (a stranger could flood it): the event carries address and
    // reason, and the server rate-limits its log lines.
    self->events_.emit({{"event", "client"}, {"action", "refused"}, {"address", address}, {"reason", reason}});
    return;
  }
  GstRTSPConnection* conn = gst_rtsp_client_get_connection(client);
  GSocket* socket = conn ? gst_rtsp_connection_get_write_socket(conn) : nullptr;
  if (socket) RtspSocketProgress::limitSendBuffer(g_socket_get_fd(socket), kClientSendBuffer);
  // 5. A session that times out closes its connection at once (no extra TCP grace).
  g_object_set(client, "post-session-timeout", 0, NULL);
  g_signal_connect(client, "new-session", G_CALLBACK(onNewSession), self);
  g_signal_connect(client, "play-request", G_CALLBACK(onPlay), self);
  self->events_.emit({{"event", "client"}, {"action", "connected"}, {"id", id}, {"address", address}});
  self->emitStats();
}

GstRTSPStatusCode RtspServer::refuseIfRefused(GstRTSPClient* client, GstRTSPContext*, gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  return self->clients_.isRefused(client) ? GST_RTSP_STS_SERVICE_UNAVAILABLE : GST_RTSP_STS_OK;
}

void RtspServer::onAuthenticated(GstRTSPClient* client, gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  const RtspClientTable::Auth result = self->clients_.authenticate(client, g_get_monotonic_time());
  if (result == RtspClientTable::Auth::Counted) {
    self->emitStats();
    return;
  }
  if (result != RtspClientTable::Auth::Refused) return;
  const std::string address = clientAddress(client);
  self->events_.emit({{"event", "client"},
                      {"action", "refused"},
                      {"id", self->clients_.idOf(client)},
                      {"address", address},
                      {"reason", "max_clients"}});
  self->emitStats();
}

void RtspServer::onClientClosed(GstRTSPClient* client, gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  const RtspClientTable::Record record = self->clients_.remove(client);
  if (record.id == 0) return;  // refused when it connected: never reported as connected
  nlohmann::json event = {{"event", "client"},
                          {"action", record.dropped ? "dropped" : "left"},
                          {"id", record.id},
                          {"address", record.address}};
  if (!record.camera.empty()) event["camera"] = record.camera;
  if (record.dropped) {
    event["reason"] = record.dropReason;
    log("warn", "dropped RTSP client " + std::to_string(record.id) + " from " + record.address + ": " +
                    record.dropReason);
  }
  self->events_.emit(event);
  self->emitStats();
}

void RtspServer::onNewSession(GstRTSPClient* client, GstRTSPSession* session, gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  gst_rtsp_session_set_timeout(session, self->config_.clientTimeoutS);
  self->clients_.addSession(client, session);
}

void RtspServer::onPlay(GstRTSPClient* client, GstRTSPContext* ctx, gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  if (!ctx->uri) return;
  const std::string camera = self->cameraOf(ctx->uri->abspath ? ctx->uri->abspath : "");
  if (camera.empty()) return;
  self->clients_.setCamera(client, camera);
  self->events_.emit({{"event", "play"}, {"camera", camera}, {"id", self->clients_.idOf(client)}});
  self->emitStats();
}

std::string RtspServer::cameraOf(const std::string& path) const {
  for (const RtspMount& mount : config_.mounts) {
    if (path == mount.path) return mount.camera;
    if (path.size() > mount.path.size() && path.compare(0, mount.path.size(), mount.path) == 0 &&
        path[mount.path.size()] == '/')
      return mount.camera;
  }
  return "";
}

GstRTSPFilterResult RtspServer::filterClient(GstRTSPServer*, GstRTSPClient* client, gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  const int64_t now = g_get_monotonic_time();
  // 5b. A connection that sent no valid credentials for authTimeoutS is closed: a stranger's
  //     idle sockets do not keep their places.
  if (self->clients_.pendingExpired(client, now, static_cast<int64_t>(self->config_.authTimeoutS) * G_USEC_PER_SEC)) {
    const std::string address = clientAddress(client);
    self->events_.emit({{"event", "client"},
                        {"action", "refused"},
                        {"id", self->clients_.idOf(client)},
                        {"address", address},
                        {"reason", "auth_timeout"}});
    return GST_RTSP_FILTER_REMOVE;
  }
  if (self->clients_.isRefused(client))
    return self->clients_.refusedDue(client, now, kRefusedGraceUs) ? GST_RTSP_FILTER_REMOVE : GST_RTSP_FILTER_KEEP;
  // 6. A client whose socket took nothing for clientTimeoutS while data waited stopped
  //    reading: its session cannot expire (TCP transports keep it alive), so drop it here.
  //    Until then its backlog drops packets (drop-backlog) and the shared media never waits.
  GstRTSPConnection* conn = gst_rtsp_client_get_connection(client);
  GSocket* socket = conn ? gst_rtsp_connection_get_write_socket(conn) : nullptr;
  uint64_t pending = 0, acked = 0;
  if (!socket || !RtspSocketProgress::read(g_socket_get_fd(socket), pending, acked)) return GST_RTSP_FILTER_KEEP;
  if (!self->clients_.stalled(client, pending, acked, now,
                              static_cast<int64_t>(self->config_.clientTimeoutS) * G_USEC_PER_SEC))
    return GST_RTSP_FILTER_KEEP;
  self->clients_.markDropped(client, "not reading");
  return GST_RTSP_FILTER_REMOVE;
}

GstRTSPFilterResult RtspServer::filterSession(GstRTSPSessionPool*, GstRTSPSession* session, gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  if (gst_rtsp_session_is_expired_usec(session, g_get_monotonic_time()))
    self->clients_.markSessionDropped(session, "session timeout");
  return GST_RTSP_FILTER_KEEP;
}

gboolean RtspServer::onTick(gpointer data) {
  auto* self = static_cast<RtspServer*>(data);
  GstRTSPSessionPool* pool = gst_rtsp_server_get_session_pool(self->server_);
  // 7. Expired sessions (UDP clients that sent no keep-alive) are removed; with
  //    post-session-timeout 0 their connections close too.
  GList* none = gst_rtsp_session_pool_filter(pool, filterSession, self);
  g_list_free_full(none, g_object_unref);
  gst_rtsp_session_pool_cleanup(pool);
  g_object_unref(pool);
  GList* removed = gst_rtsp_server_client_filter(self->server_, filterClient, self);
  g_list_free_full(removed, g_object_unref);
  return G_SOURCE_CONTINUE;
}

gboolean RtspServer::onStats(gpointer data) {
  static_cast<RtspServer*>(data)->emitStats();
  return G_SOURCE_CONTINUE;
}

void RtspServer::emitStats() {
  nlohmann::json mounts = nlohmann::json::object();
  for (const RtspMount& mount : config_.mounts) mounts[mount.camera] = 0;
  for (const auto& [camera, count] : clients_.perCamera()) mounts[camera] = count;
  events_.emit({{"event", "stats"}, {"clients", clients_.clients()}, {"pending", clients_.pending()}, {"mounts", mounts}});
}
