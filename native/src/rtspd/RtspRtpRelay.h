// The element "rtsprtprelay": a bin around udpsrc (127.0.0.1:<port>) that passes the
// camera's RTP through unchanged and is the "pay0" of each camera's RTSP media.
//
// Why not a bare `udpsrc name=pay0`: gst-rtsp-server (1.22, rtsp-stream.c
// gst_rtsp_stream_get_rtpinfo) builds the PLAY reply's RTP-Info from the payloader's
// "stats" or "seqnum"/"timestamp" properties once the shared media runs; udpsrc has
// neither, so every client after the first got "500 Internal Server Error" on PLAY.
// This element reports the next sequence number and the last timestamp it passed, and
// passes only packets from 127.0.0.1:<source-port> (the server's forwarding socket), so
// another local process cannot inject video into the RTSP clients.
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS
#define RTSP_TYPE_RTP_RELAY (rtsp_rtp_relay_get_type())
G_DECLARE_FINAL_TYPE(RtspRtpRelay, rtsp_rtp_relay, RTSP, RTP_RELAY, GstBin)
G_END_DECLS

/// Registers "rtsprtprelay" (statically, no plugin). Call once after gst_init.
bool rtspRtpRelayRegister();
