/**
 * Runs `task` every `intervalMs` while the page is visible (`document.visibilityState`) and
 * `shown()` says the panel is open; stops when either is not so and runs at once when both are
 * again. One run at a time: the next is scheduled when the previous settles, so a slow server
 * never gets a pile of requests from one page. `task` is given a timeout signal
 * (`timeoutMs`); what it throws is its own business (it should show it, not throw).
 */
export class VisiblePoller {
  #timer: number | undefined;
  #running = false;
  #closed = false;
  readonly #onVisibility = (): void => this.kick();

  /**
   * @param task one poll; resolves when done.
   * @param intervalMs time between the end of one run and the start of the next, ms.
   * @param shown whether the panel is open (e.g. its `<details>`); polled before each run.
   * @param timeoutMs abort signal handed to `task`, ms.
   */
  constructor(
    private readonly task: (signal: AbortSignal) => Promise<void>,
    public intervalMs: number,
    private readonly shown: () => boolean = () => true,
    private readonly timeoutMs = 5000,
  ) {
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.kick();
  }

  /** True while polls should run: the page is visible and the panel open. */
  get active(): boolean {
    return !this.#closed && document.visibilityState === 'visible' && this.shown();
  }

  /** Runs the task now (unless one is running or the panel is hidden), then keeps the pace. */
  kick(): void {
    if (this.#running) return;
    window.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.active) return;
    this.#running = true;
    void this.task(AbortSignal.timeout(this.timeoutMs))
      .catch(() => undefined)
      .finally(() => {
        this.#running = false;
        if (this.active) this.#timer = window.setTimeout(() => this.kick(), this.intervalMs);
      });
  }

  /** Stops polling (idempotent). */
  close(): void {
    this.#closed = true;
    window.clearTimeout(this.#timer);
    document.removeEventListener('visibilitychange', this.#onVisibility);
  }
}
