import { withViewerToken } from '../api';
import type { FaceSessionSource } from '../faces/FacePanel';
import type { AnalysisStatusView, AnalyzerStatusView } from './analysisTypes';
import { VisiblePoller } from './VisiblePoller';

/** How often `GET /api/analysis/status` is asked while the panel is open and the page visible, ms. */
const STATUS_POLL_MS = 2000;

/**
 * The analysis panel beside the players: per camera, each analyzer's provider, achieved against
 * configured frames/s, drops and median ms, object counts per class, the sky reading, the types
 * that do not run and why; for the operator, a switch per running analyzer type that burns its
 * overlays into the video or not (`POST /api/analysis/overlays` with the session token; the state
 * shown is the server's `overlays`). Refreshed every 2 s while open and visible (one request at a
 * time). Errors are shown in the panel, never thrown.
 *
 * DOM contract, inside the root (`#analysis`):
 * - `[data-field=status]` why the status is not shown (empty when it is);
 * - `section[data-camera=<id>]` per camera, `li[data-analyzer=<type>]` per analyzer with
 *   `data-fps`, `data-achieved-fps`, `data-dropped`, and `[data-field=provider|rate|dropped|ms|summary]`;
 *   objects: `[data-count=<class>]` (`data-value` the count); sky: `[data-sky=cloud|brightness|color]`
 *   (`data-value` the number, cloud cover 0..1);
 * - `li[data-unavailable=<type>]` per type that does not run;
 * - `fieldset[data-role=overlays]` (operator only): `input[type=checkbox][data-type=<type>]`;
 * - `[data-field=message]` the outcome of the last switch that failed.
 * `window.__analysis` exposes `status` (the last answer) and `error`.
 */
export class AnalysisPanel {
  /** The last answer of `GET /api/analysis/status`, null before the first. */
  status: AnalysisStatusView | null = null;
  /** Why the last refresh failed, null after a success. */
  error: string | null = null;
  readonly #details: HTMLDetailsElement;
  readonly #statusLine: HTMLElement;
  readonly #cameras: HTMLElement;
  readonly #unavailable: HTMLElement;
  readonly #overlays: HTMLFieldSetElement;
  readonly #message: HTMLElement;
  readonly #switches = new Map<string, HTMLInputElement>();
  /** Types whose switch was just changed here: the server's answer decides, not a poll in flight. */
  readonly #pending = new Set<string>();
  readonly #poller: VisiblePoller;

  constructor(
    root: HTMLElement,
    private readonly source: FaceSessionSource,
  ) {
    root.replaceChildren();
    this.#details = document.createElement('details');
    this.#details.open = true;
    const summary = document.createElement('summary');
    summary.append(el('h2', 'Analysis'));
    this.#statusLine = el('p', 'loading…');
    this.#statusLine.dataset.field = 'status';
    this.#cameras = el('div', '');
    this.#cameras.dataset.role = 'cameras';
    this.#unavailable = el('div', '');
    this.#unavailable.dataset.role = 'unavailable';
    this.#overlays = document.createElement('fieldset');
    this.#overlays.dataset.role = 'overlays';
    this.#overlays.className = 'analysis-overlays';
    this.#message = el('p', '');
    this.#message.dataset.field = 'message';
    this.#message.setAttribute('role', 'alert');
    this.#details.append(summary, this.#statusLine, this.#cameras, this.#unavailable, this.#overlays, this.#message);
    root.append(this.#details);
    this.#poller = new VisiblePoller(
      (signal) => this.refresh(signal),
      STATUS_POLL_MS,
      () => this.#details.open,
    );
    this.#details.addEventListener('toggle', () => this.#poller.kick());
    source.onChange(() => this.#renderOverlays());
    this.#renderOverlays();
  }

  /** Asks `GET /api/analysis/status` once and shows it; never rejects. */
  async refresh(signal?: AbortSignal): Promise<void> {
    try {
      const res = await fetch(withViewerToken('api/analysis/status'), { cache: 'no-store', signal });
      const body = (await res.json().catch(() => ({}))) as AnalysisStatusView & { error?: string };
      if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
      this.status = body;
      this.error = null;
      this.#statusLine.textContent = body.cameras.length === 0 ? 'No camera runs an analyzer.' : '';
      this.#statusLine.hidden = body.cameras.length > 0;
      this.#render(body);
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.#statusLine.hidden = false;
      this.#statusLine.textContent = `Analysis status unavailable: ${this.error}`;
    }
  }

  /** Stops the refreshes (idempotent). */
  close(): void {
    this.#poller.close();
  }

  #render(status: AnalysisStatusView): void {
    this.#cameras.replaceChildren(
      ...status.cameras.map((camera) => {
        const section = document.createElement('section');
        section.dataset.camera = camera.id;
        section.className = 'analysis-camera';
        section.append(el('h3', `${camera.id} · ${formatFps(camera.fps)} frames/s analysed`));
        const list = document.createElement('ul');
        list.append(...camera.analyzers.map((a) => analyzerItem(a)));
        if (camera.analyzers.length === 0) list.append(el('li', 'no analyzer'));
        section.append(list);
        return section;
      }),
    );
    this.#unavailable.replaceChildren();
    if (status.unavailable.length > 0) {
      const list = document.createElement('ul');
      for (const u of status.unavailable) {
        const item = el('li', `${u.type}: ${u.reason}`);
        item.dataset.unavailable = u.type;
        list.append(item);
      }
      this.#unavailable.append(el('h3', 'Not running'), list);
    }
    this.#renderOverlays();
  }

  /** The operator's switches: one per analyzer type that runs on some camera, checked as the server says. */
  #renderOverlays(): void {
    const operator = this.source.session?.role === 'operator' && this.source.sessionToken !== null;
    const status = this.status;
    const types = status ? [...new Set(status.cameras.flatMap((c) => c.analyzers.map((a) => a.type)))] : [];
    this.#overlays.hidden = !operator || types.length === 0;
    if (this.#overlays.hidden || !status) return;
    if (types.join() !== [...this.#switches.keys()].join()) {
      this.#switches.clear();
      this.#overlays.replaceChildren(el('legend', 'Overlays in the video'));
      for (const type of types) {
        const input = document.createElement('input');
        input.type = 'checkbox';
        input.dataset.type = type;
        input.name = `overlay-${type}`;
        input.addEventListener('change', () => void this.#setOverlays(type, input.checked));
        const label = document.createElement('label');
        label.append(input, ` ${type}`);
        this.#overlays.append(label);
        this.#switches.set(type, input);
      }
    }
    for (const [type, input] of this.#switches) {
      if (!this.#pending.has(type)) input.checked = status.overlays[type] ?? true;
    }
  }

  async #setOverlays(type: string, enabled: boolean): Promise<void> {
    const input = this.#switches.get(type);
    this.#pending.add(type);
    if (input) input.disabled = true;
    try {
      const token = this.source.sessionToken;
      const res = await fetch('api/analysis/overlays', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ type, enabled }),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: string };
        throw new Error(body.error ?? `HTTP ${res.status}`);
      }
      this.#message.textContent = '';
      if (this.status) this.status.overlays[type] = enabled;
    } catch (err) {
      if (input) input.checked = !enabled;
      this.#message.textContent = `${type} overlays not changed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      this.#pending.delete(type);
      if (input) input.disabled = false;
    }
  }
}

