#include "RtspRtpRelay.h"

#include <gio/gio.h>
#include <gst/net/gstnetaddressmeta.h>

struct _RtspRtpRelay {
  GstBin parent;
  GstElement* src;
  GMutex lock;
  gboolean seen;
  guint16 seqnum;  // of the last packet passed
  guint32 timestamp;
  guint sourcePort;  // 0: any
};

G_DEFINE_TYPE(RtspRtpRelay, rtsp_rtp_relay, GST_TYPE_BIN)

namespace {

enum { PROP_0, PROP_PORT, PROP_SEQNUM, PROP_TIMESTAMP, PROP_PT, PROP_SOURCE_PORT };

constexpr const char* kCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96,"
    "packetization-mode=(string)1";

GstStaticPadTemplate srcTemplate = GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/// True when `buffer` came from 127.0.0.1:sourcePort (or any sender when sourcePort is 0).
bool fromServer(RtspRtpRelay* self, GstBuffer* buffer) {
  if (self->sourcePort == 0) return true;
  GstNetAddressMeta* meta = gst_buffer_get_net_address_meta(buffer);
  if (!meta || !G_IS_INET_SOCKET_ADDRESS(meta->addr)) return false;
  GInetSocketAddress* from = G_INET_SOCKET_ADDRESS(meta->addr);
  if (g_inet_socket_address_get_port(from) != self->sourcePort) return false;
  return g_inet_address_get_is_loopback(g_inet_socket_address_get_address(from));
}

void note(RtspRtpRelay* self, GstBuffer* buffer) {
  guint8 header[8];
  if (gst_buffer_extract(buffer, 0, header, sizeof(header)) != sizeof(header)) return;
  g_mutex_lock(&self->lock);
  self->seen = TRUE;
  self->seqnum = static_cast<guint16>((header[2] << 8) | header[3]);
  self->timestamp = (static_cast<guint32>(header[4]) << 24) | (header[5] << 16) | (header[6] << 8) | header[7];
  g_mutex_unlock(&self->lock);
}

/// Buffer probe on udpsrc's src pad (udpsrc pushes single buffers, never lists): drops packets
/// from other senders and notes the last one passed.
GstPadProbeReturn onData(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<RtspRtpRelay*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!fromServer(self, buffer)) return GST_PAD_PROBE_DROP;
  note(self, buffer);
  return GST_PAD_PROBE_OK;
}

void setProperty(GObject* object, guint id, const GValue* value, GParamSpec* pspec) {
  auto* self = RTSP_RTP_RELAY(object);
  if (id == PROP_PORT)
    g_object_set(self->src, "port", static_cast<gint>(g_value_get_uint(value)), NULL);
  else if (id == PROP_SOURCE_PORT)
    self->sourcePort = g_value_get_uint(value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
}

void getProperty(GObject* object, guint id, GValue* value, GParamSpec* pspec) {
  auto* self = RTSP_RTP_RELAY(object);
  g_mutex_lock(&self->lock);
  switch (id) {
    case PROP_PORT: {
      gint port = 0;
      g_object_get(self->src, "port", &port, NULL);
      g_value_set_uint(value, static_cast<guint>(port));
      break;
    }
    case PROP_SEQNUM:
      // The next packet a joining client gets.
      g_value_set_uint(value, static_cast<guint16>(self->seqnum + (self->seen ? 1 : 0)));
      break;
    case PROP_TIMESTAMP:
      g_value_set_uint(value, self->timestamp);
      break;
    case PROP_PT:
      g_value_set_uint(value, 96);
      break;
    case PROP_SOURCE_PORT:
      g_value_set_uint(value, self->sourcePort);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
  g_mutex_unlock(&self->lock);
}

void finalize(GObject* object) {
  g_mutex_clear(&RTSP_RTP_RELAY(object)->lock);
  G_OBJECT_CLASS(rtsp_rtp_relay_parent_class)->finalize(object);
}

}  // namespace

static void rtsp_rtp_relay_class_init(RtspRtpRelayClass* klass) {
  GObjectClass* object = G_OBJECT_CLASS(klass);
  object->set_property = setProperty;
  object->get_property = getProperty;
  object->finalize = finalize;
  const auto rw = static_cast<GParamFlags>(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  const auto ro = static_cast<GParamFlags>(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_property(object, PROP_PORT,
                                  g_param_spec_uint("port", "Port", "UDP port on 127.0.0.1", 0, 65535, 0, rw));
  g_object_class_install_property(object, PROP_SEQNUM,
                                  g_param_spec_uint("seqnum", "Seqnum", "Next RTP sequence number", 0, 65535, 0, ro));
  g_object_class_install_property(
      object, PROP_TIMESTAMP, g_param_spec_uint("timestamp", "Timestamp", "Last RTP timestamp", 0, G_MAXUINT32, 0, ro));
  g_object_class_install_property(
      object, PROP_SOURCE_PORT,
      g_param_spec_uint("source-port", "Source port", "Only RTP from 127.0.0.1:<this> (0: any)", 0, 65535, 0, rw));
  g_object_class_install_property(object, PROP_PT,
                                  g_param_spec_uint("pt", "Payload type", "RTP payload type", 0, 127, 96, ro));
  GstElementClass* element = GST_ELEMENT_CLASS(klass);
  gst_element_class_add_static_pad_template(element, &srcTemplate);
  gst_element_class_set_static_metadata(element, "RTP relay", "Source/Network",
                                        "Passes RTP from 127.0.0.1 through for gst-rtsp-server", "rtspd");
}

static void rtsp_rtp_relay_init(RtspRtpRelay* self) {
  g_mutex_init(&self->lock);
  self->seen = FALSE;
  self->seqnum = 0;
  self->timestamp = 0;
  self->sourcePort = 0;
  self->src = gst_element_factory_make("udpsrc", nullptr);
  GstCaps* caps = gst_caps_from_string(kCaps);
  g_object_set(self->src, "address", "127.0.0.1", "buffer-size", 2097152, "caps", caps, NULL);
  gst_caps_unref(caps);
  gst_bin_add(GST_BIN(self), self->src);
  GstPad* target = gst_element_get_static_pad(self->src, "src");
  gst_pad_add_probe(target, GST_PAD_PROBE_TYPE_BUFFER, onData, self, nullptr);
  GstPad* ghost = gst_ghost_pad_new_from_template("src", target, gst_static_pad_template_get(&srcTemplate));
  gst_object_unref(target);
  gst_element_add_pad(GST_ELEMENT(self), ghost);
}

bool rtspRtpRelayRegister() {
  return gst_element_register(nullptr, "rtsprtprelay", GST_RANK_NONE, RTSP_TYPE_RTP_RELAY);
}
