import { BenchServer, type ServerEntry } from '../lib/BenchServer.js';
import { testPatternCamera } from '../lib/TestPatternStream.js';
import type { FanoutTarget, StreamSettings } from './FanoutTargetTypes.js';

export type { ServerEntry } from '../lib/BenchServer.js';

/** Options of {@link ServerTarget.start}. */
export interface ServerTargetOptions {
  /** Project root. */
  root: string;
  entry: ServerEntry;
  stream: StreamSettings;
  /** Give up waiting for the camera to run after this long, ms. Default 60 000. */
  startTimeoutMs?: number;
}

/**
 * The system under test: the real server ({@link BenchServer}) with one camera `bench` on the
 * test pattern. Environment overrides (`ECS_WEBRTC__WORKERS=2`, …) pass through.
 */
export class ServerTarget implements FanoutTarget {
  readonly kind = 'server';
  readonly whepUrl: string;
  readonly #server: BenchServer;

  private constructor(server: BenchServer) {
    this.#server = server;
    this.whepUrl = `${server.url}/whep/${server.cameraId}`;
  }

  /** @throws Error with the server's output when the camera does not run in time. */
  static async start(options: ServerTargetOptions): Promise<ServerTarget> {
    const { stream } = options;
    const server = await BenchServer.start({
      root: options.root,
      entry: options.entry,
      inheritEcsEnv: true,
      timeoutMs: options.startTimeoutMs,
      camera: testPatternCamera('bench', stream),
    });
    return new ServerTarget(server);
  }

  get description(): string {
    return this.#server.description;
  }

  get pid(): number {
    return this.#server.process.pid;
  }

  async encoderPid(): Promise<number | null> {
    return (await this.#server.camera())?.pid ?? null;
  }

  async encoderFrames(): Promise<number | null> {
    return (await this.#server.camera())?.frames_out ?? null;
  }

  async viewerCount(): Promise<number> {
    return (await this.#server.status()).viewers;
  }

  assertRunning(): void {
    this.#server.assertRunning();
  }

  stop(): Promise<void> {
    return this.#server.stop();
  }
}
