import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onInterrupt } from '../../test/helpers/cleanup.js';
import { freeUdpPort } from '../../test/helpers/freePort.js';
import {
  type StartedProcess,
  isRunning,
  startProcess,
  stopGroup,
  waitForOutput,
} from '../../test/helpers/processes.js';

/** How to run the server: from source through tsx, or the build in dist/ (`npm run build:server`). */
export type ServerEntry = 'tsx' | 'dist';

/** One camera of `GET /api/status` (media/camera/CameraTypes.ts), the fields benches read. */
export interface BenchCameraStatus {
  id: string;
  state: string;
  /** frames/s encoded over camerad's last stats interval; null before stats. */
  fps: number | null;
  encoder: string | null;
  keyframes: number;
  keyframe_requests: number;
  viewers: number;
  frames_out: number;
  /** camerad's PID, null when none runs. */
  pid: number | null;
  last_error: string | null;
}

/** Options of {@link BenchServer.start}. */
export interface BenchServerOptions {
  /** Project root (package.json, native/build/camerad, web/dist). */
  root: string;
  /** The one camera, with server/config/configSchema.ts keys; `id` names it in URLs. */
  camera: { id: string } & Record<string, unknown>;
  /** Default `tsx`: the current sources, so a stale dist/ is never measured. */
  entry?: ServerEntry;
  /**
   * Pass the caller's `ECS_*` environment overrides to the server (e.g. `ECS_WEBRTC__WORKERS=0`).
   * Default false: only the generated configuration counts.
   */
  inheritEcsEnv?: boolean;
  /**
   * Environment variables set for the server on top of that, whatever `inheritEcsEnv` says
   * (e.g. `{ ECS_VISION__ENABLED: 'false' }`).
   */
  env?: Record<string, string>;
  /** Copy the server's log to stderr. */
  echo?: boolean;
  /** Admin token (`server.adminToken`, ≥ 32 characters): operator routes open with it; status requests send it. */
  adminToken?: string;
  /** Longest wait for the server to listen and the camera to encode, ms. Default 60 000. */
  timeoutMs?: number;
}

/**
 * The real server as a child process for a bench, on 127.0.0.1 only: HTTP on a free port,
 * WebRTC bound and announced on 127.0.0.1, camerad spawned by the server (`camerad.mode: spawn`)
 * with its control sockets in a temporary folder and RTP on a free UDP port pair. `start` returns
 * once the camera runs and reports an encoding rate; `stop` (also on SIGINT) removes everything.
 */
export class BenchServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly cameraId: string;
  /** How it was started, for reports (e.g. `node --import tsx server/main.ts`). */
  readonly description: string;
  readonly process: StartedProcess;
  readonly #dir: string;
  readonly #token: string | undefined;
  readonly #forgetInterrupt: () => void;
  #stopped: Promise<void> | undefined;

  private constructor(
    process: StartedProcess,
    port: number,
    cameraId: string,
    dir: string,
    description: string,
    token: string | undefined,
  ) {
    this.process = process;
    this.#token = token;
    this.url = `http://127.0.0.1:${port}`;
    this.cameraId = cameraId;
    this.#dir = dir;
    this.description = description;
    this.#forgetInterrupt = onInterrupt(() => this.stop());
  }

  /** @throws Error with the server's output when it does not listen or the camera does not run in time. */
  static async start(options: BenchServerOptions): Promise<BenchServer> {
    const { root, camera } = options;
    const timeoutMs = options.timeoutMs ?? 60_000;
    const binary = join(root, 'native/build/camerad');
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build:native (or npm run setup)`);
    const entryFile = options.entry === 'dist' ? 'dist/server/main.js' : 'server/main.ts';
    if (!existsSync(join(root, entryFile))) throw new Error(`${entryFile} is missing: run npm run build:server`);
    const dir = mkdtempSync(join(tmpdir(), 'ecs-bench-'));
    const configFile = join(dir, 'config.json');
    const config = {
      server: { host: '127.0.0.1', port: 0, ...(options.adminToken ? { adminToken: options.adminToken } : {}) },
      webrtc: { announcedAddresses: ['127.0.0.1'], bindAddress: '127.0.0.1' },
      camerad: { mode: 'spawn', runtimeDir: join(dir, 'run'), rtpBasePort: await freeUdpPort(true) },
      cameras: [camera],
      log: { level: 'info' },
    };
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const node = options.entry === 'dist' ? [entryFile] : ['--import', 'tsx', entryFile];
    const env = {
      ...(options.inheritEcsEnv
        ? process.env
        : Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ECS_')))),
      ...options.env,
    };
    let started: StartedProcess | undefined;
    try {
      started = await startProcess('server', process.execPath, [...node, '--config', configFile], {
        cwd: root,
        env,
        echo: options.echo,
      });
      const match = await waitForOutput(started, /listening: open http:\/\/[\d.]+:(\d+)\//, timeoutMs);
      const server = new BenchServer(
        started,
        Number(match[1]),
        camera.id,
        dir,
        `node ${node.join(' ')}`,
        options.adminToken,
      );
      try {
        await server.#waitRunning(timeoutMs);
      } catch (error) {
        await server.stop();
        throw error;
      }
      return server;
    } catch (error) {
      await stopGroup(started, 10_000);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** `GET /api/status`. */
  async status(): Promise<{ viewers: number; cameras: BenchCameraStatus[] }> {
    const response = await fetch(`${this.url}/api/status`, {
      signal: AbortSignal.timeout(5000),
      headers: this.#token ? { authorization: `Bearer ${this.#token}` } : {},
    });
    if (!response.ok) throw new Error(`GET /api/status: ${response.status}`);
    return (await response.json()) as { viewers: number; cameras: BenchCameraStatus[] };
  }

  /** The bench camera's entry of `GET /api/status`; null when the server does not list it. */
  async camera(): Promise<BenchCameraStatus | null> {
    return (await this.status()).cameras.find((c) => c.id === this.cameraId) ?? null;
  }

  /** @throws Error with the output's tail when the server has exited. */
  assertRunning(): void {
    if (!isRunning(this.process)) {
      throw new Error(`server exited (${this.process.child.exitCode}):\n${this.process.output().slice(-4000)}`);
    }
  }

  /** Stops the server (SIGTERM, which stops its camerad) and removes the temporary folder. Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#forgetInterrupt();
      await stopGroup(this.process, 10_000);
      rmSync(this.#dir, { recursive: true, force: true });
    })();
    return this.#stopped;
  }

  async #waitRunning(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: BenchCameraStatus | null = null;
    while (Date.now() < deadline) {
      this.assertRunning();
      last = await this.camera();
      if (last?.state === 'running' && (last.fps ?? 0) > 0) return;
      if (last?.state === 'failed') throw new Error(`camerad failed: ${last.last_error}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(
      `camera ${this.cameraId} not running after ${timeoutMs} ms (last status ${JSON.stringify(last)}):\n` +
        this.process.output().slice(-4000),
    );
  }
}
