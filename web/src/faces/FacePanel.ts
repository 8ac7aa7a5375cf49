import { io, type Socket } from 'socket.io-client';
import { socketIoPath } from '../basePath';
import { pageViewerToken, withViewerToken } from '../api.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../../server/events/EventCatalogue';
import { EventLog, type EventLine } from '../EventLog';

/** Face events kept in the list, newest first. */

/** What the panel needs of the wallet session. */
export interface FaceSessionSource {
  readonly sessionToken: string | null;
  readonly session: { wallet: string; role: 'user' | 'operator'; cameraId: string; checkedIn: boolean } | null;
  /** Photos, recordings and enrolment need a check-in at the camera. */
  readonly requireCheckin?: boolean;
  onChange(listener: () => void): () => void;
}

/** One line of the event list. */
export type FaceEventLine = EventLine<'face:detected' | 'face:recognized' | 'face:lost'>;

/** What each liveness step asks, in the words shown to the user. */
const STEP_TEXT: Record<string, string> = {
  center: 'look straight at the camera',
  left: 'turn your head to your left',
  right: 'turn your head to your right',
};

/** How often the panel asks how far the liveness challenge got, ms. */
const CHALLENGE_POLL_MS = 400;

/**
 * The face panel beside the players: recognition status, an "Enrol my face" button (from the
 * camera: the server sends this user, and only them, a sequence of head turns to perform in
 * front of the camera; the panel shows the current step, polls the progress and enrols once
 * passed; where the server only has operator approval, it files a request for the operator;
 * the operator enrols themselves directly), the live list of face events (the
 * socket carries the session token, so the user hears their own recognitions and the operator
 * everyone's), and, for the operator, the toggle that burns face boxes into the video.
 * `window.__faces` exposes the event lines for tests.
 */
