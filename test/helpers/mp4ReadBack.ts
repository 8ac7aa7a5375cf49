import { spawnSync } from 'node:child_process';

/** What GStreamer reads back from an MP4 file. */
export interface Mp4ReadBack {
  /** Frames decoded (qtdemux → h264parse → avdec_h264). */
  frames: number;
  /** Smallest and largest frame PTS, s (NaN without frames). */
  firstPts: number;
  lastPts: number;
  /** End of the last frame (PTS + duration), s; 0 without frames. */
  endS: number;
  /** Decoded picture size, px (0 when nothing decoded). */
  width: number;
  height: number;
  /** The pipeline's last 2000 characters of output, for failure messages. */
  log: string;
}

const hms = (h: string, m: string, s: string): number => Number(h) * 3600 + Number(m) * 60 + Number(s);

/**
 * Decodes an MP4 with GStreamer and counts the decoded frames: a fragmented MP4 cut by a crash
 * decodes up to its last complete fragment (its header may report a shorter duration, so frames
 * are counted, not read from the header).
 */
export function readBackMp4(path: string): Mp4ReadBack {
  const run = spawnSync(
    'gst-launch-1.0',
    [
      '-v',
      'filesrc',
      `location=${path}`,
      '!',
      'qtdemux',
      '!',
      'h264parse',
      '!',
      'avdec_h264',
      'name=dec',
      '!',
      'identity',
      'name=frames',
      'silent=false',
      '!',
      'fakesink',
      'sync=false',
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 },
  );
  const log = `${run.stdout}\n${run.stderr}`;
  const pattern = /frames: last-message = chain.*?pts: (\d+):(\d+):([\d.]+), duration: (\d+):(\d+):([\d.]+)/g;
  const pts: number[] = [];
  let endS = 0;
  for (const m of log.matchAll(pattern)) {
    const at = hms(m[1]!, m[2]!, m[3]!);
    pts.push(at);
    endS = Math.max(endS, at + hms(m[4]!, m[5]!, m[6]!));
  }
  const caps = /dec\.GstPad:src: caps = video\/x-raw.*?width=\(int\)(\d+), height=\(int\)(\d+)/.exec(log);
  return {
    frames: pts.length,
    firstPts: pts.length ? Math.min(...pts) : NaN,
    lastPts: pts.length ? Math.max(...pts) : NaN,
    endS,
    width: caps ? Number(caps[1]) : 0,
    height: caps ? Number(caps[2]) : 0,
    log: log.slice(-2000),
  };
}
