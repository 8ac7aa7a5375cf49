#!/usr/bin/env python3
"""Minimal RTSP server for camerad tests.

Serves a live H.264 test pattern at rtsp://127.0.0.1:<port>/test and prints
"ready" on stdout once listening. Usage: rtsp_server.py PORT [WIDTHxHEIGHT] [FPS] [USER:PASS]
With USER:PASS, clients must authenticate (HTTP Basic, RFC 7617); "-" reads USER:PASS from
the first line of stdin (so the password is not in this process's argv either).
Needs python3-gi and gir1.2-gst-rtsp-server-1.0 (Debian: use /usr/bin/python3).
Listens on 127.0.0.1 only. Exits on SIGTERM/SIGINT.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: rtsp_server.py PORT [WIDTHxHEIGHT] [FPS]", file=sys.stderr)
        return 2
    port = int(sys.argv[1])
    width, height = (sys.argv[2].split("x") if len(sys.argv) > 2 else ("320", "240"))
    fps = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    credentials = sys.argv[4] if len(sys.argv) > 4 else ""
    if credentials == "-":
        credentials = sys.stdin.readline().strip()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( videotestsrc is-live=true pattern=ball "
        f"! video/x-raw,width={width},height={height},framerate={fps}/1 "
        "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 "
        "! rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    factory.set_shared(True)
    if credentials:
        user, _, password = credentials.partition(":")
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_role_from_structure(
            Gst.Structure.new_from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
        )
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory("/test", factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print("ready", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
