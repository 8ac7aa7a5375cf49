import { io, type Socket } from 'socket.io-client';
import { pageViewerToken, withViewerToken } from '../api';
import { socketIoPath } from '../basePath';
import type { FaceSessionSource } from '../faces/FacePanel';
import { shorten } from '../session/format';
import type {
  ClientToServerEvents,
  GestureActionEvent,
  GestureIdentifiedEvent,
  ServerToClientEvents,
} from '../../../server/events/EventCatalogue';
import type { CurrentGesturesView } from './analysisTypes';
import { VisiblePoller } from './VisiblePoller';
import { EventLog, type EventLine } from '../EventLog';

/** Gesture events kept in the list, newest first. */
/** Hands listed at most (the rest are counted). */
const HANDS_SHOWN = 12;
/** `GET /api/gestures/current` while some camera runs the hands analyzer, ms (about 2 Hz). */
const CURRENT_POLL_MS = 500;
/** The same while none does (it only changes with a restart of the server), ms. */
const IDLE_POLL_MS = 10_000;

/** Gesture names of the hands analyzer, with their pictures. */
const GESTURE_ICONS: Record<string, string> = {
  open_palm: '✋',
  fist: '✊',
  thumbs_up: '👍',
  thumbs_down: '👎',
  victory: '✌️',
  pointing: '👉',
  ok: '👌',
};

/** One line of the event list. */
export type GestureEventLine = EventLine<
  'gesture:detected' | 'gesture:ended' | 'gesture:identified' | 'gesture:action'
>;

/**
 * The gestures panel beside the players:
 * - the hands in view per camera with their current gesture, score and how long it is held, and
 *   whose hand it is only where the server gives the wallet (the caller's own hand; the operator:
 *   every recognised hand), from `GET /api/gestures/current`, polled about twice a second while
 *   open and visible and at once on every gesture event ("no hands" when no camera runs the
 *   hands analyzer);
 * - the live list of gesture events, newest first, bounded (`aria-live`): the public
 *   `gesture:detected` / `gesture:ended` of the camera (the session's, else the first that runs
 *   hands), and, on a signed-in socket, `gesture:identified` / `gesture:action` for the user's own
 *   hands (the operator: everyone's);
 * - what the user's own gesture did (`[data-field=mine]`, e.g. "📸 Photo taken by your 👍 thumbs
 *   up (photo <id>)", or why it did nothing).
 *
 * DOM contract, inside the root (`#gestures`): `[data-field=current]` one line (`no hands: …`
 * when no camera runs the hands analyzer), `li[data-hand]` per hand with `data-camera`,
 * `data-gesture`, `[data-field=wallet]` when given; `ol[data-role=events]` with
 * `li[data-event=<name>]`; `[data-field=mine]`. `window.__gestures` exposes `lines`, `current`,
 * `notice`, `connected`.
 */
export class GesturePanel {
  readonly #events = new EventLog<GestureEventLine['name']>('face-events');
  /** The event lines, newest first. */
  get lines(): GestureEventLine[] {
    return this.#events.lines;
  }
  /** The last answer of `GET /api/gestures/current`. */
  current: CurrentGesturesView | null = null;
  /** What the user's own last gesture did, or null. */
  notice: string | null = null;
  readonly #details: HTMLDetailsElement;
  readonly #currentLine: HTMLElement;
  readonly #hands: HTMLUListElement;
  readonly #mine: HTMLElement;
  readonly #poller: VisiblePoller;
  #socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  /** The token and camera the socket was opened with. */
  #socketKey: string | undefined;