/** One analyzer's line: type, provider, rate, drops, ms, and its summary. */
function analyzerItem(a: AnalyzerStatusView): HTMLElement {
  const item = document.createElement('li');
  item.dataset.analyzer = a.type;
  item.dataset.fps = String(a.fps);
  item.dataset.achievedFps = String(a.achievedFps);
  item.dataset.dropped = String(a.dropped);
  const head = document.createElement('div');
  head.append(
    el('strong', a.type),
    ' ',
    field('provider', a.provider),
    ' · ',
    field('rate', `${formatFps(a.achievedFps)} of ${formatFps(a.fps)} fps`),
    ' · ',
    field('dropped', `${a.dropped} dropped`),
    ' · ',
    field('ms', `${a.msMedian.toFixed(1)} ms`),
  );
  item.append(head);
  const summary = summaryOf(a);
  if (summary) item.append(summary);
  return item;
}

/** The analyzer's public summary in words: counts per class, the sky reading, or its figures. */
function summaryOf(a: AnalyzerStatusView): HTMLElement | null {
  const s = a.summary;
  if (!s || Object.keys(s).length === 0) return null;
  const node = el('div', '');
  node.dataset.field = 'summary';
  node.className = 'analysis-summary';
  const counts = a.type === 'objects' && isCounts(s.counts) ? s.counts : null;
  if (counts) {
    const entries = Object.entries(counts);
    entries.forEach(([label, n], i) => {
      const count = el('span', `${label} ${n}`);
      count.dataset.count = label;
      count.dataset.value = String(n);
      node.append(...(i > 0 ? [' · ', count] : [count]));
    });
    if (entries.length === 0) node.textContent = 'nothing counted';
    return node;
  }
  if (a.type === 'sky' && typeof s.cloudCover === 'number') {
    const cloud = el('span', `cloud ${Math.round(s.cloudCover * 100)} %`);
    cloud.dataset.sky = 'cloud';
    cloud.dataset.value = String(s.cloudCover);
    node.append(cloud);
    if (typeof s.brightness === 'number') {
      const brightness = el('span', `brightness ${Math.round(s.brightness)}/255`);
      brightness.dataset.sky = 'brightness';
      brightness.dataset.value = String(s.brightness);
      node.append(' · ', brightness);
    }
    if (typeof s.color === 'string' && /^#[0-9a-f]{6}$/i.test(s.color)) {
      const swatch = el('span', '');
      swatch.className = 'analysis-swatch';
      swatch.dataset.sky = 'color';
      swatch.dataset.value = s.color;
      swatch.style.background = s.color;
      swatch.title = `mean colour ${s.color}`;
      swatch.setAttribute('role', 'img');
      swatch.setAttribute('aria-label', `mean colour ${s.color}`);
      node.append(' ', swatch);
    }
    return node;
  }
  // Any other summary (hands: per gesture): its numbers, one level deep.
  const parts: string[] = [];
  for (const [key, value] of Object.entries(s)) {
    if (typeof value === 'number' || typeof value === 'string') parts.push(`${key} ${value}`);
    else if (isCounts(value)) for (const [k, n] of Object.entries(value)) parts.push(`${k} ${n}`);
  }
  node.textContent = parts.join(' · ');
  return parts.length > 0 ? node : null;
}

function isCounts(value: unknown): value is Record<string, number> {
  return typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'number');
}

function formatFps(fps: number): string {
  return fps >= 10 || Number.isInteger(fps) ? String(Math.round(fps)) : fps.toFixed(1);
}

function field(name: string, text: string): HTMLElement {
  const node = el('span', text);
  node.dataset.field = name;
  return node;
}

function el(tag: string, text: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  return node;
}
