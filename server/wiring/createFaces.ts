import type { Logger } from 'pino';
import type { Camera } from '../../media/camera/Camera.js';
import type { ResolvedConfig } from '../config/loadConfig.js';
import { FaceAnalyzerWorker } from '../vision/FaceAnalyzerWorker.js';
import { type FaceEventSink, FaceService } from '../vision/FaceService.js';
import { EnrolmentRequests } from '../vision/EnrolmentRequests.js';
import { ImageDecoder } from '../vision/ImageDecoder.js';
import { LivenessChallenges } from '../vision/LivenessChallenges.js';
import { UploadQueue } from '../vision/UploadQueue.js';
import type { Identity } from './createIdentity.js';

/** Face recognition as the server runs it, or why it does not. */
export interface Faces {
  faces: FaceService | undefined;
  decoder: ImageDecoder;
  /** Uploaded images are decoded and analysed here, one at a time. */
  uploads: UploadQueue;
  /** Operator-approved enrolment requests (present when `faces.enrolment` allows them). */
  requests: EnrolmentRequests | undefined;
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
  events: FaceEventSink,
  logger: Logger,
): Promise<Faces> {
  const decoder = new ImageDecoder({
    maxBytes: config.vision.upload.maxBytes,
    maxPixels: config.vision.upload.maxPixels,
  });
  const uploads = new UploadQueue(config.vision.upload.maxQueued);
  const { enrolment, liveness: live, requests: req } = config.faces;
  const requests =
    enrolment === 'liveness'
      ? undefined
      : new EnrolmentRequests({ ttlMs: req.ttlS * 1000, maxOutstanding: req.maxOutstanding });
  const off = { decoder, uploads, requests, close: async () => {} };
  if (!config.vision.enabled) {
    return { faces: undefined, ...off, disabledReason: 'vision.enabled is false' };
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
    return { faces: undefined, ...off, disabledReason: reason };
  }
  const liveness: LivenessChallenges | undefined =
    enrolment === 'operator'
      ? undefined
      : new LivenessChallenges({
          turns: live.turns,
          timeoutMs: live.timeoutS * 1000,
          yawTurn: live.yawTurn,
          yawCenter: live.yawCenter,
          holdFrames: live.holdFrames,
          maxOutstanding: live.maxOutstanding,
          // The operator may change the threshold at run time (faces is set before any frame comes).
          threshold: (): number => faces.threshold,
        });
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
    liveness,
    events,
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
    uploads,
    requests,
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
