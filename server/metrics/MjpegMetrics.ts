import { Counter, Gauge, type Registry } from 'prom-client';
import type { MjpegStats } from '../../media/mjpeg/createMjpeg.js';
import type { MetricsModule } from './MetricsService.js';
import { TotalCounter } from './TotalCounter.js';

/** What {@link MjpegMetrics} reads at each scrape. */
export interface MjpegMetricsSource {
  /** The MJPEG module's statistics (`GET /api/mjpeg`): one hub per configured camera and variant. */
  stats(): MjpegStats;
  /**
   * camerad's mean time to make one JPEG still since it started, ms (`stats.stills_encode_ms`,
   * native/PROTOCOL.md); undefined when camerad has not reported it.
   */
  stillEncodeMs(cameraId: string): number | undefined;
}

/**
 * The MJPEG output's metrics (media/mjpeg): clients now and frames dropped for slow clients per
 * camera and variant (`clean`: `/mjpeg-stream`; `overlays`: `/mjpeg-stream-with-faces`, `/stream`),
 * stills received from camerad, clients refused at `outputs.mjpeg.maxClients`, and camerad's
 * still encode time. Labels: configured camera ids and the two variants only.
 */
export class MjpegMetrics implements MetricsModule {
  readonly #source: MjpegMetricsSource;

  constructor(source: MjpegMetricsSource) {
    this.#source = source;
  }

  register(registry: Registry): () => void {
    const registers = [registry];
    const labelNames = ['camera', 'variant'] as const;
    const clients = new Gauge({
      name: 'mjpeg_clients',
      help: 'MJPEG clients connected now, by camera and variant (clean, overlays).',
      labelNames,
      registers,
    });
    const dropped = new TotalCounter(
      new Counter({
        name: 'mjpeg_dropped_frames_total',
        help: 'MJPEG frames dropped for clients that did not keep up (their bounded queue was full).',
        labelNames,
        registers,
      }),
    );
    const stills = new TotalCounter(
      new Counter({
        name: 'mjpeg_stills_received_total',
        help: 'JPEG stills received from camerad while the variant was switched on.',
        labelNames,
        registers,
      }),
    );
    const refused = new TotalCounter(
      new Counter({
        name: 'mjpeg_refused_clients_total',
        help: 'MJPEG clients turned away (503) because outputs.mjpeg.maxClients were connected.',
        registers,
      }),
    );
    const encode = new Gauge({
      name: 'mjpeg_still_encode_seconds',
      help: 'Mean time camerad took to make one JPEG still (I420 to RGB to JPEG) since it started.',
      labelNames: ['camera'] as const,
      registers,
    });
    return () => {
      const stats = this.#source.stats();
      refused.observe({}, stats.refused);
      encode.reset();
      for (const hub of stats.hubs) {
        const labels = { camera: hub.camera, variant: hub.variant };
        clients.set(labels, hub.clients);
        dropped.observe(labels, hub.dropped);
        stills.observe(labels, hub.stills);
        const ms = this.#source.stillEncodeMs(hub.camera);
        if (ms !== undefined) encode.set({ camera: hub.camera }, ms / 1000);
      }
    };
  }
}
