// The box's RTSP server (GStreamer's gst-rtsp-server): one mount per camera that
// passes the camera's RTP through (no depayload, no encode), RTSP Digest only,
// a bound on connections, and drops of clients that stop reading or time out.
// Events go out through RtspEvents (native/PROTOCOL.md, "rtspd").
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <string>

#include "RtspClientTable.h"
#include "RtspConfig.h"
#include "RtspEvents.h"

class RtspServer {
 public:
  RtspServer(const RtspConfig& config, RtspEvents& events);
  ~RtspServer();
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  /// Binds and attaches to the default main context. Returns false (with a message in
  /// `error`) when the address cannot be bound. Emits "listening" with the bound port.
  bool start(std::string& error);

 private:
  static void onClientConnected(GstRTSPServer* server, GstRTSPClient* client, gpointer self);
  static void onClientClosed(GstRTSPClient* client, gpointer self);
  static void onNewSession(GstRTSPClient* client, GstRTSPSession* session, gpointer self);
  static void onPlay(GstRTSPClient* client, GstRTSPContext* ctx, gpointer self);
  static void onAuthenticated(GstRTSPClient* client, gpointer self);
  static GstRTSPStatusCode refuseIfRefused(GstRTSPClient* client, GstRTSPContext* ctx, gpointer self);
  static GstRTSPFilterResult filterClient(GstRTSPServer* server, GstRTSPClient* client, gpointer self);
  static GstRTSPFilterResult filterSession(GstRTSPSessionPool* pool, GstRTSPSession* session, gpointer self);
  static gboolean onTick(gpointer self);
  static gboolean onStats(gpointer self);

  /// The camera whose mount `path` names ("/cam", "/cam/", "/cam/stream=0"), or "".
  std::string cameraOf(const std::string& path) const;
  void emitStats();

  RtspConfig config_;
  RtspEvents& events_;
  RtspClientTable clients_;
  GstRTSPServer* server_ = nullptr;
  guint tick_ = 0;
  guint stats_ = 0;
  guint attach_ = 0;
};
