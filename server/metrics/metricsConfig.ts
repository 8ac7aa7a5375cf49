import { z } from 'zod';

/**
 * The `metrics` section: Prometheus metrics at `GET /metrics` (server/metrics/MetricsService.ts).
 * Who may read them is the access table's row: a viewer token or `server.metricsToken`.
 */
export const metricsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Serve Prometheus metrics at GET /metrics.'),
    processMetrics: z
      .boolean()
      .default(true)
      .describe('Include the Node process metrics (CPU, memory, event-loop lag) of prom-client.'),
  })
  .prefault({});

/** The `metrics` section after defaults. */
export type MetricsConfig = z.infer<typeof metricsSchema>;
