import type { Camera } from '../../media/camera/Camera.js';
import type { Sfu } from '../../media/sfu/SfuTypes.js';
import type { WsVideoServer } from '../../media/ws/WsVideoServer.js';
import type { ResolvedConfig } from '../config/loadConfig.js';
import { BiometricsMetrics } from '../metrics/BiometricsMetrics.js';
import { ChainMetrics } from '../metrics/ChainMetrics.js';
import { janusMetrics } from '../metrics/janusMetrics.js';
import { type MetricsModule, MetricsService } from '../metrics/MetricsService.js';
import { MjpegMetrics } from '../metrics/MjpegMetrics.js';
import { RecordingMetrics } from '../metrics/RecordingMetrics.js';
import { rtspMetrics } from '../metrics/rtspMetrics.js';
import type { Analysis } from './createAnalysis.js';
import type { Identity } from './createIdentity.js';
import type { Outputs } from './createOutputs.js';

/** The Prometheus metrics over the running parts, or undefined when `metrics.enabled` is false. */
export function createMetrics(
  config: ResolvedConfig,
  parts: {
    cameras: ReadonlyMap<string, Camera>;
    sfu: Sfu;
    wsVideo: Pick<WsVideoServer, 'viewers'>;
    analysis: Analysis;
    outputs: Outputs;
    /** The biometric vault and the chain watcher (when `chain.rpcUrl` is set). */
    identity: Pick<Identity, 'vault' | 'routes'>;
  },
): MetricsService | undefined {
  if (!config.metrics.enabled) return undefined;
  const { cameras, sfu, wsVideo, analysis, outputs, identity } = parts;
  const cameraIds = [...cameras.keys()];
  const watcher = identity.routes.chain?.watcher;
  // Each output's or store's metrics in its own module (server/metrics/*Metrics.ts).
  const modules: MetricsModule[] = [
    new MjpegMetrics({
      stats: () => outputs.mjpeg.stats(),
      stillEncodeMs: (id) => cameras.get(id)?.cameradStats?.stills_encode_ms,
    }),
    new RecordingMetrics(cameraIds, () => outputs.capture.recordings.totals()),
    new BiometricsMetrics(() => identity.vault.stats()),
    ...(watcher ? [new ChainMetrics(() => watcher.stats())] : []),
    ...(outputs.janus ? [janusMetrics(() => outputs.janus!.status())] : []),
    rtspMetrics(() => outputs.rtsp.status()),
  ];
  return new MetricsService(
    {
      cameraIds,
      cameraStatus: (id) => cameras.get(id)!.status(),
      webrtcViewers: (id) => sfu.viewers(id),
      websocketViewers: (id) => wsVideo.viewers(id),
      analysis: () => analysis.service.status(),
      rtmp: () => outputs.rtmp.status(),
    },
    { processMetrics: config.metrics.processMetrics },
    modules,
  );
}
