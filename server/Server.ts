import { HealthService } from './health/HealthService.js';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Camera } from '../media/camera/Camera.js';
import { WeriftSfu } from '../media/sfu/werift/WeriftSfu.js';
import { IceServers } from '../media/sfu/ice/IceServers.js';
import { turnCredentialOptions } from '../media/sfu/webrtcConfig.js';
import { cameradArgs, cameradSourceFile } from './config/cameradArgs.js';
import { sourceUrlSecrets } from '../media/camerad/sourceCredentials.js';
import { ensurePrivateDir } from '../media/core/privateFiles.js';
import type { ResolvedConfig } from './config/loadConfig.js';
import { EventHub } from './events/EventHub.js';
import { TeardownStack } from './TeardownStack.js';
import type { FaceService } from './vision/FaceService.js';
import { createHttpApp } from './http/createHttpApp.js';
import { createFaces, type Faces } from './wiring/createFaces.js';
import { type Analysis, createAnalysis } from './wiring/createAnalysis.js';
import type { AnalysisService } from './analysis/AnalysisService.js';
import { createIdentity, type Identity } from './wiring/createIdentity.js';
import { createOutputs, type Outputs } from './wiring/createOutputs.js';
import { createWsVideo } from './wiring/createWsVideo.js';
import { createMetrics } from './wiring/createMetrics.js';
import type { WsVideoServer } from '../media/ws/WsVideoServer.js';
import { createStreamKeyRedactor } from '../media/rtmp/createRtmp.js';
import { AccessControl } from './access/AccessControl.js';
import { accessSettings } from './access/accessSettings.js';
import { basePathOf } from './access/accessConfig.js';

/**
 * The running server: SFU, cameras and HTTP, created in dependency order and closed in
 * reverse. `main.ts` only loads the configuration and calls {@link Server.create}.
 */
export class Server {
  readonly #logger: Logger;
  readonly #teardown: TeardownStack;
  readonly #cameras: Map<string, Camera>;
  readonly #http: HttpServer;
  readonly #identity: Identity;
  readonly #hub: EventHub;
  readonly #faces: Faces;
  readonly #analysis: Analysis;
  readonly #outputs: Outputs;
  readonly #wsVideo: WsVideoServer;
  #closing: Promise<void> | undefined;

  private constructor(
    logger: Logger,
    teardown: TeardownStack,
    cameras: Map<string, Camera>,
    http: HttpServer,
    identity: Identity,
    hub: EventHub,
    faces: Faces,
    analysis: Analysis,
    outputs: Outputs,
    wsVideo: WsVideoServer,
  ) {
    this.#logger = logger;
    this.#teardown = teardown;
    this.#cameras = cameras;
    this.#http = http;
    this.#identity = identity;
    this.#hub = hub;
    this.#faces = faces;
    this.#analysis = analysis;
    this.#outputs = outputs;
    this.#wsVideo = wsVideo;
  }