  /**
   * @param root the panel's element (emptied and filled).
   * @param source the wallet session (token, wallet and role).
   * @param cameraIds the cameras the viewer lists (the socket's camera before the first answer).
   */
  constructor(
    root: HTMLElement,
    private readonly source: FaceSessionSource,
    private readonly cameraIds: () => readonly string[],
  ) {
    root.replaceChildren();
    this.#details = document.createElement('details');
    this.#details.open = true;
    const summary = document.createElement('summary');
    summary.append(el('h2', 'Gestures'));
    this.#currentLine = el('p', 'loading…');
    this.#currentLine.dataset.field = 'current';
    this.#hands = document.createElement('ul');
    this.#hands.dataset.role = 'hands';
    this.#hands.className = 'gesture-hands';
    this.#mine = el('p', '');
    this.#mine.dataset.field = 'mine';
    this.#mine.setAttribute('role', 'status');
    this.#mine.hidden = true;
    const list = this.#events.element;
    list.dataset.role = 'events';
    list.setAttribute('aria-live', 'polite');
    list.setAttribute('aria-label', 'Gesture events, newest first');
    this.#details.append(summary, this.#currentLine, this.#hands, this.#mine, el('h3', 'Events'), list);
    root.append(this.#details);
    this.#poller = new VisiblePoller(
      (signal) => this.refresh(signal),
      IDLE_POLL_MS,
      () => this.#details.open,
    );
    this.#details.addEventListener('toggle', () => this.#poller.kick());
    source.onChange(() => {
      this.#ensureSocket();
      this.#poller.kick(); // the wallets shown depend on who asks
    });
  }

  /** True while the panel's socket.io connection is up. */
  get connected(): boolean {
    return this.#socket?.connected ?? false;
  }

  /** Asks `GET /api/gestures/current` once and shows it; never rejects. */
  async refresh(signal?: AbortSignal): Promise<void> {
    try {
      // The session token can only reveal whose hand is in view: without hands in the last
      // answer the poll goes as a plain viewer, so an idle page never races a session that the
      // server just ended (a check-out) with its stale token.
      const handsInView = this.current?.cameras.some((c) => c.hands.length > 0) ?? false;
      const token = handsInView ? this.source.sessionToken : null;
      const res = await fetch(withViewerToken('api/gestures/current'), {
        cache: 'no-store',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal,
      });
      const body = (await res.json().catch(() => ({}))) as CurrentGesturesView & { error?: string };
      if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
      this.current = body;
      this.#renderCurrent(body);
    } catch (err) {
      this.#currentLine.textContent = `Gestures unavailable: ${err instanceof Error ? err.message : String(err)}`;
    }
    this.#ensureSocket();
  }

  /** Stops polling and closes the socket (idempotent). */
  close(): void {
    this.#poller.close();
    this.#socket?.close();
    this.#socket = undefined;
  }

