import { existsSync } from 'node:fs';
import { onInterrupt } from '../../test/helpers/cleanup.js';
import { freeUdpPort } from '../../test/helpers/freePort.js';
import {
  type StartedProcess,
  isRunning,
  startProcess,
  stopGroup,
  waitForOutput,
} from '../../test/helpers/processes.js';
import type { TestPatternStream } from './TestPatternStream.js';

/**
 * Debian's Python, which has python3-gi (GStreamer bindings); a python3 earlier on PATH (pyenv,
 * venv) usually lacks them.
 */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** What the baseline sends: the benches' test-pattern stream, with or without the probe strip. */
export interface BaselineStream extends TestPatternStream {
  /** Draw the latency probe strip (docs/latency-probe.md). */
  probe: boolean;
}

/** Options of {@link BaselineRig.start}. */
export interface BaselineRigOptions {
  /** Project root. */
  root: string;
  stream: BaselineStream;
  /** Folder the relay serves static files from (e.g. `web/dist` for latency.html); none when omitted. */
  webRoot?: string;
  /** Copy both processes' output to stderr. */
  echo?: boolean;
  /** Longest wait for each step (relay ready, sender ready, first RTP), ms. Default 20 000. */
  timeoutMs?: number;
}

/**
 * The benchmark baseline, with no project code: `bench/baseline/probe_sender.py` (GStreamer
 * videotestsrc → x264 → RTP, caps pinned as in MEDIA-NOTES.md) → `bench/baseline/bareRelay.ts`
 * (one werift peer per viewer on one JS thread, `POST /whep`), both on 127.0.0.1. `start`
 * returns once the relay receives RTP; `stop` (also on SIGINT) stops both.
 */
export class BaselineRig {
  /** Base URL of the relay, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The relay's WHEP endpoint. */
  readonly whepUrl: string;
  readonly relay: StartedProcess;
  readonly sender: StartedProcess;
  readonly #forgetInterrupt: () => void;
  #stopped: Promise<void> | undefined;

  private constructor(relay: StartedProcess, sender: StartedProcess, httpPort: number) {
    this.relay = relay;
    this.sender = sender;
    this.url = `http://127.0.0.1:${httpPort}`;
    this.whepUrl = `${this.url}/whep`;
    this.#forgetInterrupt = onInterrupt(() => this.stop());
  }

  /** @throws Error with the processes' output when either does not start or no RTP arrives. */
  static async start(options: BaselineRigOptions): Promise<BaselineRig> {
    const { root, stream, echo } = options;
    const timeoutMs = options.timeoutMs ?? 20_000;
    const rtpPort = await freeUdpPort(true);
    let relay: StartedProcess | undefined;
    let sender: StartedProcess | undefined;
    try {
      relay = await startProcess(
        'bareRelay',
        process.execPath,
        [
          ...['--import', 'tsx', 'bench/baseline/bareRelay.ts'],
          ...['--rtp-port', String(rtpPort), '--http-port', '0'],
          ...(options.webRoot ? ['--web-root', options.webRoot] : []),
        ],
        { cwd: root, echo },
      );
      const httpPort = Number((await waitForOutput(relay, /ready (\d+)/, timeoutMs))[1]);
      sender = await startProcess(
        'probe_sender',
        PYTHON,
        [
          'bench/baseline/probe_sender.py',
          ...['--width', String(stream.width), '--height', String(stream.height), '--fps', String(stream.fps)],
          ...['--bitrate', String(stream.bitrateKbps), '--keyframe-interval', String(stream.keyframeInterval)],
          ...['--pattern', stream.pattern, stream.probe ? '--probe' : '--no-probe', '--port', String(rtpPort)],
        ],
        { cwd: root, echo },
      );
      await waitForOutput(sender, /^ready$/m, timeoutMs);
      const rig = new BaselineRig(relay, sender, httpPort);
      try {
        await rig.#waitForPackets(timeoutMs);
      } catch (error) {
        await rig.stop();
        throw error;
      }
      return rig;
    } catch (error) {
      await Promise.all([stopGroup(sender), stopGroup(relay)]);
      throw error;
    }
  }

  /** bareRelay's `GET /status`. */
  async status(): Promise<{ viewers: number; packets: number }> {
    const response = await fetch(`${this.url}/status`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET ${this.url}/status: ${response.status}`);
    return (await response.json()) as { viewers: number; packets: number };
  }

  /** @throws Error with the output's tail when the relay or the sender has exited. */
  assertRunning(): void {
    for (const p of [this.relay, this.sender]) {
      if (!isRunning(p)) throw new Error(`${p.name} exited (${p.child.exitCode}):\n${p.output().slice(-4000)}`);
    }
  }

  /** Stops sender and relay. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#forgetInterrupt();
      await Promise.all([stopGroup(this.sender), stopGroup(this.relay)]);
    })();
    return this.#stopped;
  }

  async #waitForPackets(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.assertRunning();
      if ((await this.status()).packets > 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`bareRelay received no RTP from probe_sender.py in ${timeoutMs} ms:\n${this.sender.output()}`);
  }
}
