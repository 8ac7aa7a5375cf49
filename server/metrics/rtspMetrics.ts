import { Counter, Gauge, type Registry } from 'prom-client';
import type { RtspStatus } from '../../media/rtsp/RtspOutputTypes.js';
import type { MetricsModule } from './MetricsService.js';
import { TotalCounter } from './TotalCounter.js';

/**
 * The RTSP output's metrics (media/rtsp/RtspOutput.ts), read from its status before each scrape:
 * `rtsp_up` (1 while rtspd listens), `rtsp_clients{camera}` (clients playing each configured
 * camera), `rtsp_pending_connections` (connections without valid credentials yet),
 * `rtsp_refused_clients_total` (over `outputs.rtsp.maxClients` or the pending bounds, or without
 * credentials after `authTimeoutS`) and `rtsp_dropped_clients_total` (stopped reading or timed
 * out). Labels: configured camera ids only.
 */
export function rtspMetrics(status: () => RtspStatus): MetricsModule {
  return {
    register(registry: Registry) {
      const registers = [registry];
      const up = new Gauge({ name: 'rtsp_up', help: 'RTSP server (rtspd) listening: 1, else 0.', registers });
      const clients = new Gauge<'camera'>({
        name: 'rtsp_clients',
        help: 'RTSP clients playing the camera.',
        labelNames: ['camera'],
        registers,
      });
      const pending = new Gauge({
        name: 'rtsp_pending_connections',
        help: 'RTSP connections that have not sent valid credentials yet.',
        registers,
      });
      const refused = new TotalCounter(
        new Counter({
          name: 'rtsp_refused_clients_total',
          help: 'RTSP connections refused: over outputs.rtsp.maxClients or the pending bounds, or no credentials after authTimeoutS.',
          registers,
        }),
      );
      const dropped = new TotalCounter(
        new Counter({
          name: 'rtsp_dropped_clients_total',
          help: 'RTSP clients dropped by the server (stopped reading, session timed out).',
          registers,
        }),
      );
      return () => {
        const s = status();
        up.set(s.state === 'running' ? 1 : 0);
        pending.set(s.pending_clients);
        for (const mount of s.mounts) clients.set({ camera: mount.camera }, mount.clients);
        refused.observe({}, s.refused_clients);
        dropped.observe({}, s.dropped_clients);
      };
    },
  };
}
