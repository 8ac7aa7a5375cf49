import type { FaceSessionSource } from '../faces/FacePanel';

/** Gallery items shown per kind (the newest). */
const GALLERY_PAGE = 12;
/** How often the Livepeer status is refreshed while the panel is open, ms. */
const STREAM_POLL_MS = 2000;

/** One photo or video as `GET /api/photos` / `GET /api/videos` list it (server/http/routers/captureRouter.ts). */
export interface MediaItemView {
  id: string;
  kind: 'photo' | 'video';
  cameraId: string;
  status: 'recording' | 'complete' | 'interrupted' | 'failed';
  createdAt: number;
  durationMs: number | null;
  frames: number | null;
  bytes: number | null;
  error: string | null;
  url: string;
  /** The file's URL with a short-lived signature, usable by `<img>` and `<video>`. */
  signedUrl: string;
}

/** One camera's RTMP egress as `GET /api/stream/status` lists it (media/rtmp/RtmpEgressTypes.ts). */
interface StreamView {
  camera: string;
  state: 'off' | 'connecting' | 'live' | 'reconnecting';
  bytes_sent: number;
  uptime_ms: number | null;
  reconnects: number;
  last_error: string | null;
}

/**
 * Photos, recordings and the Livepeer broadcast beside the players:
 * - "Take photo" and "Record" / "Stop recording" for a signed-in wallet (its own camera);
 * - the user's gallery (the operator's: everyone's), newest first, with delete buttons;
 * - for the operator, Livepeer start/stop and the stream's state, bytes and reconnects.
 * `window.__media` exposes the panel for tests (`items`, `stream`, `message`).
 */
export class MediaPanel {
  items: MediaItemView[] = [];
  stream: StreamView | null = null;
  readonly #photo: HTMLButtonElement;
  readonly #record: HTMLButtonElement;
  readonly #message: HTMLElement;
  readonly #gallery: HTMLElement;
  readonly #live: HTMLElement;
  readonly #liveState: HTMLElement;
  readonly #liveToggle: HTMLButtonElement;
  #recording = false;
  #token: string | null | undefined;

