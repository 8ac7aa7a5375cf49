import type { Logger } from 'pino';

/** One part to close: its name (for the log) and its idempotent close. */
interface Part {
  name: string;
  close: () => Promise<void> | void;
}

/**
 * The parts of the server in the order they were built, closed in reverse: `Server.create`
 * pushes each part once it exists; a failure during start unwinds what was built so far, and
 * `Server.close()` unwinds the same stack. `close()` is idempotent (a second call returns the
 * first call's promise) and pushing after it throws `Error('teardown stack closed')`.
 *
 * A part whose close throws is logged (`error`) and the unwinding goes on, so that one stuck
 * part does not leave the others (camerad processes, bound ports) running; the first such
 * error is not rethrown, because the caller is either already failing with its own error or
 * shutting down.
 */
export class TeardownStack {
  readonly #parts: Part[] = [];
  readonly #logger: Logger;
  #closing: Promise<void> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Registers a part just built; it closes before every part pushed earlier.
   * @throws Error when the stack is already closing.
   */
  push(name: string, close: () => Promise<void> | void): void {
    if (this.#closing) throw new Error('teardown stack closed');
    this.#parts.push({ name, close });
  }

  /** The names of the parts still to close, in closing order (last pushed first). */
  get pending(): string[] {
    return this.#parts.map((p) => p.name).reverse();
  }

  /** Closes every part, last pushed first, one after another. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (let part = this.#parts.pop(); part; part = this.#parts.pop()) {
        try {
          await part.close();
        } catch (error) {
          // Teardown goes on past a failing part (see the class comment); the error is logged.
          this.#logger.error({ err: error, part: part.name }, 'close failed');
        }
      }
    })();
    return this.#closing;
  }
}