  /**
   * Starts everything.
   * @throws Error when an RTP port or the HTTP port cannot be bound.
   */
  static async create(config: ResolvedConfig, logger: Logger): Promise<Server> {
    const version = (JSON.parse(readFileSync(join(config.root, 'package.json'), 'utf8')) as { version: string })
      .version;
    // Every part is pushed on the teardown stack once built: a failure below unwinds what
    // exists, and close() unwinds the same stack. Pushed in the order that closes, in reverse,
    // events, WebSocket video, analysis, outputs, faces, HTTP, cameras, SFU, identity.
    const teardown = new TeardownStack(logger);
    try {
      // 0. The event hub, first: the modules that send events get it at construction. It holds
      //    no socket until it is attached to the HTTP server (step 7).
      const hub = new EventHub({
        limits: config.limits,
        cameraIds: new Set(config.cameras.map((c) => c.id)),
        logger,
      });
      // 1. Identity: the SQLite store, sessions, chain and biometrics (no network I/O yet). The
      //    loopback sign-in domain names the HTTP port, known once it listens (step 6).
      let boundPort: number | undefined = undefined;
      const identity = createIdentity(
        config,
        config.cameras.map((c) => c.id),
        logger,
        { boundPort: () => boundPort, events: hub },
      );
      teardown.push('identity', () => identity.close());
      // 2. SFU: needs only network settings.
      const sfu = new WeriftSfu(
        {
          announcedAddresses: config.webrtc.announcedAddresses,
          bindAddress: config.webrtc.bindAddress,
          portRange: [config.webrtc.udpPortMin, config.webrtc.udpPortMax],
          viewerTimeoutMs: config.webrtc.viewerTimeoutMs,
          relay: config.webrtc.serverRelay ? turnCredentialOptions(config.webrtc) : undefined,
        },
        logger,
        {
          workers: config.webrtc.workers === 'auto' ? Math.min(4, availableParallelism()) : config.webrtc.workers,
          gopCachePackets: config.webrtc.gopCachePackets,
        },
      );
      teardown.push('sfu', () => sfu.close());
      // 3. Cameras: each binds its RTP ingest, registers with the SFU, then starts camerad. Every
      //    camerad log line passes the stream key redactor (camerad redacts too), which also knows
      //    the cameras' source credentials. The runtime folder (sockets, source files) is 0700.
      const widened = ensurePrivateDir(config.camerad.runtimeDir, 'camerad.runtimeDir');
      if (widened !== undefined)
        logger.warn(
          { folder: config.camerad.runtimeDir, was: widened.toString(8) },
          'runtime folder tightened to 0700',
        );
      const redactor = createStreamKeyRedactor(config.livepeer);
      for (const camera of config.cameras)
        for (const secret of sourceUrlSecrets(camera.source)) redactor.addSecret(secret);
      const cameras = new Map<string, Camera>();
      teardown.push('cameras', async () => {
        await Promise.all([...cameras.values()].map((c) => c.close()));
        cameras.clear();
      });
      for (const camera of config.cameras) {
        cameras.set(
          camera.id,
          await Camera.create(
            {
              id: camera.id,
              name: camera.name,
              source: camera.source,
              width: camera.width,
              height: camera.height,
              fps: camera.fps,
              rtpPort: camera.rtpPort,
              keyframeMinIntervalMs: config.camerad.keyframeMinIntervalMs,
              latencyProbe: camera.latencyProbe,
              camerad: {
                cameraId: camera.id,
                mode: config.camerad.mode,
                binary: config.camerad.binary,
                args: cameradArgs(camera, config),
                sourceFile: { path: cameradSourceFile(camera, config.camerad.runtimeDir), source: camera.source },
                socketPath: camera.socketPath,
                backoffInitialMs: config.camerad.backoffInitialMs,
                backoffMaxMs: config.camerad.backoffMaxMs,
                redact: (text) => redactor.redact(text),
              },
            },
            sfu,
            logger,
          ),
        );
      }
      // The HTTP server listens last (step 6) but closes here, after the outputs (MJPEG
      // responses end, recordings are finished, the RTMP branch stops) and before the cameras.
      const listener: { http?: HttpServer } = {};
      teardown.push('http', async () => {
        const { http } = listener;
        if (!http) return;
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      });
      // 4. Face recognition: models on their inference thread, a pipeline per camera.
      const faces = await createFaces(config, cameras, identity, hub, logger);
      teardown.push('faces', () => faces.close());
      // 5. Outputs besides WebRTC: photos and recordings, MJPEG, RTSP, the Livepeer RTMP egress.
      const outputs = createOutputs(config, cameras, identity, faces.faces, redactor, hub, logger);
      teardown.push('outputs', () => outputs.close());
      await outputs.rtsp.start();
      // 5b. The analyzers of each camera (faces, hands, objects, sky) over camerad's analysis
      //     frames; gesture actions take photos and recordings.
      const analysis = await createAnalysis(config, cameras, faces, identity, hub, logger);
      teardown.push('analysis', () => analysis.service.close());
      const { photos, recordings } = outputs.capture;
      analysis.gestures.attachCapture({
        photo: (cameraId, caller) => photos.capture(cameraId, caller),
        recordStart: (cameraId, caller) => recordings.start(cameraId, caller),
        recordStop: (cameraId) => recordings.stop(cameraId),
        recording: (cameraId) => recordings.current(cameraId),
      });
      // 6. HTTP last, so that nothing is served before the cameras exist. Every entry point is
      //    guarded from the access table (server/access/accessTable.ts).
      const access = new AccessControl({
        settings: accessSettings(config),
        tokens: identity.tokens,
        sessions: identity.sessions,
        roleOf: identity.roleOf,
        audit: identity.audit,
        logger,
      });
      if (config.server.allowUnauthenticated && !config.server.token && config.server.viewerTokens.length === 0) {
        logger.warn('server.allowUnauthenticated: anyone who reaches this server may watch the cameras');
      }
      // WebSocket video: built now for the status routes, attached to HTTP once it listens (7).
      const wsVideo = createWsVideo(config, cameras, access, logger);
      teardown.push('wsVideo', () => wsVideo.close());
      const startedAt = Date.now();
      const app = createHttpApp({
        cameras,
        sfu,
        iceServers: new IceServers({
          iceServers: config.webrtc.iceServers,
          turn: turnCredentialOptions(config.webrtc),
        }),
        logger,
        access,
        basePath: basePathOf(config.server),
        publicUrl: config.server.publicUrl,
        webRoot: config.server.webRoot,
        startedAt,
        version,
        health: new HealthService({
          cameras,
          database: identity.database,
          dataDir: config.storage.dataDir,
          vision: {
            enabled: config.vision.enabled,
            running: faces.faces !== undefined,
            disabledReason: faces.disabledReason,
          },
          config: config.health,
          startedAt,
          version,
        }),
        identity: identity.routes,
        faces: {
          faces: faces.faces,
          decoder: faces.decoder,
          vault: identity.vault,
          cameraIds: [...cameras.keys()],
          uploadEnroll: { enabled: config.faces.uploadEnroll },
          uploadRecognize: { enabled: config.faces.uploadRecognize },
          enrolment: config.faces.enrolment,
          uploads: faces.uploads,
          requests: faces.requests,
          nft: identity.faceNft,
          disabledReason: faces.disabledReason,
          analysisStatus: () => analysis.service.status(),
        },
        analysis: analysis.service,
        metrics: createMetrics(config, { cameras, sfu, wsVideo, analysis, outputs, identity }),
        capture: outputs.capture.routes,
        stream: { rtmp: outputs.rtmp, cameraIds: [...cameras.keys()] },
        mjpeg: outputs.mjpeg,
        rtsp: outputs.rtsp,
        wsVideo,
        player: config.player,
        janus: outputs.janus,
      });
      const http = await new Promise<HttpServer>((resolve, reject) => {
        const server = app.listen(config.server.port, config.server.host, () => resolve(server));
        server.once('error', (error) =>
          reject(new Error(`cannot listen on ${config.server.host}:${config.server.port}: ${error.message}`)),
        );
      });
      listener.http = http;
      const listening = http.address();
      boundPort = typeof listening === 'object' && listening ? listening.port : undefined;
      // 7. Events on the HTTP server, then the timers and the chain watcher that feed them.
      hub.attach(http, access);
      teardown.push('events', () => hub.close());
      // WebSocket video on the same server: socket.io leaves other upgrade paths to it (destroyUpgrade: false).
      wsVideo.attach(http);
      identity.start();
      await analysis.service.start();
      const port = boundPort ?? config.server.port;
      const shown = config.server.host === '0.0.0.0' ? '127.0.0.1' : config.server.host;
      logger.info(
        { cameras: [...cameras.keys()], sfu: sfu.name, mode: config.camerad.mode },
        `listening: open http://${shown}:${port}/${config.server.token ? '?token=<token>' : ''}`,
      );
      return new Server(logger, teardown, cameras, http, identity, hub, faces, analysis, outputs, wsVideo);
    } catch (error) {
      await teardown.close();
      throw error;
    }
  }

