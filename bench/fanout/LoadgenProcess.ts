import { join } from 'node:path';
import { isRunning, startProcess, stopGroup, type StartedProcess } from '../../test/helpers/processes.js';
import type { ChildMessage, ParentMessage, ViewerStats } from './LoadgenProtocol.js';

/** Options of {@link LoadgenProcess.start}. */
export interface LoadgenProcessOptions {
  /** Project root (the process runs there). */
  root: string;
  /** WHEP endpoint the viewers join. */
  url: string;
  /** Name used in messages, e.g. `loadgen-0`. */
  name: string;
  /** Write a V8 CPU profile (`node --cpu-prof`) into this folder when the process stops. */
  cpuProfDir?: string;
  /** WHEP exchanges in flight at once. Default 4. */
  concurrency?: number;
  /** What the viewers speak (loadgen.ts `--protocol`): WHEP to the box (default) or Janus. */
  protocol?: 'whep' | 'janus';
}

/** The parent's handle on one `loadgen.ts` process (IPC messages in LoadgenProtocol.ts). */
export class LoadgenProcess {
  readonly name: string;
  readonly #process: StartedProcess;
  #viewers = 0;
  #latest: ViewerStats[] = [];
  #errors: string[] = [];
  #nextId = 1;
  readonly #waiting = new Map<number, (viewers: ViewerStats[]) => void>();
  #stopped: Promise<void> | undefined;

  private constructor(name: string, started: StartedProcess) {
    this.name = name;
    this.#process = started;
    started.child.on('message', (message: ChildMessage) => this.#onMessage(message));
  }

  /**
   * Spawns the process and waits for its `ready`.
   * @throws Error when it cannot start or exits first (its output is in the message).
   */
  static async start(options: LoadgenProcessOptions): Promise<LoadgenProcess> {
    const args = [
      ...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []),
      '--import',
      'tsx',
      join(options.root, 'bench/fanout/loadgen.ts'),
      '--url',
      options.url,
      '--protocol',
      options.protocol ?? 'whep',
      '--concurrency',
      String(options.concurrency ?? 4),
    ];
    const started = await startProcess(options.name, process.execPath, args, { cwd: options.root, ipc: true });
    const loadgen = new LoadgenProcess(options.name, started);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.name}: no ready in 30 s:\n${started.output()}`)),
        30_000,
      );
      started.child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      void started.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} exited (${code}) before ready:\n${started.output().slice(-4000)}`));
      });
    });
    return loadgen;
  }

  get pid(): number {
    return this.#process.pid;
  }

  /** Viewers asked for so far. */
  get viewers(): number {
    return this.#viewers;
  }

  /** Viewer totals from the last `stats` message. */
  get latest(): ViewerStats[] {
    return this.#latest;
  }

  /** Join failures reported by the process, and its unexpected exit. */
  get errors(): string[] {
    if (!isRunning(this.#process) && !this.#stopped) {
      return [
        ...this.#errors,
        `${this.name} exited (${this.#process.child.exitCode}):\n${this.#process.output().slice(-2000)}`,
      ];
    }
    return this.#errors;
  }

  /** Asks for `count` more viewers (they connect in the background; watch {@link latest}). */
  add(count: number): void {
    this.#viewers += count;
    this.#send({ type: 'add', count });
  }

  /**
   * Every viewer's totals now.
   * @throws Error when the process does not answer within 5 s.
   */
  async snapshot(): Promise<ViewerStats[]> {
    const id = this.#nextId++;
    return new Promise<ViewerStats[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`${this.name}: no stats within 5 s`));
      }, 5000);
      this.#waiting.set(id, (viewers) => {
        clearTimeout(timer);
        resolve(viewers);
      });
      this.#send({ type: 'snapshot', id });
    });
  }

  /** Asks the process to DELETE its viewers and exit (10 s), then stops its process group. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped ??= (async () => {
      if (isRunning(this.#process)) {
        this.#send({ type: 'stop' });
        const timeout = new Promise<void>((r) => setTimeout(r, 10_000).unref());
        await Promise.race([this.#process.exited, timeout]);
      }
      await stopGroup(this.#process, 2000);
    })();
    return this.#stopped;
  }

  #send(message: ParentMessage): void {
    if (this.#process.child.connected) this.#process.child.send(message);
  }

  #onMessage(message: ChildMessage): void {
    switch (message.type) {
      case 'stats': {
        this.#latest = message.viewers;
        const resolve = message.id === null ? undefined : this.#waiting.get(message.id);
        if (resolve) {
          this.#waiting.delete(message.id!);
          resolve(message.viewers);
        }
        break;
      }
      case 'error':
        this.#errors.push(message.message);
        break;
      case 'ready':
      case 'stopped':
        break;
    }
  }
}
