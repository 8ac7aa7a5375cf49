import { fromWireError, type WireError } from './workerWire.js';

/** Options of one {@link PendingRequests.add}. */
export interface PendingRequestOptions<M> {
  /** Rejects the request when no answer came within this time, in ms. Default: no timeout. */
  timeoutMs?: number;
  /** The error a timed-out request is rejected with. Default: `Error('request N timed out after T ms')`. */
  timeoutError?: () => Error;
  /** Caller's data kept with the request until it settles (read it with {@link PendingRequests.meta}). */
  meta?: M;
}

interface Entry<M> {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
  meta: M | undefined;
}

/**
 * Requests sent to a peer and waiting for their answer: ids, promises, optional timeouts,
 * settling, and failing them all when the peer goes away. The one request-correlation primitive:
 * the viewer workers and the face-inference thread (answers as worker `result` messages, see
 * {@link settle}) and camerad's control channel (`media/camerad/Channel.ts`, with timeouts and
 * per-request data) use it.
 *
 * Ids count up from 1 and wrap after 0xffffffff (camerad's ids are uint32); every request gets
 * exactly one outcome: its answer, its timeout, or {@link failAll}.
 * @typeParam M the caller's per-request data (`meta`).
 */
export class PendingRequests<M = undefined> {
  readonly #pending = new Map<number, Entry<M>>();
  #nextId = 1;

  /** Requests not answered yet. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Registers a request: `send(id)` sends it with a fresh id (after it is registered, so an
   * answer arriving at once finds it).
   * @returns the answer's value; rejects with the error given to {@link reject}/{@link settle},
   * the timeout's error, a `failAll` error, or what `send` threw.
   */
  add<T>(send: (id: number) => void, options: PendingRequestOptions<M> = {}): Promise<T> {
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xffffffff ? 1 : this.#nextId + 1;
    return new Promise<T>((resolve, reject) => {
      const { timeoutMs } = options;
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.#pending.delete(id);
              reject(options.timeoutError?.() ?? new Error(`request ${id} timed out after ${timeoutMs} ms`));
            }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer, meta: options.meta });
      try {
        send(id);
      } catch (error) {
        this.reject(id, error as Error);
      }
    });
  }

  /** Whether request `id` is still waiting. */
  has(id: number): boolean {
    return this.#pending.has(id);
  }

  /** The data given with request `id` (`meta`), or undefined when it is not waiting. */
  meta(id: number): M | undefined {
    return this.#pending.get(id)?.meta;
  }

  /** Resolves request `id` with `value`. @returns false when no such request is waiting. */
  resolve(id: number, value: unknown): boolean {
    const entry = this.#take(id);
    entry?.resolve(value);
    return entry !== undefined;
  }

  /** Rejects request `id` with `error`. @returns false when no such request is waiting. */
  reject(id: number, error: Error): boolean {
    const entry = this.#take(id);
    entry?.reject(error);
    return entry !== undefined;
  }

  /** Settles the request a worker `result` message answers (unknown ids are ignored). */
  settle(result: { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError }): void {
    if (result.ok) this.resolve(result.id, result.value);
    else if (this.#pending.has(result.id)) this.reject(result.id, fromWireError(result.error));
  }

  /** Rejects every request still waiting (the peer stopped). */
  failAll(error: Error): void {
    const entries = [...this.#pending.values()];
    this.#pending.clear();
    for (const entry of entries) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
  }

  #take(id: number): Entry<M> | undefined {
    const entry = this.#pending.get(id);
    if (!entry) return undefined;
    this.#pending.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }
}