  /** The bound HTTP port. */
  get port(): number {
    const address = this.#http.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  get cameras(): ReadonlyMap<string, Camera> {
    return this.#cameras;
  }

  /** Face recognition (undefined when off). */
  get faces(): FaceService | undefined {
    return this.#faces.faces;
  }

  /** The cameras' analyzers (faces, hands, objects, sky), for tests and tools. */
  get analysis(): AnalysisService {
    return this.#analysis.service;
  }

  /** Photos and recordings, MJPEG and the RTMP egress, for tests and tools. */
  get outputs(): Outputs {
    return this.#outputs;
  }

  /** The WebSocket video path (viewers and their counters), for tests and tools. */
  get wsVideo(): WsVideoServer {
    return this.#wsVideo;
  }

  /** The identity services (sessions, vault, audit log, database), for tests and tools. */
  get identity(): Identity {
    return this.#identity;
  }

  /** The socket.io event hub (public and identity events), for tests and tools. */
  get events(): EventHub {
    return this.#hub;
  }

  /**
   * Stops events, WebSocket video (viewers told with 1000 before their cameras stop), the
   * analyzers, the outputs (MJPEG responses end, recordings are finished, the RTMP branch stops),
   * face recognition, HTTP, cameras (their camerads in spawn mode), the SFU and the store: the
   * teardown stack that `create` built, in reverse. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#logger.info('shutting down');
      await this.#teardown.close();
      this.#logger.info('stopped');
    })();
    return this.#closing;
  }
}
