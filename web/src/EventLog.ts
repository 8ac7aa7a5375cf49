/** One line of an {@link EventLog}. */
export interface EventLine<N extends string> {
  name: N;
  text: string;
  /** When it was added, ms since the Unix epoch. */
  at: number;
}

/**
 * A bounded list of socket.io events, newest first: `lines` for tests, and an `<ol>` with one
 * `li[data-event=<name>]` per line ("10:42:07 text"). At most `max` lines are kept, in both.
 */
export class EventLog<N extends string> {
  /** The lines, newest first. */
  readonly lines: EventLine<N>[] = [];
  readonly element: HTMLOListElement;
  readonly #max: number;

  /** @param max lines kept (default 20). */
  constructor(className: string, max = 20) {
    this.#max = max;
    this.element = document.createElement('ol');
    this.element.className = className;
  }

  add(name: N, text: string): void {
    const line = { name, text, at: Date.now() };
    this.lines.unshift(line);
    this.lines.splice(this.#max);
    const item = document.createElement('li');
    item.dataset.event = name;
    item.textContent = `${new Date(line.at).toLocaleTimeString()} ${text}`;
    this.element.prepend(item);
    while (this.element.children.length > this.#max) this.element.lastElementChild?.remove();
  }
}
