// A GstRTSPAuth that authenticates a request before the server looks up its path.
//
// gst-rtsp-server 1.22's default auth checks credentials only once a path has matched a
// mount (the media factory check), so DESCRIBE of an unknown path answers 404 to anyone and
// a caller without credentials could list which cameras exist by trying names. This subclass
// answers 401 with the Digest challenge to every DESCRIBE, SETUP, PLAY, ANNOUNCE and RECORD
// without valid credentials, whatever its path. OPTIONS stays open (clients send it first,
// and it names no camera).
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

G_BEGIN_DECLS

#define RTSPD_TYPE_STRICT_AUTH (rtspd_strict_auth_get_type())
G_DECLARE_FINAL_TYPE(RtspdStrictAuth, rtspd_strict_auth, RTSPD, STRICT_AUTH, GstRTSPAuth)

/// Called on the client's thread each time a request of `client` carries valid credentials,
/// before the request is handled.
typedef void (*RtspdAuthenticatedFunc)(GstRTSPClient* client, gpointer user_data);

/// A new auth with the default's Digest and Basic tables (configure it with
/// gst_rtsp_auth_add_digest and gst_rtsp_auth_set_supported_methods as usual).
/// `on_authenticated` (may be null) with `user_data`, which must outlive the auth.
GstRTSPAuth* rtspd_strict_auth_new(RtspdAuthenticatedFunc on_authenticated, gpointer user_data);

G_END_DECLS
