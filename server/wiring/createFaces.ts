import type { Logger } from 'pino';
import type { Camera } from '../../media/camera/Camera.js';
import type { ResolvedConfig } from '../config/loadConfig.js';
import { FaceAnalyzerWorker } from '../vision/FaceAnalyzerWorker.js';
import { FaceService } from '../vision/FaceService.js';
import { ImageDecoder } from '../vision/ImageDecoder.js';
import type { Identity } from './createIdentity.js';

/** Face recognition as the server runs it, or why it does not. */
export interface Faces {
  faces: FaceService | undefined;
  decoder: ImageDecoder;
  disabledReason: string | undefined;
  close(): Promise<void>;
}

/**
 * Loads the face models on their inference thread (execution providers probed there) and
 * builds the face service over the cameras and the biometric vault; hooks the galleries to the
 * session lifecycle (load at check-in, drop at session end). Models that cannot be loaded turn
 * face recognition off with a warning naming why; the rest of the server runs.
 */
export async function createFaces(
  config: ResolvedConfig,
  cameras: ReadonlyMap<string, Camera>,
  identity: Identity,
  logger: Logger,
): Promise<Faces> {
  const decoder = new ImageDecoder({
    maxBytes: config.vision.upload.maxBytes,
    maxPixels: config.vision.upload.maxPixels,
  });
  if (!config.vision.enabled) {
    return { faces: undefined, decoder, disabledReason: 'vision.enabled is false', close: async () => {} };
  }
  let analyzer: FaceAnalyzerWorker;
  try {
    analyzer = await FaceAnalyzerWorker.create(config.vision, {
      root: config.root,
      logger,
      onExit: (error) => logger.error({ err: error }, 'face inference thread stopped'),
    });
  } catch (error) {
    const reason = `models not loaded: ${(error as Error).message}`;
    logger.warn({ err: error }, `face recognition off (${reason}); run scripts/setup.sh to install the models`);
    return { faces: undefined, decoder, disabledReason: reason, close: async () => {} };
  }
  const faces = new FaceService({
    cameras,
    model: analyzer,
    vault: identity.vault,
    analysisFps: config.faces.analysisFps,
    threshold: config.vision.recognition.threshold,
    reembedMs: config.faces.reembedMs,
    tempTtlMs: config.biometrics.tempTtlS * 1000,
    showName: (cameraId, wallet) => {
      const session = identity.sessions.openFor(cameraId, wallet);
      return session?.checkedIn ? (session.consent?.showName ?? false) : null;
    },
    logger,
  });
  identity.lifecycle.onCheckedIn(({ cameraId, wallet, showName }) => {
    try {
      faces.loadWallet(cameraId, wallet, showName);
    } catch (error) {
      logger.error({ err: error, cameraId }, 'could not load a checked-in user into the gallery');
    }
  });
  identity.lifecycle.onEnded(({ cameraId, wallet }) => faces.unloadWallet(cameraId, wallet));
  let closing: Promise<void> | undefined;
  return {
    faces,
    decoder,
    disabledReason: undefined,
    close() {
      closing ??= (async () => {
        await faces.close();
        await analyzer.close();
      })();
      return closing;
    },
  };
}
