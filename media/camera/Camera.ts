import type { Logger } from 'pino';
import type { SourceState } from '../camerad/CameradProtocol.js';
import { CameradSupervisor } from '../camerad/CameradSupervisor.js';
import type { CameradSupervisorOptions } from '../camerad/CameradSupervisorTypes.js';
import { RtpIngest } from '../rtp/RtpIngest.js';
import type { Sfu } from '../sfu/SfuTypes.js';
import type { CameraStatus } from './CameraTypes.js';
import { KeyframeRequester } from './KeyframeRequester.js';

/** Options of {@link Camera.create}. */
export interface CameraOptions {
  id: string;
  name: string;
  source: string;
  width: number;
  height: number;
  /** UDP port on 127.0.0.1 where camerad sends RTP. */
  rtpPort: number;
  camerad: CameradSupervisorOptions;
  /** Least time between two keyframe requests to camerad, in ms. */
  keyframeMinIntervalMs: number;
  /** Draw the latency probe at start (camerad's `--latency-probe`). */
  latencyProbe: boolean;
}

/**
 * One configured camera: its camerad (supervised), its RTP ingest, and its registration in
 * the SFU. Owns all three and closes them in reverse order.
 */
export class Camera {
  readonly id: string;
  readonly #options: CameraOptions;
  readonly #supervisor: CameradSupervisor;
  readonly #ingest: RtpIngest;
  readonly #keyframes: KeyframeRequester;
  readonly #sfu: Sfu;
  #sourceState: SourceState | null = null;
  #latencyProbe: boolean;
  #closed = false;

  private constructor(options: CameraOptions, ingest: RtpIngest, sfu: Sfu, logger: Logger) {
    this.id = options.id;
    this.#options = options;
    this.#ingest = ingest;
    this.#sfu = sfu;
    this.#supervisor = new CameradSupervisor(options.camerad, logger);
    this.#keyframes = new KeyframeRequester(
      () => this.#supervisor.request('keyframe'),
      options.keyframeMinIntervalMs,
      logger.child({ module: 'keyframes', camera: options.id }),
    );
    this.#latencyProbe = options.latencyProbe;
    this.#supervisor.on('hello', (hello) => {
      this.#sourceState = hello.source_state;
      // A restarted camerad starts from its flags: re-apply a probe switched at run time.
      if (hello.latency_probe !== this.#latencyProbe) {
        this.#supervisor
          .request('probe', { enabled: this.#latencyProbe })
          .catch((error: unknown) =>
            logger.warn({ err: error, camera: options.id }, 'cannot restore the latency probe'),
          );
      }
    });
    this.#supervisor.on('stats', (stats) => (this.#sourceState = stats.source_state));
    this.#supervisor.on('sourcelost', () => (this.#sourceState = 'lost'));
    this.#supervisor.on('sourcerecovered', () => (this.#sourceState = 'live'));
    this.#supervisor.on('state', (state) => {
      if (state !== 'running') this.#sourceState = null;
    });
  }

  /**
   * Binds the RTP ingest, registers the camera with the SFU and starts supervising camerad.
   * @throws Error when the RTP port cannot be bound.
   */
  static async create(options: CameraOptions, sfu: Sfu, logger: Logger): Promise<Camera> {
    const ingest = await RtpIngest.create(
      { port: options.rtpPort },
      logger.child({ module: 'rtp', camera: options.id }),
    );
    const camera = new Camera(options, ingest, sfu, logger);
    sfu.addCamera({
      id: options.id,
      source: ingest,
      requestKeyframe: (reason) => camera.#keyframes.request(reason),
    });
    camera.#supervisor.start();
    return camera;
  }

  get supervisor(): CameradSupervisor {
    return this.#supervisor;
  }

  /** True when camerad is connected and can take viewers. */
  get running(): boolean {
    return this.#supervisor.state === 'running';
  }

  status(): CameraStatus {
    const hello = this.#supervisor.hello;
    const stats = this.#supervisor.stats;
    const running = this.running;
    return {
      id: this.id,
      name: this.#options.name,
      source: this.#options.source,
      state: this.#supervisor.state,
      encoder: hello?.encoder ?? null,
      width: hello?.width ?? this.#options.width,
      height: hello?.height ?? this.#options.height,
      fps: running && stats ? stats.fps_out : null,
      bitrate_kbps: running && stats ? stats.bitrate_kbps : null,
      keyframe_requests: stats?.keyframe_requests ?? 0,
      keyframes: stats?.keyframes ?? 0,
      source_state: this.#sourceState,
      viewers: this.#sfu.viewers(this.id).length,
      restarts: this.#supervisor.restarts,
      ingest_kbps: this.#ingest.stats.bitrateKbps,
      pid: running ? (this.#supervisor.pid ?? null) : null,
      frames_out: stats?.frames_out ?? 0,
      latency_probe: running ? (stats?.latency_probe ?? hello?.latency_probe ?? null) : null,
      whep: `/whep/${encodeURIComponent(this.id)}`,
      last_error: this.#supervisor.state === 'failed' ? (this.#supervisor.lastError ?? null) : null,
    };
  }

  /**
   * Switches the latency probe strip (docs/latency-probe.md) on or off, now and after camerad
   * restarts.
   * @returns the state camerad reports.
   * @throws InvalidStateError when camerad is not connected (the wish is kept for its next start).
   */
  async setLatencyProbe(enabled: boolean): Promise<boolean> {
    this.#latencyProbe = enabled;
    const result = await this.#supervisor.request('probe', { enabled });
    return result.enabled;
  }

  /** Closes viewers, camerad (spawn mode) and the ingest. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#keyframes.close();
    this.#sfu.removeCamera(this.id);
    await this.#supervisor.close();
    this.#ingest.close();
  }
}
