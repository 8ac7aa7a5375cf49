import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Backoff } from '../core/Backoff.js';
import { InvalidStateError } from '../core/errors.js';
import { writePrivateFile } from '../core/privateFiles.js';
import { TypedEmitter } from '../core/TypedEmitter.js';
import { Channel, type PictureResponse } from './Channel.js';
import {
  ExitCode,
  type HelloData,
  type LogLevel,
  type Methods,
  type Notification,
  PROTOCOL_VERSION,
  type StatsData,
} from './CameradProtocol.js';
import type { CameradState, CameradSupervisorEvents, CameradSupervisorOptions } from './CameradSupervisorTypes.js';

/**
 * Keeps one camera's camerad running and connected: spawns it (or attaches to one started by
 * entrypoint.sh), connects the control {@link Channel}, checks the hello's protocol version,
 * relays stats and source events, and restarts/reconnects with exponential backoff.
 * A camerad that exits with code 2 (configuration error) is not restarted: the state becomes
 * `failed` and {@link lastError} holds camerad's message naming the setting.
 */
export class CameradSupervisor extends TypedEmitter<CameradSupervisorEvents> {
  readonly #options: Required<Omit<CameradSupervisorOptions, 'sourceFile'>> &
    Pick<CameradSupervisorOptions, 'sourceFile'>;
  readonly #logger: Logger;
  #state: CameradState = 'stopped';
  #channel: Channel | undefined;
  #child: ChildProcess | undefined;
  #hello: HelloData | undefined;
  #stats: StatsData | undefined;
  #lastError: string | undefined;
  #lastStderr: string | undefined;
  #restarts = 0;
  #closed = false;
  #loop: Promise<void> | undefined;
  readonly #abort = new AbortController();

