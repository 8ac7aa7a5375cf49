import type { Logger } from 'pino';
import type { Camera } from '../../media/camera/Camera.js';
import type { ResolvedConfig } from '../config/loadConfig.js';
import { AnalysisService } from '../analysis/AnalysisService.js';
import { ANALYZER_REGISTRY } from '../analysis/analyzerRegistry.js';
import type { Faces } from './createFaces.js';

/**
 * The analysis plugins of every camera (`cameras[].analyzers`): faces over the face service,
 * and the other types from the registry (server/analysis/analyzerRegistry.ts). A type whose
 * models cannot load is off with a warning; the server runs.
 */
export function createAnalysis(
  config: ResolvedConfig,
  cameras: ReadonlyMap<string, Camera>,
  faces: Faces,
  logger: Logger,
): Promise<AnalysisService> {
  const providers = faces.faces?.providers;
  return AnalysisService.create({
    cameras,
    analyzers: new Map(config.cameras.map((c) => [c.id, c.analyzers])),
    registry: ANALYZER_REGISTRY,
    deps: {
      config,
      faces: faces.faces,
      facesOffReason: faces.disabledReason,
      facesProvider: `onnxruntime:${providers?.detector ?? 'cpu'}`,
      logger,
    },
    logger,
  });
}
