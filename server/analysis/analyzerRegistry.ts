import type { Logger } from 'pino';
import type { ResolvedConfig } from '../config/loadConfig.js';
import type { FaceService } from '../vision/FaceService.js';
import type { AnalyzerEntry } from './analyzersConfig.js';
import type { AnalyzerProvider } from './analyzerTypes.js';
import { AnalyzerUnavailableError } from './AnalyzerUnavailableError.js';
import { FacesProvider } from './faces/FacesProvider.js';
import { SkyProvider } from './sky/SkyProvider.js';
import { ObjectsProvider } from './objects/ObjectsProvider.js';
import type { ObjectCountsEvent } from './objects/ObjectsAnalyzer.js';
import type { ObjectModelName } from './objects/objectModels.js';
import { HandsProvider } from './hands/HandsProvider.js';
import type { GestureEvent } from './hands/HandsAnalyzer.js';

/** What an analyzer type's provider may be built from. */
export interface ProviderDeps {
  config: ResolvedConfig;
  /** The face service, or undefined when face recognition is off (`facesOffReason` says why). */
  faces: FaceService | undefined;
  facesOffReason: string | undefined;
  /** The face models' execution providers, e.g. `onnxruntime:cpu`. */
  facesProvider: string;
  /** A hands analyzer's gesture started, changed or ended (the `gesture:*` events). */
  onGesture: (event: GestureEvent) => void;
  /** Called when an objects analyzer's count of a class changes (the `object:counts` event). */
  onObjectCounts: (event: ObjectCountsEvent) => void;
  logger: Logger;
}

/** Builds a type's provider (loading its models); rejects with AnalyzerUnavailableError or the load error. */
export type ProviderFactory = (deps: ProviderDeps) => Promise<AnalyzerProvider<never>>;

/**
 * The analyzer types, keyed by the `type` of `cameras[].analyzers` entries: adding a type is a
 * folder under server/analysis/, its entry schema in analyzersConfig.ts and one line here
 * (docs/analyzers.md). A provider is built once per server, only when some camera uses its type.
 */
export const ANALYZER_REGISTRY: Record<AnalyzerEntry['type'], ProviderFactory> = {
  faces: (deps) => {
    if (!deps.faces)
      return Promise.reject(new AnalyzerUnavailableError(deps.facesOffReason ?? 'face recognition is off'));
    return Promise.resolve(new FacesProvider(deps.faces, deps.config.faces.analysisFps, deps.facesProvider));
  },
  sky: () => Promise.resolve(new SkyProvider()),
  hands: (deps) =>
    HandsProvider.create({
      root: deps.config.root,
      logger: deps.logger,
      runtime: deps.config.analysis.hands,
      models: deps.config.cameras.flatMap((c) => c.analyzers.flatMap((a) => (a.type === 'hands' ? [a.model] : []))),
      onGesture: deps.onGesture,
      onExit: (error) => deps.logger.error({ err: error }, 'hands inference thread stopped'),
    }),
  objects: (deps) => {
    const models = new Set<ObjectModelName>();
    for (const camera of deps.config.cameras) {
      for (const entry of camera.analyzers) if (entry.type === 'objects') models.add(entry.model);
    }
    return ObjectsProvider.create({
      root: deps.config.root,
      logger: deps.logger,
      config: deps.config.analysis.objects,
      models: [...models],
      onCounts: deps.onObjectCounts,
      onExit: (error) => deps.logger.error({ err: error }, 'objects inference thread stopped'),
    });
  },
};
