import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Plays `url` back from the RTMP server and decodes it (rtmp2src ! flvdemux ! h264parse !
 * avdec_h264): the decoded picture's size. Retries while the server has no stream yet.
 */
export async function pulledSize(url: string, timeoutMs = 30_000): Promise<{ width: number; height: number }> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const { stdout } = await run(
        'gst-launch-1.0',
        [
          '-v',
          'rtmp2src',
          `location=${url}`,
          'num-buffers=60',
          '!',
          'flvdemux',
          '!',
          'h264parse',
          '!',
          'avdec_h264',
          'name=dec',
          '!',
          'fakesink',
        ],
        { timeout: 20_000 },
      );
      const caps = /dec\.GstPad:src: caps = video\/x-raw[^\n]*?width=\(int\)(\d+), height=\(int\)(\d+)/.exec(stdout);
      if (caps) return { width: Number(caps[1]), height: Number(caps[2]) };
      lastError = `no decoded caps in:\n${stdout.slice(-2000)}`;
    } catch (error) {
      lastError = String((error as Error).message).slice(-2000);
    }
    await sleep(1000);
  }
  throw new Error(`could not play ${url.replace(/[^/]+$/, '<key>')} back: ${lastError}`);
}
