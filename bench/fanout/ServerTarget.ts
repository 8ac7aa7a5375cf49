import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort } from '../lib/freePort.js';
import { isRunning, startProcess, stopGroup, waitForOutput, type StartedProcess } from '../lib/processes.js';
import type { FanoutTarget, StreamSettings } from './FanoutTargetTypes.js';

/** How to run the server: from source through tsx, or the build in dist/ (`npm run build:server`). */
export type ServerEntry = 'tsx' | 'dist';

/** Options of {@link ServerTarget.start}. */
export interface ServerTargetOptions {
  /** Project root. */
  root: string;
  entry: ServerEntry;
  stream: StreamSettings;
  /** Give up waiting for the camera to run after this long, ms. Default 60 000. */
  startTimeoutMs?: number;
}

interface StatusCamera {
  id: string;
  state: string;
  fps: number | null;
  pid: number | null;
  frames_out: number;
  last_error: string | null;
}

/**
 * The system under test: the real server (`server/main.ts`) as a child process, HTTP on a free
 * port of 127.0.0.1, one camera `bench` whose camerad it spawns (`camerad.mode: spawn`), media
 * sockets bound to 127.0.0.1. Environment overrides (`ECS_WEBRTC__WORKERS=2`, …) pass through.
 */
export class ServerTarget implements FanoutTarget {
  readonly kind = 'server';
  readonly whepUrl: string;
  readonly description: string;
  readonly #process: StartedProcess;
  readonly #statusUrl: string;
  readonly #dir: string;
  #stopped: Promise<void> | undefined;

  private constructor(process: StartedProcess, port: number, dir: string, description: string) {
    this.#process = process;
    this.#dir = dir;
    this.description = description;
    this.whepUrl = `http://127.0.0.1:${port}/whep/bench`;
    this.#statusUrl = `http://127.0.0.1:${port}/api/status`;
  }

  /**
   * Writes the configuration, starts the server and waits until camerad runs and reports fps.
   * @throws Error with the server's output when it does not get there.
   */
  static async start(options: ServerTargetOptions): Promise<ServerTarget> {
    const { root, stream } = options;
    const binary = join(root, 'native/build/camerad');
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run npm run build:native (or npm run setup)`);
    const entryFile = options.entry === 'dist' ? join(root, 'dist/server/main.js') : join(root, 'server/main.ts');
    if (!existsSync(entryFile))
      throw new Error(`${entryFile} is missing${options.entry === 'dist' ? ': run npm run build:server' : ''}`);
    const dir = mkdtempSync(join(tmpdir(), 'ecs-fanout-'));
    const config = {
      server: { host: '127.0.0.1', port: 0 },
      webrtc: { announcedAddresses: ['127.0.0.1'], bindAddress: '127.0.0.1' },
      camerad: { mode: 'spawn', runtimeDir: join(dir, 'run'), rtpBasePort: await freeUdpPort(true) },
      cameras: [
        {
          id: 'bench',
          source: `test://${stream.pattern}`,
          width: stream.width,
          height: stream.height,
          fps: stream.fps,
          bitrateKbps: stream.bitrateKbps,
          keyframeInterval: stream.keyframeInterval,
        },
      ],
      log: { level: 'info' },
    };
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const args =
      options.entry === 'dist'
        ? [entryFile, '--config', configFile]
        : ['--import', 'tsx', entryFile, '--config', configFile];
    const description = `node ${args.slice(0, -2).join(' ').replace(`${root}/`, '')}`;
    let started: StartedProcess | undefined;
    try {
      started = await startProcess('server', process.execPath, args, { cwd: root });
      const match = await waitForOutput(started, /listening: open http:\/\/[\d.]+:(\d+)\//, 60_000);
      const target = new ServerTarget(started, Number(match[1]), dir, description);
      await target.#waitRunning(options.startTimeoutMs ?? 60_000);
      return target;
    } catch (error) {
      await stopGroup(started, 10_000);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get pid(): number {
    return this.#process.pid;
  }

  async encoderPid(): Promise<number | null> {
    return (await this.#camera())?.pid ?? null;
  }

  async encoderFrames(): Promise<number | null> {
    return (await this.#camera())?.frames_out ?? null;
  }

  async viewerCount(): Promise<number> {
    return (await this.#status()).viewers;
  }

  assertRunning(): void {
    if (!isRunning(this.#process)) {
      throw new Error(`server exited (${this.#process.child.exitCode}):\n${this.#process.output().slice(-4000)}`);
    }
  }

  async stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await stopGroup(this.#process, 10_000);
      rmSync(this.#dir, { recursive: true, force: true });
    })();
    return this.#stopped;
  }

  async #status(): Promise<{ viewers: number; cameras: StatusCamera[] }> {
    const response = await fetch(this.#statusUrl, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`GET ${this.#statusUrl}: ${response.status}`);
    return (await response.json()) as { viewers: number; cameras: StatusCamera[] };
  }

  async #camera(): Promise<StatusCamera | undefined> {
    return (await this.#status()).cameras.find((c) => c.id === 'bench');
  }

  async #waitRunning(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: StatusCamera | undefined;
    while (Date.now() < deadline) {
      this.assertRunning();
      last = await this.#camera();
      if (last?.state === 'running' && (last.fps ?? 0) > 0) return;
      if (last?.state === 'failed') throw new Error(`camerad failed: ${last.last_error}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(
      `camera not running after ${timeoutMs} ms (last status ${JSON.stringify(last)}):\n${this.#process.output().slice(-4000)}`,
    );
  }
}
