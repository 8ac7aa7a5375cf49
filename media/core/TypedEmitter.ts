import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';

/**
 * An EventEmitter with typed events, `{ name: [args] }` (mediasoup's `EnhancedEventEmitter`).
 * `safeEmit` never throws: a listener that throws is logged and the remaining listeners still run.
 */
export class TypedEmitter<E extends Record<string, unknown[]>> {
  readonly #emitter = new EventEmitter();

  constructor(private readonly emitterLogger?: Logger) {
    this.#emitter.setMaxListeners(Infinity);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
  }

  /** Emits to every listener; a throwing listener is logged, never propagated. */
  safeEmit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    for (const listener of this.#emitter.listeners(event)) {
      try {
        (listener as (...a: E[K]) => void)(...args);
      } catch (error) {
        this.emitterLogger?.error({ err: error, event }, 'event listener threw');
      }
    }
  }
}
