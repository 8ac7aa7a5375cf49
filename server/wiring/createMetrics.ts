import type { Camera } from '../../media/camera/Camera.js';
import type { Sfu } from '../../media/sfu/SfuTypes.js';
import type { WsVideoServer } from '../../media/ws/WsVideoServer.js';
import type { ResolvedConfig } from '../config/loadConfig.js';
import { MetricsService } from '../metrics/MetricsService.js';
import { rtspMetrics } from '../metrics/rtspMetrics.js';
import type { Analysis } from './createAnalysis.js';
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
  },
): MetricsService | undefined {
  if (!config.metrics.enabled) return undefined;
  const { cameras, sfu, wsVideo, analysis, outputs } = parts;
  return new MetricsService(
    {
      cameraIds: [...cameras.keys()],
      cameraStatus: (id) => cameras.get(id)!.status(),
      webrtcViewers: (id) => sfu.viewers(id),
      websocketViewers: (id) => wsVideo.viewers(id),
      analysis: () => analysis.service.status(),
      rtmp: () => outputs.rtmp.status(),
    },
    { processMetrics: config.metrics.processMetrics },
    [rtspMetrics(() => outputs.rtsp.status())],
  );
}
