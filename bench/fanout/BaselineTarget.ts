import { join } from 'node:path';
import { freeUdpPort } from '../lib/freePort.js';
import { isRunning, startProcess, stopGroup, waitForOutput, type StartedProcess } from '../lib/processes.js';
import type { FanoutTarget, StreamSettings } from './FanoutTargetTypes.js';

/** Options of {@link BaselineTarget.start}. */
export interface BaselineTargetOptions {
  /** Project root. */
  root: string;
  stream: StreamSettings;
}

/**
 * The baseline: the bare prototype of ../shared/design/MEDIA-NOTES.md with no project code.
 * `gst-launch-1.0` (videotestsrc → x264enc → rtph264pay → udpsink 127.0.0.1, caps pinned as in
 * the notes) feeds `bench/baseline/bareRelay.ts`, one werift peer per viewer on one JS thread.
 */
export class BaselineTarget implements FanoutTarget {
  readonly kind = 'baseline';
  readonly whepUrl: string;
  readonly description = 'node --import tsx bench/baseline/bareRelay.ts';
  readonly #relay: StartedProcess;
  readonly #sender: StartedProcess;
  #stopped: Promise<void> | undefined;

  private constructor(relay: StartedProcess, sender: StartedProcess, httpPort: number) {
    this.#relay = relay;
    this.#sender = sender;
    this.whepUrl = `http://127.0.0.1:${httpPort}/whep`;
  }

  /**
   * Starts bareRelay, then the GStreamer sender, and waits until the relay receives RTP.
   * @throws Error with the processes' output when either does not start.
   */
  static async start(options: BaselineTargetOptions): Promise<BaselineTarget> {
    const { root, stream } = options;
    const rtpPort = await freeUdpPort(true);
    let relay: StartedProcess | undefined;
    let sender: StartedProcess | undefined;
    try {
      relay = await startProcess(
        'bareRelay',
        process.execPath,
        [
          '--import',
          'tsx',
          join(root, 'bench/baseline/bareRelay.ts'),
          '--rtp-port',
          String(rtpPort),
          '--http-port',
          '0',
        ],
        { cwd: root },
      );
      const httpPort = Number((await waitForOutput(relay, /ready (\d+)/, 30_000))[1]);
      sender = await startProcess('gst-launch-1.0', 'gst-launch-1.0', gstArgs(stream, rtpPort), { cwd: root });
      const target = new BaselineTarget(relay, sender, httpPort);
      await target.#waitForPackets(20_000);
      return target;
    } catch (error) {
      await stopGroup(sender);
      await stopGroup(relay);
      throw error;
    }
  }

  get pid(): number {
    return this.#relay.pid;
  }

  async encoderPid(): Promise<number | null> {
    return isRunning(this.#sender) ? this.#sender.pid : null;
  }

  async encoderFrames(): Promise<number | null> {
    return null; // gst-launch-1.0 -q reports nothing; the viewers' kbit/s tell its output
  }

  async viewerCount(): Promise<number> {
    return (await this.#status()).viewers;
  }

  assertRunning(): void {
    for (const p of [this.#relay, this.#sender]) {
      if (!isRunning(p)) throw new Error(`${p.name} exited (${p.child.exitCode}):\n${p.output().slice(-4000)}`);
    }
  }

  async stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await stopGroup(this.#sender);
      await stopGroup(this.#relay);
    })();
    return this.#stopped;
  }

  /** bareRelay's `GET /status`. */
  async #status(): Promise<{ viewers: number; packets: number }> {
    const url = new URL('/status', this.whepUrl);
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET ${url.href}: ${response.status}`);
    return (await response.json()) as { viewers: number; packets: number };
  }

  async #waitForPackets(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.assertRunning();
      if ((await this.#status()).packets > 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`bareRelay received no RTP from gst-launch-1.0 in ${timeoutMs} ms:\n${this.#sender.output()}`);
  }
}

/** The baseline sender's pipeline (MEDIA-NOTES.md "Encoder"), as gst-launch-1.0 arguments. */
function gstArgs(stream: StreamSettings, port: number): string[] {
  return [
    '-q',
    'videotestsrc',
    'is-live=true',
    `pattern=${stream.pattern}`,
    ...(stream.pattern === 'ball' ? [] : ['horizontal-speed=4']), // as camerad's test:// does
    '!',
    `video/x-raw,format=I420,width=${stream.width},height=${stream.height},framerate=${stream.fps}/1`,
    '!',
    'x264enc',
    'tune=zerolatency',
    'speed-preset=ultrafast',
    `bitrate=${stream.bitrateKbps}`,
    `key-int-max=${stream.keyframeInterval}`,
    'option-string=scenecut=0',
    '!',
    'video/x-h264,profile=constrained-baseline',
    '!',
    'h264parse',
    'config-interval=-1',
    '!',
    'rtph264pay',
    'pt=96',
    'config-interval=0',
    'mtu=1200',
    '!',
    'udpsink',
    'host=127.0.0.1',
    `port=${port}`,
    'sync=false',
    'async=false',
  ];
}
