// rtspd: the box's RTSP server for NVRs (native/PROTOCOL.md, "rtspd").
// Reads one JSON config line on stdin, serves until stdin closes or SIGTERM/SIGINT.
// Exit codes: 0 stopped, 2 bad configuration, 1 cannot listen or other failure.
#include <glib-unix.h>
#include <gst/gst.h>

#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>

#include "RtspConfig.h"
#include "RtspEvents.h"
#include "RtspRtpRelay.h"
#include "RtspServer.h"

namespace {

gboolean quit(gpointer loop) {
  g_main_loop_quit(static_cast<GMainLoop*>(loop));
  return G_SOURCE_REMOVE;
}

gboolean onStdin(GIOChannel* channel, GIOCondition condition, gpointer loop) {
  // Only EOF matters after the config line: the server is gone, so is rtspd.
  gchar buffer[256];
  gsize got = 0;
  if (condition & (G_IO_HUP | G_IO_ERR)) return quit(loop);
  GIOStatus status = g_io_channel_read_chars(channel, buffer, sizeof(buffer), &got, nullptr);
  if (status == G_IO_STATUS_EOF || status == G_IO_STATUS_ERROR) return quit(loop);
  return G_SOURCE_CONTINUE;
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(&argc, &argv);
  rtspRtpRelayRegister();
  RtspEvents events;
  std::string line;
  if (!std::getline(std::cin, line)) {
    std::fprintf(stderr, "rtspd error: no configuration line on stdin\n");
    events.emit({{"event", "error"}, {"message", "no configuration line on stdin"}});
    return 2;
  }
  RtspConfig config;
  try {
    config = RtspConfig::parse(line);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "rtspd error: bad configuration: %s\n", e.what());
    events.emit({{"event", "error"}, {"message", std::string("bad configuration: ") + e.what()}});
    return 2;
  }
  line.assign(line.size(), '\0');  // the passwords live on only in the server's auth

  GMainLoop* loop = g_main_loop_new(nullptr, FALSE);
  int code = 0;
  {
    RtspServer server(config, events);
    std::string error;
    if (!server.start(error)) {
      std::fprintf(stderr, "rtspd error: %s\n", error.c_str());
      events.emit({{"event", "error"}, {"message", error}});
      code = 1;
    } else {
      g_unix_signal_add(SIGTERM, quit, loop);
      g_unix_signal_add(SIGINT, quit, loop);
      GIOChannel* in = g_io_channel_unix_new(0);
      g_io_channel_set_encoding(in, nullptr, nullptr);
      g_io_add_watch(in, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR), onStdin, loop);
      g_main_loop_run(loop);
      g_io_channel_unref(in);
      events.emit({{"event", "stopped"}});
    }
  }
  g_main_loop_unref(loop);
  return code;
}
