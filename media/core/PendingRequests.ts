import { fromWireError, type WireError } from './workerWire.js';

/**
 * Requests sent to a worker thread and waiting for their `result` message: ids, promises,
 * settling, and failing them all when the thread stops. Shared by the viewer workers and the
 * face-inference thread.
 */
export class PendingRequests {
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #nextId = 1;

  /** Requests not answered yet. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Registers a request: `send(id)` posts it with a fresh id.
   * @returns the answer's value; rejects with the worker's error rebuilt, or a `failAll` error.
   */
  add<T>(send: (id: number) => void): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      send(id);
    });
  }

  /** Settles the request a `result` message answers (unknown ids are ignored). */
  settle(result: { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError }): void {
    const pending = this.#pending.get(result.id);
    this.#pending.delete(result.id);
    if (result.ok) pending?.resolve(result.value);
    else pending?.reject(fromWireError(result.error));
  }

  /** Rejects every request still waiting (the thread stopped). */
  failAll(error: Error): void {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
