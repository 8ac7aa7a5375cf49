import { existsSync } from 'node:fs';
import { onInterrupt, trackGroup, untrackGroup } from '../lib/cleanup.js';
import { freeUdpPort } from '../lib/freePort.js';
import { type StartedProcess, startProcess, stopGroup, waitForOutput } from '../lib/processes.js';
import type { BenchCamera } from './ServerUnderTest.js';

/**
 * Debian's Python, which has python3-gi (GStreamer bindings); a python3 earlier on PATH (pyenv,
 * venv) usually lacks them. probe_sender.py's shebang names the same one.
 */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/**
 * The bench baseline (no project code): `bench/baseline/probe_sender.py` (GStreamer
 * videotestsrc → x264 → RTP, drawing the same probe strip) → `bench/baseline/bareRelay.ts` (one
 * werift peer per viewer, `POST /whep`, static files from web/dist) on 127.0.0.1.
 */
export class BaselinePipeline {
  private constructor(
    readonly sender: StartedProcess,
    readonly relay: StartedProcess,
    /** Base URL of the relay, e.g. `http://127.0.0.1:40123`. */
    readonly url: string,
  ) {}

  /**
   * Starts relay then sender with the camera's size, rate, bitrate and GOP; waits for both to
   * say `ready` (at most `timeoutMs` ms each).
   * @param root project root.
   * @param echo copy their output to stderr.
   */
  static async start(root: string, camera: BenchCamera, echo = false, timeoutMs = 20_000): Promise<BaselinePipeline> {
    const rtpPort = await freeUdpPort(true);
    const relay = await startProcess(
      'relay',
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/baseline/bareRelay.ts',
        '--rtp-port',
        String(rtpPort),
        '--http-port',
        '0',
        '--web-root',
        'web/dist',
      ],
      { cwd: root, echo },
    );
    trackGroup(relay.pid);
    let sender: StartedProcess | undefined;
    try {
      const m = await waitForOutput(relay, /ready (\d+)/, timeoutMs);
      sender = await startProcess(
        'sender',
        PYTHON,
        [
          'bench/baseline/probe_sender.py',
          ...['--width', String(camera.width), '--height', String(camera.height), '--fps', String(camera.fps)],
          ...['--bitrate', String(camera.bitrateKbps), '--keyframe-interval', String(camera.keyframeInterval)],
          ...['--port', String(rtpPort)],
        ],
        { cwd: root, echo },
      );
      trackGroup(sender.pid);
      await waitForOutput(sender, /^ready$/m, timeoutMs);
      const baseline = new BaselinePipeline(sender, relay, `http://127.0.0.1:${m[1]}`);
      baseline.forgetInterrupt = onInterrupt(() => baseline.stop());
      return baseline;
    } catch (error) {
      await Promise.all([stopGroup(relay), stopGroup(sender)]);
      throw error;
    }
  }

  /** Removes the SIGINT hook registered by `start`. */
  private forgetInterrupt: () => void = () => undefined;

  /** Stops sender and relay. */
  async stop(): Promise<void> {
    this.forgetInterrupt();
    await Promise.all([stopGroup(this.sender), stopGroup(this.relay)]);
    untrackGroup(this.sender.pid);
    untrackGroup(this.relay.pid);
  }
}
