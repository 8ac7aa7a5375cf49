import type { Logger } from 'pino';
import type { Camera } from '../../media/camera/Camera.js';
import { createMjpeg, type Mjpeg } from '../../media/mjpeg/createMjpeg.js';
import { createRtmp, type Rtmp, type StreamStateSink } from '../../media/rtmp/createRtmp.js';
import { RtspOutput } from '../../media/rtsp/RtspOutput.js';
import type { StreamKeyRedactor } from '../../media/rtmp/StreamKeyRedactor.js';
import { type Capture, createCapture } from '../capture/createCapture.js';
import type { ResolvedConfig } from '../config/loadConfig.js';
import type { FaceService } from '../vision/FaceService.js';
import type { Identity } from './createIdentity.js';
import { createJanus } from '../../media/janus/createJanus.js';
import type { JanusOutput } from '../../media/janus/JanusOutput.js';

/** The outputs besides WebRTC: photos and recordings, MJPEG, the Livepeer RTMP egress. */
export interface Outputs {
  capture: Capture;
  mjpeg: Mjpeg;
  rtmp: Rtmp;
  /** The Janus forward (`outputs.janus`), undefined when `outputs.janus.apiUrl` is unset. */
  janus: JanusOutput | undefined;
  /** RTSP out for NVRs (`outputs.rtsp`); started by the server after the outputs are built. */
  rtsp: RtspOutput;
  /** Stops rtspd, the RTMP egresses, MJPEG clients, recordings (files finished) and the Janus forward. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds the photo/recording store (media under `<dataDir>/media`, metadata in the server's
 * database), the MJPEG hubs and the RTMP egresses over the running cameras. `redactor` is the
 * one the cameras' camerad supervisors already use, so every text about the stream is redacted
 * by the same rules.
 */
export function createOutputs(
  config: ResolvedConfig,
  cameras: ReadonlyMap<string, Camera>,
  identity: Identity,
  faces: FaceService | undefined,
  redactor: StreamKeyRedactor,
  events: StreamStateSink,
  logger: Logger,
): Outputs {
  const capture = createCapture({
    db: identity.database,
    cameras,
    dataDir: config.storage.dataDir,
    config: config.outputs,
    isOperatorWallet: (wallet) => wallet === config.auth.operatorWallet,
    ...(faces ? { faces: (cameraId: string) => faces.facesInFrame(cameraId) } : {}),
    logger,
  });
  const mjpeg = createMjpeg({ cameras, config: config.outputs.mjpeg, logger });
  const rtmp = createRtmp({ cameras, config: config.livepeer, logger, redactor, events });
  const janus = createJanus(config.outputs.janus, cameras.values(), logger);
  const rtsp = new RtspOutput(cameras, config.outputs.rtsp, logger);
  let closing: Promise<void> | undefined;
  return {
    capture,
    mjpeg,
    rtmp,
    janus,
    rtsp,
    close() {
      closing ??= (async () => {
        await Promise.allSettled([rtmp.close(), rtsp.close(), mjpeg.close(), capture.close(), janus?.close()]);
      })();
      return closing;
    },
  };
}
