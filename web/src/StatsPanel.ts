import type { StatsSample } from './StatsSampler';

/** Stat fields shown in the panel, in display order. */
const FIELDS = [
  ['resolution', 'res'],
  ['fps', 'fps'],
  ['bitrate', 'rate'],
  ['rtt', 'RTT'],
  ['frames', 'frames'],
  ['latency', 'latency p50/p95'],
] as const;

type Field = (typeof FIELDS)[number][0];

/**
 * Renders live receive stats (from `WhepPlayer.onstats`) into the tile's
 * `data-role="stats"` element. Each value lives in a
 * `<span data-stat="resolution|fps|bitrate|rtt|frames">`; the raw numbers are
 * also mirrored as data attributes on the root element for tests
 * (`data-width`, `data-height` px, `data-fps` frames/s, `data-bitrate-kbps`
 * kbit/s, `data-rtt-ms` ms, `data-frames-decoded`, `data-frames-dropped`).
 *
 * The `latency` row (glass-to-glass p50/p95 in ms, from the frames' probe strip) is hidden unless
 * the camera's frames carry a valid probe; its numbers are mirrored as `data-latency-p50-ms` and
 * `data-latency-p95-ms`.
 */
export class StatsPanel {
  private readonly values = new Map<Field, HTMLElement>();
  private readonly cells = new Map<Field, HTMLElement>();

  constructor(readonly root: HTMLElement) {
    root.dataset.role = 'stats';
    root.classList.add('stats');
    for (const [field, label] of FIELDS) {
      const cell = document.createElement('div');
      cell.className = 'stat';
      const name = document.createElement('span');
      name.className = 'stat-label';
      name.textContent = label;
      const value = document.createElement('span');
      value.className = 'stat-value';
      value.dataset.stat = field;
      cell.append(name, value);
      root.append(cell);
      this.values.set(field, value);
      this.cells.set(field, cell);
    }
    this.clear();
  }

  /**
   * Shows the glass-to-glass latency percentiles in ms, or hides the row (null: the frames carry
   * no probe, or none lately).
   */
  updateLatency(p50Ms: number | null, p95Ms: number | null): void {
    const show = p50Ms !== null && p95Ms !== null;
    const cell = this.cells.get('latency');
    if (cell && cell.hidden === show) cell.hidden = !show;
    this.set('latency', show ? `${Math.round(p50Ms)} / ${Math.round(p95Ms)} ms` : '–');
    const d = this.root.dataset;
    if (show) {
      d.latencyP50Ms = p50Ms.toFixed(1);
      d.latencyP95Ms = p95Ms.toFixed(1);
    } else {
      delete d.latencyP50Ms;
      delete d.latencyP95Ms;
    }
  }

  /** Shows a fresh sample. */
  update(s: StatsSample): void {
    this.set('resolution', s.width && s.height ? `${s.width}x${s.height}` : '–');
    this.set('fps', s.fps === null ? '–' : `${s.fps.toFixed(s.fps < 10 ? 1 : 0)} fps`);
    this.set('bitrate', s.bitrateKbps === null ? '–' : `${Math.round(s.bitrateKbps)} kbit/s`);
    this.set('rtt', s.rttMs === null ? '–' : `${s.rttMs.toFixed(s.rttMs < 10 ? 1 : 0)} ms`);
    this.set('frames', `${s.framesDecoded} decoded / ${s.framesDropped} dropped`);
    const d = this.root.dataset;
    d.width = String(s.width ?? '');
    d.height = String(s.height ?? '');
    d.fps = s.fps === null ? '' : s.fps.toFixed(2);
    d.bitrateKbps = s.bitrateKbps === null ? '' : s.bitrateKbps.toFixed(1);
    d.rttMs = s.rttMs === null ? '' : s.rttMs.toFixed(2);
    d.framesDecoded = String(s.framesDecoded);
    d.framesDropped = String(s.framesDropped);
  }

  /** Blanks every value (no session). */
  clear(): void {
    for (const [field] of FIELDS) this.set(field, '–');
    for (const key of ['width', 'height', 'fps', 'bitrateKbps', 'rttMs', 'framesDecoded', 'framesDropped']) {
      delete this.root.dataset[key];
    }
    this.updateLatency(null, null);
  }

  private set(field: Field, text: string): void {
    const el = this.values.get(field);
    if (el && el.textContent !== text) el.textContent = text;
  }
}
