import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { InvalidStateError } from './errors.js';
import { PendingRequests } from './PendingRequests.js';
import { forwardWorkerLog, fromWireError, startModuleWorker, type WireError } from './workerWire.js';

/** How long `close()` waits for the thread to release its models before terminating it, ms. */
const CLOSE_TIMEOUT_MS = 5000;

/**
 * The messages every inference thread sends (its own `ready` payload aside): `ready` once its
 * models are loaded, `failed` when they cannot be, `result` per request, `closed` after a `close`
 * request, `log` for its JSON log lines.
 */
export type InferenceThreadMessage<Ready> =
  | ({ op: 'ready' } & Ready)
  | { op: 'failed'; error: WireError }
  | { op: 'result'; id: number; ok: true; value: unknown }
  | { op: 'result'; id: number; ok: false; error: WireError }
  | { op: 'closed'; id: number }
  | { op: 'log'; line: string };

/** Options of {@link InferenceThreadHost.start}. */
export interface InferenceThreadOptions {
  /** `import.meta.url` of the module next to the thread's entry file. */
  from: string;
  /** The thread's entry module's name without extension (`.ts` under tsx, `.js` built). */
  entry: string;
  /** Thread name (`vision`, `hands`, `objects`): in logs and errors ("the hands worker"). */
  name: string;
  workerData: unknown;
  logger: Logger;
  /** Requests waiting at once; one more is refused at once with `busy(pending)`. */
  maxPending: number;
  /** The error a request gets when `maxPending` already wait (e.g. VisionBusyError: the frame is dropped). */
  busy: (pending: number) => Error;
  /** Called when the thread stops without `close()` (a crash), after its pending requests were rejected. */
  onExit?: (error: Error) => void;
}

/**
 * The main-thread side of an inference worker thread (faces, hands, objects): starts it and waits
 * for its models (`ready`), bounds the requests in flight (one over `maxPending` fails at once),
 * pairs answers with requests, forwards its logs, rejects everything when it crashes, and stops it
 * (`close` request, then terminate after 5 s). Inference inside the thread is synchronous, so it
 * never blocks the server's event loop.
 */
export class InferenceThreadHost<Ready> {
  /** The `ready` message's payload (e.g. the execution providers that loaded). */
  readonly ready: Ready;
  readonly #worker: Worker;
  readonly #logger: Logger;
  readonly #options: InferenceThreadOptions;
  readonly #pending = new PendingRequests();
  readonly #exited: Promise<void>;
  #closed = false;
  /** Set when the thread stopped without close(). */
  #exitError: Error | undefined;
  /** Resolves close()'s wait for the thread's 'closed'. */
  #closeWaiter: (() => void) | undefined;

  private constructor(
    worker: Worker,
    ready: Ready,
    logger: Logger,
    options: InferenceThreadOptions,
    exited: Promise<void>,
  ) {
    this.#worker = worker;
    this.ready = ready;
    this.#logger = logger;
    this.#options = options;
    this.#exited = exited;
  }

  /**
   * Starts the thread and waits until it says `ready`.
   * @throws TypeError when `maxPending` is not an integer ≥ 1; the thread's own error when its
   *   models cannot be loaded (e.g. ModelFileError); Error when it exits during start.
   */
  static async start<Ready>(options: InferenceThreadOptions): Promise<InferenceThreadHost<Ready>> {
    if (!(Number.isInteger(options.maxPending) && options.maxPending >= 1)) {
      throw new TypeError('maxPending must be an integer ≥ 1');
    }
    const { logger, name } = options;
    const worker = startModuleWorker(options.from, options.entry, { workerData: options.workerData, name });
    /** Set once the thread is ready; an exit before that fails the start instead. */
    const started: { host?: InferenceThreadHost<Ready> } = {};
    const exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        if (started.host) started.host.#onExit(code);
        resolve();
      });
    });
    const ready = await new Promise<Ready>((resolve, reject) => {
      worker.on('message', (message: InferenceThreadMessage<Ready>) => {
        if (message.op === 'log') forwardWorkerLog(logger, message.line, `the ${name} worker`);
        else if (message.op === 'ready') {
          const { op: _op, ...payload } = message;
          resolve(payload as Ready);
        } else if (message.op === 'failed') reject(fromWireError(message.error));
      });
      worker.once('exit', (code) => reject(new Error(`${name} worker exited during start (code ${code})`)));
      // Errors thrown in the thread also arrive as 'failed' when they happen while loading.
      worker.on('error', (error) => reject(error));
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    worker.removeAllListeners('message');
    worker.removeAllListeners('error');
    const host = new InferenceThreadHost<Ready>(worker, ready, logger, options, exited);
    started.host = host;
    worker.on('message', (message: InferenceThreadMessage<Ready>) => host.#onMessage(message));
    worker.on('error', (error) => logger.error({ err: error }, `${name} worker failed`));
    return host;
  }

  /** Requests sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Sends one request: `message(id)` builds it with its fresh id; `transfer` moves buffers.
   * Rejects at once with InvalidStateError when closed or crashed, or with `busy(pending)` when
   * `maxPending` requests already wait.
   */
  request<T>(message: (id: number) => unknown, transfer: ArrayBuffer[] = []): Promise<T> {
    const refused = this.#refusal();
    if (refused) return Promise.reject(refused);
    if (this.#pending.size >= this.#options.maxPending) {
      return Promise.reject(this.#options.busy(this.#pending.size));
    }
    return this.#pending.add<T>((id) => this.#worker.postMessage(message(id), transfer));
  }

  /**
   * Posts a message that gets no answer and is not bounded (e.g. keeping a frame on the thread).
   * @throws InvalidStateError when closed or crashed.
   */
  post(message: unknown): void {
    const refused = this.#refusal();
    if (refused) throw refused;
    this.#worker.postMessage(message);
  }

  /** Whether requests are refused now (closed, or the thread crashed). */
  get stopped(): boolean {
    return this.#closed || this.#exitError !== undefined;
  }

  /** Lets queued requests finish, has the thread release its models and stops it. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return this.#exited;
    this.#closed = true;
    if (!this.#exitError) {
      const closed = new Promise<void>((resolve) => {
        this.#closeWaiter = resolve;
        // Answered by a 'closed' message, not a result: the id only names it in the thread's log.
        this.#worker.postMessage({ op: 'close', id: 0 });
      });
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_TIMEOUT_MS).unref());
      await Promise.race([closed, timeout]);
    }
    await this.#worker.terminate();
    await this.#exited;
  }

  #refusal(): Error | undefined {
    if (this.#exitError) return this.#exitError;
    if (this.#closed) return new InvalidStateError(`the ${this.#options.name} worker is closed`);
    return undefined;
  }

  #onMessage(message: InferenceThreadMessage<Ready>): void {
    switch (message.op) {
      case 'result':
        this.#pending.settle(message);
        break;
      case 'closed':
        this.#closeWaiter?.();
        break;
      case 'log':
        forwardWorkerLog(this.#logger, message.line, `the ${this.#options.name} worker`);
        break;
      case 'ready':
      case 'failed':
        break;
    }
  }

  #onExit(code: number): void {
    const error = new InvalidStateError(`the ${this.#options.name} worker exited (code ${code})`);
    this.#pending.failAll(error);
    this.#closeWaiter?.();
    if (!this.#closed && !this.#exitError) {
      this.#exitError = error;
      this.#logger.error({ code }, `${this.#options.name} worker exited`);
      this.#options.onExit?.(error);
    }
  }
}
