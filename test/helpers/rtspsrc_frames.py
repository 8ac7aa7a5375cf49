#!/usr/bin/env python3
"""Reads an RTSP stream with GStreamer's rtspsrc, decodes it, and counts frames by stream time.

Usage: rtspsrc_frames.py URL tcp|udp SECONDS  (credentials: USER:PASS on the first line of stdin,
so they are not in argv). Counts the decoded frames whose presentation time is within SECONDS
of the first one, then prints one JSON line {"frames", "width", "height", "seconds"} and exits 0;
exits 1 with a message on an error or when the stream ends first.
Needs python3-gi (Debian: use /usr/bin/python3).
"""
import json
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def main() -> int:
    url, transport, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    user, _, password = sys.stdin.readline().strip().partition(":")
    Gst.init(None)
    pipeline = Gst.parse_launch(
        "rtspsrc name=src ! rtph264depay ! avdec_h264 ! video/x-raw ! fakesink name=sink sync=false"
    )
    src = pipeline.get_by_name("src")
    src.set_property("location", url)
    src.set_property("user-id", user)
    src.set_property("user-pw", password)
    src.set_property("protocols", "tcp" if transport == "tcp" else "udp")
    loop = GLib.MainLoop()
    state = {"first": None, "frames": 0, "width": 0, "height": 0, "done": False, "error": None}
    limit = int(seconds * Gst.SECOND)

    def on_buffer(pad, info):
        buffer = info.get_buffer()
        if state["done"] or buffer.pts == Gst.CLOCK_TIME_NONE:
            return Gst.PadProbeReturn.OK
        if state["first"] is None:
            state["first"] = buffer.pts
            caps = pad.get_current_caps().get_structure(0)
            state["width"], state["height"] = caps.get_value("width"), caps.get_value("height")
        if buffer.pts - state["first"] < limit:
            state["frames"] += 1
        else:
            state["done"] = True
            GLib.idle_add(loop.quit)
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_buffer)

    def on_message(_bus, message):
        if message.type == Gst.MessageType.ERROR:
            state["error"] = message.parse_error()[0].message
            loop.quit()
        elif message.type == Gst.MessageType.EOS:
            loop.quit()

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    pipeline.set_state(Gst.State.PLAYING)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    if not state["done"]:
        print(f"rtspsrc_frames: {state['error'] or 'stream ended early'}", file=sys.stderr)
        return 1
    print(json.dumps({"frames": state["frames"], "width": state["width"], "height": state["height"], "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
