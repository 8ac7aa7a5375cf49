import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { onInterrupt, trackGroup, untrackGroup } from '../lib/cleanup.js';
import { freeUdpPort } from '../lib/freePort.js';
import { type StartedProcess, isRunning, startProcess, stopGroup, waitForOutput } from '../lib/processes.js';

/** The camera the bench plays: id and camerad settings (server/config/configSchema.ts keys). */
export interface BenchCamera {
  id: string;
  /** Source URI (native/README.md), e.g. `test://ball` or `file:///abs/Megamind.avi`. */
  source: string;
  width: number;
  height: number;
  /** frames/s */
  fps: number;
  bitrateKbps: number;
  /** frames between IDRs */
  keyframeInterval: number;
}

/** Subset of one camera of `GET /api/status` (media/camera/CameraTypes.ts) the bench reads. */
export interface BenchCameraStatus {
  id: string;
  state: string;
  fps: number | null;
  encoder: string | null;
  keyframes: number;
  keyframe_requests: number;
  viewers: number;
  /** camerad's PID, null when none runs. */
  pid: number | null;
  last_error: string | null;
}

/**
 * The real server as a child process, run from the TypeScript sources
 * (`node --import tsx server/main.ts --config <tmp yaml>`, so that no stale `dist/` is measured),
 * on 127.0.0.1 only: HTTP on a free port, WebRTC bound and announced on 127.0.0.1, camerad spawned
 * by the server with its control sockets in a temp folder and RTP on a free UDP port pair.
 * The camera draws the latency probe (`latencyProbe: true`, docs/latency-probe.md).
 */
export class ServerUnderTest {
  private constructor(
    readonly process: StartedProcess,
    /** Base URL, e.g. `http://127.0.0.1:40123`. */
    readonly url: string,
    readonly camera: BenchCamera,
    private readonly tmp: string,
  ) {}

  /** Removes the SIGINT hook registered by `start`. */
  private forgetInterrupt: () => void = () => undefined;

  /**
   * Starts the server and waits until it listens and the camera runs and encodes (at most
   * `timeoutMs` ms).
   * @param root project root (holds package.json, web/dist, native/build/camerad).
   * @param echo copy the server's log to stderr.
   */
  static async start(root: string, camera: BenchCamera, echo = false, timeoutMs = 30_000): Promise<ServerUnderTest> {
    const tmp = mkdtempSync(join(tmpdir(), 'bench-latency-'));
    const config = {
      server: { host: '127.0.0.1', port: 0 },
      webrtc: { announcedAddresses: ['127.0.0.1'], bindAddress: '127.0.0.1' },
      camerad: { mode: 'spawn', runtimeDir: join(tmp, 'run'), rtpBasePort: await freeUdpPort(true) },
      cameras: [{ ...camera, latencyProbe: true }],
      log: { level: 'info' },
    };
    const file = join(tmp, 'config.yaml');
    writeFileSync(file, stringify(config));
    const proc = await startProcess(
      'server',
      process.execPath,
      ['--import', 'tsx', 'server/main.ts', '--config', file],
      {
        cwd: root,
        // Only the config file counts: ECS_* overrides of the caller's shell would change the setup.
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ECS_'))),
        echo,
      },
    );
    trackGroup(proc.pid);
    try {
      const m = await waitForOutput(proc, /listening: open http:\/\/[^:]+:(\d+)\//, timeoutMs);
      const server = new ServerUnderTest(proc, `http://127.0.0.1:${m[1]}`, camera, tmp);
      server.forgetInterrupt = onInterrupt(() => server.stop());
      await server.waitRunning(timeoutMs);
      return server;
    } catch (error) {
      await stopGroup(proc);
      untrackGroup(proc.pid);
      rmSync(tmp, { recursive: true, force: true });
      throw error;
    }
  }

  /** The camera's entry of `GET /api/status`; null when the server does not list it. */
  async status(): Promise<BenchCameraStatus | null> {
    const res = await fetch(`${this.url}/api/status`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`GET /api/status: ${res.status}`);
    const body = (await res.json()) as { cameras: BenchCameraStatus[] };
    return body.cameras.find((c) => c.id === this.camera.id) ?? null;
  }

  /** Stops the server (SIGTERM, which stops its camerad) and removes the temp folder. */
  async stop(): Promise<void> {
    this.forgetInterrupt();
    await stopGroup(this.process, 10_000);
    untrackGroup(this.process.pid);
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Polls `/api/status` until the camera is `running` and reports an encoding rate. */
  private async waitRunning(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: BenchCameraStatus | null = null;
    while (Date.now() < deadline) {
      if (!isRunning(this.process)) throw new Error(`server exited:\n${this.process.output().slice(-4000)}`);
      last = await this.status();
      if (last?.state === 'running' && last.fps !== null && last.fps > 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`camera ${this.camera.id} not running after ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }
}
