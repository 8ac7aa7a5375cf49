import { Counter, Gauge, type Registry } from 'prom-client';
import type { RecordingTotals } from '../capture/RecordingManager.js';
import type { MetricsModule } from './MetricsService.js';
import { TotalCounter } from './TotalCounter.js';

/**
 * The recordings' metrics (server/capture/RecordingManager.ts): a gauge per configured camera
 * (1 while it records), recordings ended by final status, and bytes written to recordings.
 */
export class RecordingMetrics implements MetricsModule {
  readonly #cameraIds: readonly string[];
  readonly #totals: () => RecordingTotals;

  /**
   * @param cameraIds the configured cameras: the only values of the `camera` label.
   * @param totals `RecordingManager.totals`.
   */
  constructor(cameraIds: readonly string[], totals: () => RecordingTotals) {
    this.#cameraIds = cameraIds;
    this.#totals = totals;
  }

  register(registry: Registry): () => void {
    const registers = [registry];
    const active = new Gauge({
      name: 'recording_in_progress',
      help: '1 while the camera is being recorded, else 0.',
      labelNames: ['camera'] as const,
      registers,
    });
    const ended = new TotalCounter(
      new Counter({
        name: 'recordings_ended_total',
        help: 'Recordings ended, by final status: complete, interrupted (camerad stopped), failed (e.g. disk full).',
        labelNames: ['status'] as const,
        registers,
      }),
    );
    const bytes = new TotalCounter(
      new Counter({
        name: 'recording_written_bytes_total',
        help: 'Bytes written to recordings (ended ones plus the current size of running ones).',
        registers,
      }),
    );
    return () => {
      const totals = this.#totals();
      for (const camera of this.#cameraIds) active.set({ camera }, totals.recording.includes(camera) ? 1 : 0);
      for (const [status, n] of Object.entries(totals.ended)) ended.observe({ status }, n);
      bytes.observe({}, totals.bytes);
    };
  }
}