  constructor(
    root: HTMLElement,
    private readonly source: FaceSessionSource,
  ) {
    root.replaceChildren();
    this.#photo = button('Take photo', () => void this.#capture());
    this.#photo.dataset.action = 'photo';
    this.#record = button('Record', () => void this.#toggleRecording());
    this.#record.dataset.action = 'record';
    this.#message = el('p', '');
    this.#message.dataset.field = 'message';
    this.#gallery = el('div', '');
    this.#gallery.className = 'media-gallery';
    this.#liveState = el('p', '');
    this.#liveState.dataset.field = 'stream';
    this.#liveToggle = button('Start Livepeer', () => void this.#toggleStream());
    this.#liveToggle.dataset.action = 'livepeer';
    this.#live = el('div', '');
    this.#live.append(el('h3', 'Livepeer'), this.#liveState, this.#liveToggle);
    const actions = el('div', '');
    actions.className = 'media-actions';
    actions.append(this.#photo, this.#record);
    root.append(el('h2', 'Photos and videos'), actions, this.#message, this.#gallery, this.#live);
    source.onChange(() => this.#render());
    this.#render();
    setInterval(() => void this.#refreshStream(), STREAM_POLL_MS);
  }

  /** Text of the last action's outcome. */
  get message(): string {
    return this.#message.textContent ?? '';
  }

  #render(): void {
    const token = this.source.sessionToken;
    const session = this.source.session;
    // The server refuses photos and recordings before a check-in (auth.requireCheckin): say so here.
    const needsCheckin =
      this.source.requireCheckin === true && session !== null && !session.checkedIn && session.role !== 'operator';
    this.#photo.disabled = !token || needsCheckin;
    this.#record.disabled = !token || needsCheckin;
    const hint = needsCheckin ? 'Check in at this camera first' : '';
    this.#photo.title = hint;
    this.#record.title = hint;
    this.#live.hidden = this.source.session?.role !== 'operator';
    if (token !== this.#token) {
      this.#token = token;
      void this.refreshGallery();
      void this.#refreshStream();
    }
  }

  /** Reloads the gallery (the newest photos and videos the caller may see). */
  async refreshGallery(): Promise<void> {
    if (!this.source.sessionToken) {
      this.items = [];
      this.#gallery.replaceChildren(el('p', 'Sign in to take photos and record.'));
      return;
    }
    const [photos, videos] = await Promise.all([
      this.#call('GET', `api/photos?limit=${GALLERY_PAGE}`),
      this.#call('GET', `api/videos?limit=${GALLERY_PAGE}`),
    ]);
    const list = (r: { ok: boolean; body: Record<string, unknown> }): MediaItemView[] =>
      r.ok ? (r.body.items as MediaItemView[]) : [];
    this.items = [...list(photos), ...list(videos)].sort((a, b) => b.createdAt - a.createdAt);
    this.#recording = this.items.some((i) => i.status === 'recording');
    this.#record.textContent = this.#recording ? 'Stop recording' : 'Record';
    this.#gallery.replaceChildren(...this.items.map((item) => this.#tile(item)));
    if (this.items.length === 0) this.#gallery.append(el('p', 'No photos or videos yet.'));
  }

  #tile(item: MediaItemView): HTMLElement {
    const figure = document.createElement('figure');
    figure.dataset.id = item.id;
    figure.dataset.kind = item.kind;
    if (item.kind === 'photo') {
      const img = document.createElement('img');
      img.src = item.signedUrl;
      img.alt = `photo ${new Date(item.createdAt).toLocaleString()}`;
      img.loading = 'lazy';
      figure.append(img);
    } else if (item.status !== 'recording') {
      const video = document.createElement('video');
      video.src = item.signedUrl;
      video.controls = true;
      video.preload = 'metadata';
      figure.append(video);
    }
    const seconds = item.durationMs === null ? '' : ` · ${(item.durationMs / 1000).toFixed(1)} s`;
    const status = item.status === 'complete' ? '' : ` · ${item.status}${item.error ? `: ${item.error}` : ''}`;
    const caption = el('figcaption', `${new Date(item.createdAt).toLocaleTimeString()}${seconds}${status}`);
    const remove = button('Delete', () => void this.#delete(item));
    remove.dataset.action = 'delete';
    remove.disabled = item.status === 'recording';
    caption.append(' ', remove);
    figure.append(caption);
    return figure;
  }

  async #capture(): Promise<void> {
    this.#message.textContent = 'Taking a photo…';
    const res = await this.#call('POST', 'api/capture');
    this.#message.textContent = res.ok ? 'Photo taken' : `No photo: ${String(res.body.error)}`;
    await this.refreshGallery();
  }

  async #toggleRecording(): Promise<void> {
    const stop = this.#recording;
    const res = await this.#call('POST', stop ? 'api/record/stop' : 'api/record/start');
    if (res.ok) {
      const seconds = ((res.body.durationMs as number | null) ?? 0) / 1000;
      this.#message.textContent = stop ? `Recording saved (${seconds.toFixed(1)} s)` : 'Recording…';
    } else {
      this.#message.textContent = `Recording ${stop ? 'not stopped' : 'not started'}: ${String(res.body.error)}`;
    }
    await this.refreshGallery();
  }

  async #delete(item: MediaItemView): Promise<void> {
    const res = await this.#call('DELETE', item.url);
    this.#message.textContent = res.ok ? `Deleted the ${item.kind}` : `Not deleted: ${String(res.body.error)}`;
    await this.refreshGallery();
  }

  async #refreshStream(): Promise<void> {
    if (this.#live.hidden) return;
    const res = await this.#call('GET', 'api/stream/status');
    if (!res.ok) {
      this.#liveState.textContent = `Stream status unavailable: ${String(res.body.error)}`;
      return;
    }
    const camera = this.source.session?.cameraId;
    const streams = res.body.streams as StreamView[];
    this.stream = streams.find((s) => s.camera === camera) ?? streams[0] ?? null;
    const s = this.stream;
    if (!s) return;
    const kb = Math.round(s.bytes_sent / 1024);
    this.#liveState.textContent =
      `${s.state} · ${kb} KiB sent · ${s.reconnects} reconnects` +
      (s.last_error ? ` · last error: ${s.last_error}` : '');
    this.#liveToggle.textContent = s.state === 'off' ? 'Start Livepeer' : 'Stop Livepeer';
  }

  async #toggleStream(): Promise<void> {
    const running = this.stream !== null && this.stream.state !== 'off';
    const res = await this.#call('POST', `api/stream/livepeer/${running ? 'stop' : 'start'}`);
    if (!res.ok) this.#message.textContent = `Livepeer: ${String(res.body.error)}`;
    await this.#refreshStream();
  }

  async #call(method: string, path: string): Promise<{ ok: boolean; body: Record<string, unknown> }> {
    const token = this.source.sessionToken;
    const res = await fetch(path, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    return { ok: res.ok, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
  }
}

function el(tag: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}

function button(text: string, onClick: () => void): HTMLButtonElement {
  const node = document.createElement('button');
  node.type = 'button';
  node.textContent = text;
  node.addEventListener('click', onClick);
  return node;
}
