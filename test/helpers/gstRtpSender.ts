import { type ChildProcess, spawn } from 'node:child_process';

/**
 * A bare GStreamer H.264 RTP sender (no project code): videotestsrc → x264enc → rtph264pay →
 * udpsink on 127.0.0.1, with the caps pinned as in ../shared/design/MEDIA-NOTES.md.
 * Used as an independent RTP source for SFU contract tests and as the benches' baseline.
 */
export function startGstRtpSender(options: {
  port: number;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  keyframeInterval?: number;
}): ChildProcess {
  const { port, width = 640, height = 360, fps = 30, bitrateKbps = 1000, keyframeInterval = 30 } = options;
  const args = [
    '-q',
    'videotestsrc',
    'is-live=true',
    'pattern=ball',
    '!',
    `video/x-raw,format=I420,width=${width},height=${height},framerate=${fps}/1`,
    '!',
    'x264enc',
    'tune=zerolatency',
    'speed-preset=ultrafast',
    `bitrate=${bitrateKbps}`,
    `key-int-max=${keyframeInterval}`,
    'option-string=scenecut=0',
    '!',
    'video/x-h264,profile=constrained-baseline',
    '!',
    'h264parse',
    'config-interval=-1',
    '!',
    'rtph264pay',
    'config-interval=-1',
    'pt=96',
    'mtu=1200',
    '!',
    'udpsink',
    'host=127.0.0.1',
    `port=${port}`,
    'sync=false',
  ];
  return spawn('gst-launch-1.0', args, { stdio: 'ignore' });
}

/** Stops a child process: SIGTERM, then SIGKILL after 2 s; resolves when it exited. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
