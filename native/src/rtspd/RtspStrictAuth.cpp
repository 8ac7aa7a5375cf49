#include "RtspStrictAuth.h"

struct _RtspdStrictAuth {
  GstRTSPAuth parent;
  RtspdAuthenticatedFunc onAuthenticated;
  gpointer userData;
};

G_DEFINE_TYPE(RtspdStrictAuth, rtspd_strict_auth, GST_TYPE_RTSP_AUTH)

namespace {

/// The methods that name a mount (or act on a session made by one): these need credentials.
constexpr int kNeedsCredentials = GST_RTSP_DESCRIBE | GST_RTSP_SETUP | GST_RTSP_PLAY | GST_RTSP_PAUSE |
                                  GST_RTSP_ANNOUNCE | GST_RTSP_RECORD;

/// 401 with the auth's challenge header (the default auth's own answer, rtsp-auth.c send_response).
void sendUnauthorized(GstRTSPAuth* auth, GstRTSPContext* ctx) {
  gst_rtsp_message_init_response(ctx->response, GST_RTSP_STS_UNAUTHORIZED,
                                 gst_rtsp_status_as_text(GST_RTSP_STS_UNAUTHORIZED), ctx->request);
  GstRTSPAuthClass* klass = GST_RTSP_AUTH_GET_CLASS(auth);
  if (klass->generate_authenticate_header) klass->generate_authenticate_header(auth, ctx);
  gst_rtsp_client_send_message(ctx->client, ctx->session, ctx->response);
}

gboolean strictCheck(GstRTSPAuth* auth, GstRTSPContext* ctx, const gchar* check) {
  if (g_str_equal(check, GST_RTSP_AUTH_CHECK_URL) && (ctx->method & kNeedsCredentials) != 0) {
    // authenticate() sets ctx->token when the Authorization header holds valid credentials
    // (there is no default token, so it stays null otherwise).
    GstRTSPAuthClass* klass = GST_RTSP_AUTH_GET_CLASS(auth);
    if (ctx->token == nullptr && klass->authenticate) klass->authenticate(auth, ctx);
    if (ctx->token == nullptr) {
      sendUnauthorized(auth, ctx);
      return FALSE;  // the client sends no further reply: ours is already sent
    }
    RtspdStrictAuth* self = RTSPD_STRICT_AUTH(auth);
    if (self->onAuthenticated) self->onAuthenticated(ctx->client, self->userData);
  }
  return GST_RTSP_AUTH_CLASS(rtspd_strict_auth_parent_class)->check(auth, ctx, check);
}

}  // namespace

static void rtspd_strict_auth_class_init(RtspdStrictAuthClass* klass) {
  GST_RTSP_AUTH_CLASS(klass)->check = strictCheck;
}

static void rtspd_strict_auth_init(RtspdStrictAuth* auth) {
  auth->onAuthenticated = nullptr;
  auth->userData = nullptr;
}

GstRTSPAuth* rtspd_strict_auth_new(RtspdAuthenticatedFunc on_authenticated, gpointer user_data) {
  auto* auth = RTSPD_STRICT_AUTH(g_object_new(RTSPD_TYPE_STRICT_AUTH, nullptr));
  auth->onAuthenticated = on_authenticated;
  auth->userData = user_data;
  return GST_RTSP_AUTH(auth);
}