export class FacePanel {
  readonly #events = new EventLog<FaceEventLine['name']>('face-events');
  /** The event lines, newest first. */
  get lines(): FaceEventLine[] {
    return this.#events.lines;
  }
  #socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  #socketToken: string | null | undefined;
  readonly #status: HTMLElement;
  readonly #enrol: HTMLButtonElement;
  readonly #message: HTMLElement;
  readonly #overlays: HTMLInputElement;
  readonly #overlaysLabel: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly source: FaceSessionSource,
    private readonly cameraId: () => string | undefined,
  ) {
    root.replaceChildren();
    const title = el('h2', 'Faces');
    this.#status = el('p', 'loading…');
    this.#status.dataset.field = 'status';
    this.#enrol = document.createElement('button');
    this.#enrol.type = 'button';
    this.#enrol.textContent = 'Enrol my face';
    this.#enrol.title = 'Stand in front of the camera and follow the head turns shown here (only you see them)';
    this.#enrol.addEventListener('click', () => void this.#enrolNow());
    this.#message = el('p', '');
    this.#message.dataset.field = 'message';
    this.#overlaysLabel = document.createElement('label');
    this.#overlays = document.createElement('input');
    this.#overlays.type = 'checkbox';
    this.#overlays.name = 'overlays';
    this.#overlays.addEventListener('change', () => void this.#setOverlays(this.#overlays.checked));
    this.#overlaysLabel.append(this.#overlays, ' Burn face boxes into the video');
    root.append(
      title,
      this.#status,
      this.#enrol,
      this.#message,
      this.#overlaysLabel,
      el('h3', 'Events'),
      this.#events.element,
    );
    source.onChange(() => this.#render());
    this.#render();
    void this.#refreshStatus();
  }

  #render(): void {
    const session = this.source.session;
    this.#enrol.disabled = !this.source.sessionToken;
    this.#overlaysLabel.hidden = session?.role !== 'operator';
    const token = this.source.sessionToken;
    if (token !== this.#socketToken) this.#connect(token);
  }

  #connect(token: string | null): void {
    this.#socket?.close();
    this.#socketToken = token;
    const auth: Record<string, string> = token ? { token } : {};
    // Public face events are for viewers: the page's viewer link (?token=) rides along.
    const viewerToken = pageViewerToken();
    if (viewerToken) auth.viewerToken = viewerToken;
    const camera = this.cameraId();
    if (!token && camera) auth.cameraId = camera;
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(window.location.origin, {
      auth,
      path: socketIoPath(),
    });
    socket.on('face:detected', (e) => this.#add('face:detected', `track ${e.trackId} appeared (${e.cameraId})`));
    socket.on('face:recognized', (e) =>
      this.#add(
        'face:recognized',
        `track ${e.trackId}: ${e.wallet === this.source.session?.wallet ? 'you' : shortWallet(e.wallet)} (similarity ${e.similarity.toFixed(2)})`,
      ),
    );
    socket.on('face:lost', (e) => this.#add('face:lost', `track ${e.trackId} left (${e.cameraId})`));
    this.#socket = socket;
  }

  #add(name: FaceEventLine['name'], text: string): void {
    this.#events.add(name, text);
  }

  async #refreshStatus(): Promise<void> {
    try {
      const res = await fetch(withViewerToken('api/face/status'));
      const status = (await res.json()) as {
        enabled: boolean;
        reason?: string;
        overlays?: boolean;
        analysisFps?: number;
        providers?: Record<string, string>;
      };
      if (!status.enabled) {
        this.#status.textContent = `Face recognition is off: ${status.reason ?? 'disabled'}`;
        this.#enrol.hidden = true;
        return;
      }
      const provider = status.providers ? Object.values(status.providers)[0] : 'cpu';
      this.#status.textContent = `Face recognition on (${provider}, ${status.analysisFps} frames/s analysed)`;
      this.#overlays.checked = status.overlays ?? true;
    } catch (err) {
      this.#status.textContent = `Face status unavailable: ${String(err)}`;
    }
  }

  async #enrolNow(): Promise<void> {
    if (this.source.session?.role === 'operator') {
      this.#message.textContent = 'Enrolling: look at the camera…';
      this.#showEnrolled(await this.#post('api/face/enroll', {}));
      return;
    }
    const challenge = await this.#post('api/face/enroll/challenge', {});
    if (!challenge.ok) {
      // Liveness off on this server: ask the operator to enrol the face in front of the camera.
      const request = await this.#post('api/face/enroll/requests', {});
      this.#message.textContent = request.ok
        ? 'Asked the operator to enrol you: stand in front of the camera until they confirm'
        : `Not enrolled: ${String(challenge.body.error)}`;
      return;
    }
    const id = String(challenge.body.challengeId);
    const steps = challenge.body.steps as string[];
    this.#enrol.disabled = true;
    try {
      for (;;) {
        const res = await fetch(`api/face/enroll/challenge/${id}`, { headers: this.#auth() });
        const view = (await res.json()) as { done: number; status: string; reason?: string };
        if (!res.ok || view.status !== 'pending') {
          if (view.status === 'passed') this.#showEnrolled(await this.#post('api/face/enroll', { challengeId: id }));
          else
            this.#message.textContent = `Not enrolled: the check ${view.status ?? 'failed'}${view.reason ? ` (${view.reason})` : ''}; try again`;
          return;
        }
        const step = Math.min(view.done, steps.length - 1);
        this.#message.textContent = `Step ${step + 1} of ${steps.length}: ${STEP_TEXT[steps[step]!] ?? steps[step]}, and hold it`;
        await new Promise((resolve) => setTimeout(resolve, CHALLENGE_POLL_MS));
      }
    } finally {
      this.#enrol.disabled = !this.source.sessionToken;
    }
  }

  #showEnrolled(res: { ok: boolean; body: Record<string, unknown> }): void {
    this.#message.textContent = res.ok
      ? `Enrolled${res.body.inGallery ? ': you will be recognised while checked in' : ' (temporary: check in to be recognised)'}`
      : `Not enrolled: ${String(res.body.error)}`;
  }

  #auth(): Record<string, string> {
    const token = this.source.sessionToken;
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  async #setOverlays(enabled: boolean): Promise<void> {
    const res = await this.#post('api/face/overlays', { enabled });
    if (!res.ok) {
      this.#overlays.checked = !enabled;
      this.#message.textContent = `Overlays not changed: ${String(res.body.error)}`;
    }
  }

  async #post(path: string, body: unknown): Promise<{ ok: boolean; body: Record<string, unknown> }> {
    const res = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.#auth() },
      body: JSON.stringify(body),
    });
    return { ok: res.ok, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  }
}

function el(tag: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

function shortWallet(wallet: string): string {
  return `${wallet.slice(0, 4)}…${wallet.slice(-4)}`;
}
