import type { HealthService } from '../health/HealthService.js';
import type { Logger } from 'pino';
import type { AccessControl } from '../access/AccessControl.js';
import type { Camera } from '../../media/camera/Camera.js';
import type { Sfu } from '../../media/sfu/SfuTypes.js';
import type { IceServers } from '../../media/sfu/ice/IceServers.js';
import type { Mjpeg } from '../../media/mjpeg/createMjpeg.js';
import type { WsVideoServer } from '../../media/ws/WsVideoServer.js';
import type { CaptureRouterDeps } from './routers/captureRouter.js';
import type { FaceRouterDeps } from './routers/faceRouter.js';
import type { AnalysisRouterDeps } from './routers/analysisRouter.js';
import type { MetricsService } from '../metrics/MetricsService.js';
import type { StreamRouterDeps } from './routers/streamRouter.js';
import type { SessionRouterDeps } from './routers/sessionRouter.js';
import type { PlayerConfig } from '../player/playerConfig.js';
import type { JanusOutput } from '../../media/janus/JanusOutput.js';
import type { RtspStatus } from '../../media/rtsp/RtspOutputTypes.js';

/** Everything the HTTP app needs, passed explicitly to `createHttpApp`. */
export interface HttpDeps {
  cameras: ReadonlyMap<string, Camera>;
  sfu: Sfu;
  /** STUN/TURN servers for viewers (`webrtc.iceServers`, minted `webrtc.turn` credentials). */
  iceServers: IceServers;
  logger: Logger;
  /** Who may call what (server/access): the gate, the route guards, the WHEP viewer caps. */
  access: AccessControl;
  /**
   * Path prefix of `server.publicUrl` (`''` or e.g. `/cam`; accessConfig.ts `basePathOf`), put
   * before every URL the server generates; a reverse proxy strips it from requests.
   */
  basePath: string;
  /** `server.publicUrl`, when set: the OpenAPI document's server. */
  publicUrl: string | undefined;
  /** Folder of the built viewer app. */
  webRoot: string;
  /** Server start, ms since epoch. */
  startedAt: number;
  version: string;
  /** What `GET /api/health` checks. */
  health: HealthService;
  /** Sessions, sign-in, check-in and biometric purge. */
  identity: SessionRouterDeps;
  /** Face enrolment and recognition. */
  faces: FaceRouterDeps;
  /** The cameras' analyzers: status, gestures, overlay switches. */
  analysis: AnalysisRouterDeps['analysis'];
  /** Prometheus metrics (`GET /metrics` and the HTTP counters); undefined when `metrics.enabled` is false. */
  metrics: MetricsService | undefined;
  /** Photos and recordings. */
  capture: CaptureRouterDeps;
  /** The Livepeer (RTMP) broadcast. */
  stream: StreamRouterDeps;
  /** MJPEG streams. */
  mjpeg: Mjpeg;
  /** WebSocket video viewers per camera, with their counters (the upgrade itself is not Koa's). */
  wsVideo: Pick<WsVideoServer, 'viewers'>;
  /** The viewer page's player settings, served in `GET /api/status` as `player`. */
  player: PlayerConfig;
  /** The Janus forward (`outputs.janus`): viewer tokens and its state; undefined when not configured. */
  janus?: JanusOutput | undefined;
  /** The RTSP output, shown in `GET /api/status` as `rtsp` (absent: not shown). */
  rtsp?: { status(): RtspStatus };
}
