#!/usr/bin/python3
"""Benchmark baseline: a bare GStreamer sender (no project code) of H.264 over RTP to 127.0.0.1
that draws the latency probe strip of docs/latency-probe.md (layout version 1) into every frame:
the wall-clock time (ms since the Unix epoch) at which the frame passes `identity name=probe`.

Needs python3-gi and the GStreamer plugins (base, good, ugly). Prints `ready` when PLAYING;
exits 0 on SIGTERM / SIGINT. The buffer is made writable and mapped through ctypes, because
PyGObject alone maps buffers read-only and holds its own reference (never writable).
"""
import argparse
import ctypes
import signal
import sys

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstVideo', '1.0')
from gi.repository import GLib, Gst, GstVideo  # noqa: E402

BLOCKS, WHITE, BLACK, NEUTRAL = 56, 235, 16, 128
MAP_WRITE = 2  # GST_MAP_WRITE

_gst = ctypes.CDLL('libgstreamer-1.0.so.0')


class _ProbeInfo(ctypes.Structure):  # head of struct GstPadProbeInfo
    _fields_ = [('type', ctypes.c_int), ('id', ctypes.c_ulong), ('data', ctypes.c_void_p)]


class _MapInfo(ctypes.Structure):  # struct GstMapInfo
    _fields_ = [('memory', ctypes.c_void_p), ('flags', ctypes.c_int), ('data', ctypes.c_void_p),
                ('size', ctypes.c_size_t), ('maxsize', ctypes.c_size_t),
                ('user_data', ctypes.c_void_p * 4), ('_gst_reserved', ctypes.c_void_p * 4)]


_gst.gst_mini_object_make_writable.restype = ctypes.c_void_p
_gst.gst_mini_object_make_writable.argtypes = [ctypes.c_void_p]
_gst.gst_buffer_map.restype = ctypes.c_int
_gst.gst_buffer_map.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo), ctypes.c_int]
_gst.gst_buffer_unmap.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo)]


def block_size(width):
    """Block edge in px: clamp(floor(width / 56), 2, 16), rounded down to even."""
    return min(16, max(2, width // BLOCKS)) & ~1


def crc8(data):
    """CRC-8/SMBUS: polynomial 0x07, initial value 0, no reflection, no final XOR."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def strip_bits(ms):
    """The 56 bits, left to right: sync 1010, 44-bit time MSB first, CRC-8 of the time as 6 bytes."""
    ms &= (1 << 44) - 1
    word = (0xA << 52) | (ms << 8) | crc8(ms.to_bytes(6, 'big'))
    return [(word >> (BLOCKS - 1 - i)) & 1 for i in range(BLOCKS)]


class Prober:
    """Pad probe on identity's src pad: draws the strip into each buffer (I420, default layout)."""

    def __init__(self, width, height):
        self.width, self.height, self.block = width, height, block_size(width)
        self.strip_width = min(BLOCKS * self.block, width)
        self.layout = None  # (strides, offsets) from the negotiated caps

    def __call__(self, pad, info):
        if self.layout is None:
            video = GstVideo.VideoInfo.new_from_caps(pad.get_current_caps())
            self.layout = (list(video.stride[:3]), list(video.offset[:3]))
        head = _ProbeInfo.from_address(hash(info))  # hash() of a gi struct is its C address
        buf = _gst.gst_mini_object_make_writable(head.data)  # copies only when shared
        head.data = buf
        mapped = _MapInfo()
        if not _gst.gst_buffer_map(buf, ctypes.byref(mapped), MAP_WRITE):
            return Gst.PadProbeReturn.OK
        try:
            self.draw(memoryview((ctypes.c_ubyte * mapped.size).from_address(mapped.data)).cast('B'),
                      GLib.get_real_time() // 1000)
        finally:
            _gst.gst_buffer_unmap(buf, ctypes.byref(mapped))
        return Gst.PadProbeReturn.OK

    def draw(self, data, ms):
        (ys, us, vs), (yo, uo, vo) = self.layout
        b, w, h = self.block, self.strip_width, self.height
        row = b''.join(bytes([WHITE if bit else BLACK]) * b for bit in strip_bits(ms))[:w]
        for y in range(h - b, h):
            data[yo + y * ys:yo + y * ys + w] = row
        grey = bytes([NEUTRAL]) * ((w + 1) // 2)
        for y in range((h - b) // 2, h // 2):
            data[uo + y * us:uo + y * us + len(grey)] = grey
            data[vo + y * vs:vo + y * vs + len(grey)] = grey


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--width', type=int, default=1280)
    ap.add_argument('--height', type=int, default=720)
    ap.add_argument('--fps', type=int, default=30)
    ap.add_argument('--bitrate', type=int, default=2500, help='kbit/s')
    ap.add_argument('--keyframe-interval', type=int, default=60, help='frames')
    ap.add_argument('--port', type=int, required=True, help='UDP port on 127.0.0.1')
    ap.add_argument('--pattern', default='ball',
                    help='videotestsrc pattern, moving as camerad\'s test:// moves it (default ball)')
    ap.add_argument('--probe', action=argparse.BooleanOptionalAction, default=True,
                    help='draw the latency probe strip (default on)')
    a = ap.parse_args()

    Gst.init(None)
    # As camerad's test:// source: patterns other than ball scroll, so x264 has work to do.
    motion = '' if a.pattern == 'ball' else ' horizontal-speed=4'
    pipeline = Gst.parse_launch(
        f'videotestsrc is-live=true pattern={a.pattern}{motion} ! video/x-raw,format=I420,width={a.width},'
        f'height={a.height},framerate={a.fps}/1 ! identity name=probe ! x264enc tune=zerolatency '
        f'speed-preset=ultrafast bitrate={a.bitrate} key-int-max={a.keyframe_interval} '
        'option-string=scenecut=0 ! video/x-h264,profile=constrained-baseline ! '
        'h264parse config-interval=-1 ! rtph264pay pt=96 config-interval=0 '
        'aggregate-mode=zero-latency mtu=1200 ! '
        f'udpsink host=127.0.0.1 port={a.port} sync=false async=false')
    if a.probe:
        pad = pipeline.get_by_name('probe').get_static_pad('src')
        pad.add_probe(Gst.PadProbeType.BUFFER, Prober(a.width, a.height))

    loop = GLib.MainLoop()
    status = {'code': 0, 'ready': False}

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            print(f'probe_sender: {err.message}', file=sys.stderr)
            status['code'] = 1
            loop.quit()
        elif msg.type == Gst.MessageType.STATE_CHANGED and msg.src == pipeline and not status['ready']:
            if msg.parse_state_changed()[1] == Gst.State.PLAYING:
                status['ready'] = True
                print('ready', flush=True)

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect('message', on_message)
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        print('probe_sender: cannot start the pipeline', file=sys.stderr)
        return 1
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    return status['code']


if __name__ == '__main__':
    sys.exit(main())
