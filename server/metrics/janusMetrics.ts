import { Counter, Gauge, type Registry } from 'prom-client';
import type { JanusStatus } from '../../media/janus/JanusOutput.js';
import type { MetricsModule } from './MetricsService.js';
import { TotalCounter } from './TotalCounter.js';

/**
 * Metrics of the Janus forward (media/janus/JanusOutput.ts), read at each scrape from its
 * status: forward up per camera, RTP packets and bytes sent to the mountpoints, packets dropped
 * before Janus, re-creations after a Janus restart, viewer tokens outstanding. `camera` takes the
 * configured ids only.
 */
export function janusMetrics(status: () => JanusStatus): MetricsModule {
  return {
    register(registry: Registry) {
      const registers = [registry];
      const camera = ['camera'] as const;
      const up = new Gauge({
        name: 'janus_forward_up',
        help: '1 while the camera’s Janus mountpoint exists and RTP goes to it, else 0.',
        labelNames: camera,
        registers,
      });
      const packets = new TotalCounter(
        new Counter({
          name: 'janus_forward_packets_total',
          help: 'RTP packets sent to the Janus mountpoint.',
          labelNames: camera,
          registers,
        }),
      );
      const bytes = new TotalCounter(
        new Counter({
          name: 'janus_forward_bytes_total',
          help: 'Bytes of (S)RTP sent to the Janus mountpoint.',
          labelNames: camera,
          registers,
        }),
      );
      const dropped = new TotalCounter(
        new Counter({
          name: 'janus_forward_dropped_packets_total',
          help: 'RTP packets not sent to Janus (no mountpoint, or the send queue full).',
          labelNames: camera,
          registers,
        }),
      );
      const recreations = new TotalCounter(
        new Counter({
          name: 'janus_recreations_total',
          help: 'Janus session and mountpoints re-created after they were lost (a Janus restart).',
          registers,
        }),
      );
      const tokens = new Gauge({ name: 'janus_tokens', help: 'Viewer tokens outstanding in Janus.', registers });
      return () => {
        const s = status();
        for (const c of s.cameras) {
          const labels = { camera: c.camera };
          up.set(labels, c.up ? 1 : 0);
          packets.observe(labels, c.packets);
          bytes.observe(labels, c.bytes);
          dropped.observe(labels, c.dropped);
        }
        recreations.observe({}, s.recreations);
        tokens.set(s.tokens);
      };
    },
  };
}