  constructor(options: CameradSupervisorOptions, logger: Logger) {
    const child = logger.child({ module: 'camerad', camera: options.cameraId });
    super(child);
    this.#logger = child;
    this.#options = {
      backoffResetAfterMs: 10_000,
      startTimeoutMs: 10_000,
      redact: (text: string) => text,
      ...options,
    };
  }

  get state(): CameradState {
    return this.#state;
  }

  /** The latest hello (settings of the running camerad), if one was received. */
  get hello(): HelloData | undefined {
    return this.#hello;
  }

  /** The latest stats notification. */
  get stats(): StatsData | undefined {
    return this.#stats;
  }

  /** Why the camera failed (configuration error message), or the last crash. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Number of times camerad was restarted (spawn) or reconnected (attach) after a loss. */
  get restarts(): number {
    return this.#restarts;
  }

  /** PID of the spawned camerad (spawn mode) or the one reported in hello (attach mode). */
  get pid(): number | undefined {
    return this.#child?.pid ?? this.#hello?.pid;
  }

  /** Starts the supervision loop. Resolves once the first attempt is under way. */
  start(): void {
    if (this.#loop || this.#closed) throw new InvalidStateError('supervisor already started or closed');
    this.#loop = this.#run().catch((error: unknown) => {
      this.#logger.error({ err: error }, 'camerad supervision loop failed');
      this.#setState('failed');
    });
  }

  /**
   * Resolves when camerad is running and connected, rejects when it failed for good.
   * @param timeoutMs how long to wait, in ms.
   */
  async waitRunning(timeoutMs: number): Promise<void> {
    if (this.#state === 'running') return;
    if (this.#state === 'failed') throw new Error(this.#lastError ?? 'camerad failed');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('state', onState);
        reject(new Error(`camerad for ${this.#options.cameraId} not running after ${timeoutMs} ms`));
      }, timeoutMs);
      const onState = (state: CameradState): void => {
        if (state !== 'running' && state !== 'failed') return;
        clearTimeout(timer);
        this.off('state', onState);
        if (state === 'running') resolve();
        else reject(new Error(this.#lastError ?? 'camerad failed'));
      };
      this.on('state', onState);
    });
  }

  /**
   * Sends a request to camerad.
   * @throws InvalidStateError when camerad is not connected.
   */
  request<M extends keyof Methods & string>(
    method: M,
    params: Methods[M][0] = {} as Methods[M][0],
    options: { timeoutMs?: number } = {},
  ): Promise<Methods[M][1]> {
    const channel = this.#channel;
    if (!channel || channel.closed) {
      return Promise.reject(new InvalidStateError(`camerad for ${this.#options.cameraId} is not connected`));
    }
    return channel.request(method, params, options);
  }

  /**
   * Sends a request whose answer includes a picture (`grab`).
   * @throws InvalidStateError when camerad is not connected.
   */
  requestWithPicture<M extends keyof Methods & string>(
    method: M,
    params: Methods[M][0],
  ): Promise<PictureResponse<Methods[M][1]>> {
    const channel = this.#channel;
    if (!channel || channel.closed) {
      return Promise.reject(new InvalidStateError(`camerad for ${this.#options.cameraId} is not connected`));
    }
    return channel.requestWithPicture(method, params);
  }

  /** Stops supervising; in spawn mode terminates camerad (SIGTERM, SIGKILL after 3 s). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#loop;
    this.#closed = true;
    this.#abort.abort();
    this.#channel?.close();
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    await this.#loop;
    this.#setState('stopped');
    this.removeAllListeners();
  }

  async #run(): Promise<void> {
    // Doubling without jitter, as camerad restarts always were. A maximum below
    // the initial delay keeps every delay at the initial one.
    const backoff = new Backoff({
      initialMs: this.#options.backoffInitialMs,
      maxMs: this.#options.backoffMaxMs,
      jitter: 0,
    });
    let first = true;
    while (!this.#closed) {
      this.#setState(first ? 'starting' : 'restarting');
      const startedAt = Date.now();
      const outcome = this.#options.mode === 'spawn' ? await this.#runSpawned() : await this.#runAttached();
      if (this.#closed) return;
      if (outcome === 'fatal') {
        this.#setState('failed');
        return;
      }
      if (Date.now() - startedAt >= this.#options.backoffResetAfterMs) backoff.reset();
      if (outcome === 'lost') {
        this.#restarts += 1;
        first = false;
      }
      const delay = backoff.next();
      this.#logger.info(
        { delayMs: delay },
        this.#options.mode === 'spawn' ? 'restarting camerad' : 'reconnecting to camerad',
      );
      try {
        await sleep(delay, undefined, { signal: this.#abort.signal });
      } catch {
        return; // aborted by close()
      }
    }
  }

  /** One life of a spawned camerad. */
  async #runSpawned(): Promise<'lost' | 'fatal'> {
    const { binary, args, sourceFile, redact } = this.#options;
    if (sourceFile) {
      try {
        writePrivateFile(sourceFile.path, `${sourceFile.source}\n`);
      } catch (error) {
        this.#lastError = `cannot write camerad's source file ${sourceFile.path}: ${redact((error as Error).message)}`;
        this.#logger.error(this.#lastError);
        return 'fatal';
      }
    }
    this.#logger.info({ binary, args: args.map(redact) }, 'spawning camerad');
    // camerad reads no ECS_ variable: the server's settings (which may hold credentials) stay out
    // of its environment (/proc/PID/environ).
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ECS_')));
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    this.#child = child;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, spawnError: error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    this.#pipeStderr(child);
    const connected = this.#connectWithRetry(this.#options.startTimeoutMs, exit);
    const result = await Promise.race([exit.then(() => undefined), connected]);
    if (result) await this.#serve(result);
    const { code, signal, spawnError } = await exit;
    this.#channel?.close();
    this.#child = undefined;
    if (this.#closed) return 'lost';
    if (spawnError) {
      this.#lastError = `cannot start camerad at ${binary}: ${spawnError.message} (build it with npm run build:native)`;
      this.#logger.error(this.#lastError);
      return 'fatal';
    }
    if (code === ExitCode.configurationError) {
      this.#lastError = this.#lastStderr ?? 'camerad: configuration error';
      this.#logger.error({ exitCode: code }, this.#lastError);
      return 'fatal';
    }
    this.#lastError = `camerad exited (code ${code}, signal ${signal})`;
    this.#logger.warn({ exitCode: code, signal }, 'camerad exited unexpectedly');
    return 'lost';
  }

  /** One connection to a camerad that someone else runs. */
  async #runAttached(): Promise<'lost' | 'fatal'> {
    const socket = await this.#connectWithRetry(this.#options.startTimeoutMs);
    if (!socket) return 'lost';
    await this.#serve(socket);
    return 'lost';
  }

  /** Tries to connect every 100 ms until `timeoutMs` or until `exited` settles. */
  async #connectWithRetry(timeoutMs: number, exited?: Promise<unknown>): Promise<Socket | undefined> {
    let gone = false;
    void exited?.then(() => (gone = true));
    const deadline = Date.now() + timeoutMs;
    while (!this.#closed && !gone && Date.now() < deadline) {
      const socket = await new Promise<Socket | undefined>((resolve) => {
        const s = connect(this.#options.socketPath);
        s.once('connect', () => resolve(s));
        s.once('error', () => {
          s.destroy();
          resolve(undefined);
        });
      });
      if (socket) return socket;
      await sleep(100);
    }
    if (!gone && !this.#closed)
      this.#logger.warn({ socket: this.#options.socketPath }, 'camerad control socket did not open');
    return undefined;
  }

  /** Runs the channel until it closes. */
  async #serve(socket: Socket): Promise<void> {
    const channel = new Channel(socket, this.#logger);
    this.#channel = channel;
    const closed = new Promise<void>((resolve) => channel.once('close', () => resolve()));
    channel.on('notification', (message) => this.#onNotification(message, channel));
    channel.on('analysis', (picture) => {
      const ack = async (): Promise<boolean> => {
        if (channel.closed) return false;
        return (await channel.request('analysis_ack', { frame: picture.frame })).acked;
      };
      this.safeEmit('analysis', picture, ack);
    });
    channel.on('still', (picture) => this.safeEmit('still', picture));
    await closed;
    if (this.#channel === channel) this.#channel = undefined;
  }

  #onNotification(message: Notification, channel: Channel): void {
    switch (message.event) {
      case 'hello':
        if (message.data.protocol !== PROTOCOL_VERSION) {
          this.#logger.error(
            { protocol: message.data.protocol },
            `camerad speaks protocol ${message.data.protocol}, this server speaks ${PROTOCOL_VERSION}`,
          );
          channel.close();
          return;
        }
        // camerad masks the source's credentials; the redactor is the second line of defence.
        this.#hello = { ...message.data, source: this.#options.redact(message.data.source) };
        this.#logger.info(
          { encoder: message.data.encoder, source: this.#hello.source, pid: message.data.pid },
          `camerad running: ${message.data.width}x${message.data.height}@${message.data.fps} with ${message.data.encoder}`,
        );
        this.safeEmit('hello', this.#hello);
        this.#setState('running');
        return;
      case 'stats':
        this.#stats = message.data;
        this.safeEmit('stats', message.data);
        return;
      case 'log':
        if (this.#options.mode === 'attach') this.#log(message.data.level, message.data.message);
        return;
      case 'source_lost': {
        const reason = this.#options.redact(message.data.reason);
        this.#logger.warn({ reason }, 'source lost');
        this.safeEmit('sourcelost', reason);
        return;
      }
      case 'source_recovered':
        this.#logger.info({ afterMs: message.data.after_ms }, 'source recovered');
        this.safeEmit('sourcerecovered', message.data.after_ms);
        return;
      case 'recording':
        this.safeEmit('recording', message.data);
        return;
      case 'rtmp': {
        const error = message.data.error;
        const data = error === undefined ? message.data : { ...message.data, error: this.#options.redact(error) };
        this.safeEmit('rtmp', data);
        return;
      }
      default:
        // Notifications added by a newer camerad are ignored, as PROTOCOL.md asks of clients.
        return;
    }
  }

  #pipeStderr(child: ChildProcess): void {
    let partial = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        const shown = this.#options.redact(line);
        this.#lastStderr = shown;
        // In spawn mode stderr is the complete log (it also covers the time before the socket
        // connects), so `log` notifications are not logged again (see #onNotification).
        this.#logger.info({ from: 'camerad' }, shown);
      }
    });
  }

  #log(level: LogLevel, message: string): void {
    const fn = level === 'error' ? 'error' : level === 'warn' ? 'warn' : level === 'debug' ? 'debug' : 'info';
    this.#logger[fn]({ from: 'camerad' }, this.#options.redact(message));
  }

  #setState(state: CameradState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.safeEmit('state', state);
  }
}