  #renderCurrent(view: CurrentGesturesView): void {
    const running = view.cameras.filter((c) => c.running);
    this.#poller.intervalMs = running.length > 0 ? CURRENT_POLL_MS : IDLE_POLL_MS;
    const hands = running.flatMap((c) => c.hands.map((hand) => ({ camera: c.id, hand })));
    if (running.length === 0) this.#currentLine.textContent = 'no hands: no camera runs the hands analyzer';
    else if (hands.length === 0)
      this.#currentLine.textContent = `no hands in view (${running.map((c) => c.id).join(', ')})`;
    else this.#currentLine.textContent = `${hands.length} ${hands.length === 1 ? 'hand' : 'hands'} in view`;
    const now = view.at;
    this.#hands.replaceChildren(
      ...hands.slice(0, HANDS_SHOWN).map(({ camera, hand }) => {
        const item = document.createElement('li');
        item.dataset.hand = String(hand.trackId ?? '');
        item.dataset.camera = camera;
        item.dataset.gesture = hand.gesture;
        const held = Math.max(0, (now - hand.since) / 1000).toFixed(1);
        item.append(
          `${camera} · ${hand.handedness} hand: ${gestureText(hand.gesture)} ${hand.score.toFixed(2)} · ${held} s`,
        );
        if (hand.wallet !== null) {
          const wallet = el('span', ` · ${this.#whose(hand.wallet)}`);
          wallet.dataset.field = 'wallet';
          wallet.title = hand.wallet;
          item.append(wallet);
        }
        return item;
      }),
    );
    if (hands.length > HANDS_SHOWN) this.#hands.append(el('li', `and ${hands.length - HANDS_SHOWN} more`));
  }

  /** The socket's camera: the session's, else the first that runs hands, else the first listed. */
  #ensureSocket(): void {
    const token = this.source.sessionToken;
    const camera =
      this.source.session?.cameraId ??
      this.current?.cameras.find((c) => c.running)?.id ??
      this.current?.cameras[0]?.id ??
      this.cameraIds()[0];
    if (!token && camera === undefined) return;
    const key = token ? `token:${token}` : `camera:${camera}`;
    if (key === this.#socketKey) return;
    this.#socket?.close();
    this.#socketKey = key;
    const auth: Record<string, string> = token ? { token } : { cameraId: camera! };
    const viewerToken = pageViewerToken();
    if (viewerToken) auth.viewerToken = viewerToken;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(window.location.origin, {
      auth,
      path: socketIoPath(),
    });
    socket.on('gesture:detected', (e) => {
      const from = e.previous === 'none' ? '' : ` (was ${gestureText(e.previous)})`;
      this.#add(
        'gesture:detected',
        `${e.cameraId} hand ${e.trackId}: ${gestureText(e.gesture)} ${e.score.toFixed(2)}${from}`,
      );
    });
    socket.on('gesture:ended', (e) =>
      this.#add(
        'gesture:ended',
        `${e.cameraId} hand ${e.trackId}: ${gestureText(e.gesture)} ended after ${((e.at - e.since) / 1000).toFixed(1)} s`,
      ),
    );
    socket.on('gesture:identified', (e) => this.#identified(e));
    socket.on('gesture:action', (e) => this.#action(e));
    this.#socket = socket;
  }

  #identified(e: GestureIdentifiedEvent): void {
    const text = `${this.#whose(e.wallet, true)} hand ${e.trackId}: ${gestureText(e.gesture)} (${e.cameraId})`;
    this.#add('gesture:identified', text);
    if (e.wallet === this.source.session?.wallet) this.#notify(`👋 We see your ${gestureText(e.gesture)}`);
  }

  #action(e: GestureActionEvent): void {
    const whose = this.#whose(e.wallet, true);
    const gesture = gestureText(e.gesture);
    const what = e.action === 'capture' ? 'photo' : 'video';
    const id = e.id ? ` (${what} ${e.id})` : '';
    let text: string;
    if (e.error !== null) {
      const verb = { capture: 'take a photo', record_start: 'start a recording', record_stop: 'stop the recording' };
      text = `⚠️ ${capitalise(whose)} ${gesture} did not ${verb[e.action]}: ${e.error}`;
    } else if (e.action === 'capture') text = `📸 Photo taken by ${whose} ${gesture}${id}`;
    else if (e.action === 'record_start') text = `⏺️ Recording started by ${whose} ${gesture}${id}`;
    else text = `⏹️ Recording saved by ${whose} ${gesture}${id}`;
    this.#add('gesture:action', text);
    if (e.wallet === this.source.session?.wallet) this.#notify(text);
  }

  /** "your" for the signed-in wallet, else the wallet shortened (`possessive`: "ABCD…WXYZ's"). */
  #whose(wallet: string, possessive = false): string {
    if (wallet === this.source.session?.wallet) return possessive ? 'your' : 'you';
    return possessive ? `${shorten(wallet)}’s` : shorten(wallet);
  }

  #notify(text: string): void {
    this.notice = text;
    this.#mine.textContent = text;
    this.#mine.hidden = false;
  }

  #add(name: GestureEventLine['name'], text: string): void {
    this.#events.add(name, text);
    if (name === 'gesture:detected' || name === 'gesture:ended') this.#poller.kick();
  }
}

/** "👍 thumbs up" for `thumbs_up`; `none` is "no gesture". */
function gestureText(gesture: string): string {
  if (gesture === 'none') return 'no gesture';
  const icon = GESTURE_ICONS[gesture];
  const words = gesture.replace(/_/g, ' ');
  return icon ? `${icon} ${words}` : words;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function el(tag: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}
