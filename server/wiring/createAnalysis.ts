import type { Logger } from 'pino';
import type { Camera } from '../../media/camera/Camera.js';
import type { ResolvedConfig } from '../config/loadConfig.js';
import { AnalysisService } from '../analysis/AnalysisService.js';
import { ANALYZER_REGISTRY } from '../analysis/analyzerRegistry.js';
import type { FaceDetection, HandDetection, ObjectDetection } from '../analysis/analyzerTypes.js';
import { GestureRelay } from '../analysis/gestures/GestureRelay.js';
import type { EventHub } from '../events/EventHub.js';
import type { Faces } from './createFaces.js';
import type { Identity } from './createIdentity.js';

/** The analyzers with the events and actions built on them. */
export interface Analysis {
  service: AnalysisService;
  /** Gesture events and `gestures.actions` (attach the capture later). */
  gestures: GestureRelay;
}

/**
 * The analysis plugins of every camera (`cameras[].analyzers`): faces over the face service,
 * and the other types from the registry (server/analysis/analyzerRegistry.ts). A type whose
 * models cannot load is off with a warning; the server runs. Hands feed the gesture events and
 * actions; objects analyzers send `object:counts` when a count changes.
 */
export async function createAnalysis(
  config: ResolvedConfig,
  cameras: ReadonlyMap<string, Camera>,
  faces: Faces,
  identity: Identity,
  hub: EventHub,
  logger: Logger,
): Promise<Analysis> {
  const gestures = new GestureRelay({
    actions: config.gestures.actions,
    isCheckedIn: (cameraId, wallet) => identity.sessions.openFor(cameraId, wallet)?.checkedIn === true,
    draw: (cameraId, layer, items) => {
      cameras
        .get(cameraId)
        ?.setOverlays(items, { layer })
        .catch((error: unknown) => logger.debug({ camera: cameraId, err: error }, 'action label not drawn'));
    },
    events: hub,
    logger,
  });
  const providers = faces.faces?.providers;
  const service: AnalysisService = await AnalysisService.create({
    cameras,
    analyzers: new Map(config.cameras.map((c) => [c.id, c.analyzers])),
    registry: ANALYZER_REGISTRY,
    deps: {
      config,
      faces: faces.faces,
      facesOffReason: faces.disabledReason,
      facesProvider: `onnxruntime:${providers?.detector ?? 'cpu'}`,
      onObjectCounts: (event) => hub.emitCamera('object:counts', event),
      onGesture: (event) => gestures.gesture(event),
      logger,
    },
    logger,
    onResult: (cameraId, type, detections, at) => {
      if (type === 'hands') {
        const faces = service.detections(cameraId, 'face') as FaceDetection[];
        const people = (service.detections(cameraId, 'object') as ObjectDetection[]).filter(
          (o) => o.label === 'person',
        );
        gestures.observe(cameraId, detections as HandDetection[], faces, people, at);
      }
    },
  });
  return { service, gestures };
}
