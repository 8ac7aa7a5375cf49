import { z } from 'zod';
import { isSolanaAddress } from '../solanaAddress.js';
import { captureOutputsShape } from '../capture/captureConfig.js';
import { facesSchema } from '../vision/facesConfig.js';
import { visionSchema } from '../vision/visionConfig.js';
import { serverSchema } from '../access/accessConfig.js';
import { limitsSchema } from '../access/limitsConfig.js';
import { websocketSchema } from '../../media/ws/wsVideoConfig.js';
import { playerSchema } from '../player/playerConfig.js';
import { webrtcSchema } from '../../media/sfu/webrtcConfig.js';
import { analyzersSchema } from '../analysis/analyzersConfig.js';
import { gesturesSchema } from '../analysis/gestures/gesturesConfig.js';
import { analysisSchema } from '../analysis/analysisConfig.js';
import { healthSchema } from '../health/healthConfig.js';
import { metricsSchema } from '../metrics/metricsConfig.js';
import { janusSchema } from '../../media/janus/janusConfig.js';
import { rtspSchema } from '../../media/rtsp/rtspConfig.js';

/**
 * The server's configuration, validated strictly at start (unknown keys are rejected with their
 * path). Every field has a default, bounds and a description (Frigate's config style). The
 * same schema is documented in README.md ("Configuration").
 */

const port = z.number().int().min(1).max(65535);
/** A base58 Solana address (32-byte ed25519 public key). */
const base58Address = z.string().refine(isSolanaAddress, 'a base58 Solana address (32 bytes)');

/** Source URIs camerad understands (native/README.md). */
export const SOURCE_SCHEMES = ['test', 'file', 'v4l2', 'rtsp', 'dir', 'csi'] as const;

const overlayPolicy = z.enum(['names', 'boxes', 'none']);

export const cameraSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, "_" or "-", at most 32')
    .describe('Camera id, used in URLs (/whep/:id) and logs.'),
  name: z.string().max(80).optional().describe('Display name; defaults to the id.'),
  source: z
    .string()
    .describe(
      'Source URI: test://, file:///abs/path, v4l2:///dev/videoN, rtsp://…, dir:///abs/path, csi://N. ' +
        'Credentials (rtsp://user:password@…) are masked in status, logs and events and reach camerad ' +
        'through a 0600 file; keep them in the config file rather than in ECS_ variables.',
    ),
  width: z.number().int().min(16).max(7680).default(1280).describe('Output width, px.'),
  height: z.number().int().min(16).max(4320).default(720).describe('Output height, px.'),
  fps: z.number().int().min(1).max(120).default(30).describe('Output frame rate, frames/s.'),
  bitrateKbps: z.number().int().min(100).max(50_000).default(2500).describe('H.264 bitrate, kbit/s.'),
  keyframeInterval: z.number().int().min(1).max(3000).default(60).describe('Frames between periodic IDRs.'),
  encoder: z
    .enum(['auto', 'x264enc', 'nvh264enc', 'nvv4l2h264enc'])
    .default('auto')
    .describe('H.264 encoder; auto tries nvv4l2h264enc, nvh264enc, then x264enc.'),
  x264Preset: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'])
    .default('ultrafast')
    .describe('x264 speed preset (CPU encoder only).'),
  rtpPort: port
    .optional()
    .describe('UDP port on 127.0.0.1 for this camera’s RTP; default camerad.rtpBasePort + 2 × index.'),
  sourceTimeoutMs: z
    .number()
    .int()
    .min(200)
    .max(60_000)
    .default(2000)
    .describe('No source frame for this long = source lost, ms.'),
  dirMaxAgeMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(5000)
    .describe('dir:// images older than this are not shown, ms.'),
  latencyProbe: z
    .boolean()
    .default(false)
    .describe('Draw the glass-to-glass latency probe strip (docs/latency-probe.md) into the video.'),
  analysisFps: z
    .number()
    .int()
    .min(0)
    .max(30)
    .default(0)
    .describe('Analysis frames (scaled RGB for inference) per second from the start; 0 = off.'),
  analysisWidth: z
    .number()
    .int()
    .min(16)
    .max(3840)
    .multipleOf(2)
    .default(640)
    .describe('Analysis frames fit in analysisWidth × analysisHeight px, keeping the aspect (640×360 for 16:9).'),
  analysisHeight: z
    .number()
    .int()
    .min(16)
    .max(2160)
    .multipleOf(2)
    .default(640)
    .describe('See analysisWidth; never larger than the output size (640×480 for 4:3).'),
  analyzers: analyzersSchema,
});

export const configSchema = z.strictObject({
  server: serverSchema.describe('HTTP listen address and who may call it (server/access/accessConfig.ts).'),
  limits: limitsSchema.describe('Request rates and caps per caller (server/access/limitsConfig.ts).'),
  webrtc: webrtcSchema.describe('WebRTC media sockets, STUN/TURN and the SFU relay (media/sfu/webrtcConfig.ts).'),
  websocket: websocketSchema.describe('WebSocket video path: per-viewer queues and caps (media/ws/wsVideoConfig.ts).'),
  camerad: z
    .strictObject({
      mode: z
        .enum(['spawn', 'attach'])
        .default('spawn')
        .describe('spawn: the server runs camerad; attach: entrypoint.sh does.'),
      binary: z.string().default('native/build/camerad').describe('camerad executable, relative to the project root.'),
      runtimeDir: z
        .string()
        .default('.run')
        .describe(
          "Folder for control sockets and camerad's source files, relative to the project root; made mode 0700.",
        ),
      rtpBasePort: port
        .default(5004)
        .describe('First RTP port; camera i uses rtpBasePort + 2 × i unless it sets rtpPort.'),
      backoffInitialMs: z.number().int().min(50).max(60_000).default(500).describe('First restart delay, ms.'),
      backoffMaxMs: z.number().int().min(100).max(600_000).default(10_000).describe('Largest restart delay, ms.'),
      keyframeMinIntervalMs: z
        .number()
        .int()
        .min(0)
        .max(10_000)
        .default(200)
        .describe('Least time between keyframe requests, ms.'),
    })
    .prefault({}),
  storage: z
    .strictObject({
      dataDir: z
        .string()
        .default('data/state')
        .describe('Folder for the SQLite database and generated keys (mode 0700), relative to the project root.'),
    })
    .prefault({}),
  auth: z
    .strictObject({
      domain: z
        .string()
        .regex(/^[a-zA-Z0-9.-]+(:\d{1,5})?$/, 'a host name, optionally with :port')
        .optional()
        .describe(
          'Sign-In With Solana domain: the host of the page that signs; default server.publicUrl’s host (never a request header).',
        ),
      operatorWallet: base58Address
        .optional()
        .describe('Wallet address of the camera operator (may change thresholds, clear galleries, control outputs).'),
      tokenTtlS: z.number().int().min(30).max(86_400).default(900).describe('Session token (JWT) lifetime, s.'),
      refreshTtlS: z
        .number()
        .int()
        .min(60)
        .max(30 * 86_400)
        .default(7 * 86_400)
        .describe('Refresh token lifetime (single use, rotated), s.'),
      idleTimeoutS: z
        .number()
        .int()
        .min(30)
        .max(7 * 86_400)
        .default(1800)
        .describe('A session unused this long ends, s.'),
      absoluteTimeoutS: z
        .number()
        .int()
        .min(60)
        .max(30 * 86_400)
        .default(12 * 3600)
        .describe('A session ends this long after sign-in whatever its use, s.'),
      challengeTtlS: z.number().int().min(10).max(3600).default(300).describe('Sign-in challenge validity, s.'),
      maxChallengesPerWallet: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(5)
        .describe('Sign-in challenges kept per wallet; a new one replaces the oldest.'),
      maxChallenges: z
        .number()
        .int()
        .min(10)
        .max(1_000_000)
        .default(10_000)
        .describe('Sign-in challenges kept in all; beyond it a new one gets 503 with Retry-After.'),
      endedSessionRetentionS: z
        .number()
        .int()
        .min(0)
        .max(30 * 86_400)
        .default(600)
        .describe('Ended sessions are kept this long (so a late end or submit is told why), then deleted, s.'),
      requireCheckin: z
        .boolean()
        .optional()
        .describe(
          'Capture, recording and enrolment from the camera need a check-in at that camera; default on when chain.rpcUrl is set.',
        ),
      jwtSecretFile: z
        .string()
        .optional()
        .describe('File holding the JWT signing secret; default <dataDir>/jwt.key, generated on first start.'),
    })
    .prefault({}),
  chain: z
    .strictObject({
      rpcUrl: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe('Solana JSON-RPC URL; unset = no check-in transactions and no chain watcher.'),
      cluster: z
        .enum(['mainnet', 'devnet', 'testnet', 'localnet'])
        .default('devnet')
        .describe('Cluster, named in sign-in messages as the chain id solana:<cluster>.'),
      keypairFile: z
        .string()
        .optional()
        .describe('Camera keypair (solana-keygen JSON); default <dataDir>/camera-keypair.json, generated.'),
      commitment: z.enum(['confirmed', 'finalized']).default('confirmed').describe('Commitment waited for.'),
      confirmTimeoutMs: z
        .number()
        .int()
        .min(1000)
        .max(300_000)
        .default(60_000)
        .describe('Longest wait for a submitted transaction to confirm, ms.'),
      txTtlS: z
        .number()
        .int()
        .min(10)
        .max(600)
        .default(120)
        .describe('A built check-in/check-out transaction must be submitted within this, s.'),
      watcherPollMs: z.number().int().min(100).max(600_000).default(3000).describe('Chain watcher poll period, ms.'),
      watcherPageSize: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(100)
        .describe('Signatures per getSignaturesForAddress page.'),
    })
    .prefault({}),
  biometrics: z
    .strictObject({
      masterKeyFile: z
        .string()
        .optional()
        .describe(
          '32-byte master key file wrapping the per-wallet data keys; default <dataDir>/master.key, generated.',
        ),
      tempTtlS: z
        .number()
        .int()
        .min(10)
        .max(30 * 86_400)
        .default(3600)
        .describe('Temporary biometric data (unconsented captures) is purged after this, s.'),
      purgeIntervalS: z.number().int().min(1).max(86_400).default(60).describe('Expired-data purge period, s.'),
    })
    .prefault({}),
  vision: visionSchema.describe('Face detection and recognition models and inference (server/vision/visionConfig.ts).'),
  faces: facesSchema.describe('Face pipeline, uploads and enrolment (server/vision/facesConfig.ts).'),
  outputs: z
    .strictObject({
      overlays: z
        .strictObject({
          private: overlayPolicy
            .default('names')
            .describe('What WebRTC viewers and /mjpeg-stream-with-faces see of the face boxes.'),
          public: overlayPolicy
            .default('boxes')
            .describe(
              'What the RTMP (Livepeer) stream and recordings show. Differing from `private` costs a second H.264 encode while they run.',
            ),
        })
        .prefault({})
        .describe('Overlay policy per output: names (boxes and names), boxes (no names), none.'),
      mjpeg: z
        .strictObject({
          fps: z.number().min(1).max(30).default(15).describe('MJPEG frames per second.'),
          quality: z.number().int().min(1).max(100).default(80).describe('MJPEG JPEG quality.'),
          queueFrames: z
            .number()
            .int()
            .min(1)
            .max(16)
            .default(2)
            .describe('Frames queued per MJPEG client; a slower client loses frames.'),
          maxClients: z.number().int().min(1).max(1000).default(50).describe('MJPEG clients per server.'),
        })
        .prefault({}),
      rtsp: rtspSchema.describe('RTSP out for NVRs (media/rtsp/rtspConfig.ts, docs/rtsp.md).'),
      ...captureOutputsShape,
      janus: janusSchema.describe(
        'Forward to a Janus Streaming mountpoint for many viewers (media/janus/janusConfig.ts).',
      ),
    })
    .prefault({}),
  livepeer: z
    .strictObject({
      ingestUrl: z
        .string()
        .regex(/^rtmps?:\/\/[^/\s]+\/[^\s]*$/, 'must be rtmp://host[:port]/app or rtmps://...')
        .default('rtmp://rtmp.livepeer.com/live')
        .describe('RTMP ingest (Livepeer Studio by default); the stream key is appended.'),
      streamKey: z
        .string()
        .regex(/^[A-Za-z0-9._~-]{8,256}$/, '8 to 256 letters, digits, . _ ~ -')
        .optional()
        .describe('Stream key (secret: never logged or returned). Env ECS_LIVEPEER__STREAM_KEY.'),
      playbackId: z
        .string()
        .regex(/^[A-Za-z0-9]{1,128}$/, 'letters and digits only')
        .optional()
        .describe('Livepeer playback id: the status lists its HLS and player URLs.'),
      camera: z.string().optional().describe('Camera sent to Livepeer; default the first.'),
      backoffInitialMs: z.number().int().min(100).max(60_000).default(1000).describe('First reconnect delay, ms.'),
      backoffMaxMs: z.number().int().min(100).max(600_000).default(30_000).describe('Largest reconnect delay, ms.'),
    })
    .prefault({}),
  player: playerSchema.describe(
    'The viewer page’s player: WebRTC timeout before the fallback (server/player/playerConfig.ts).',
  ),
  analysis: analysisSchema.describe(
    'Inference threads of the analyzer types shared by all cameras (server/analysis/analysisConfig.ts).',
  ),
  metrics: metricsSchema.describe('Prometheus metrics at GET /metrics (server/metrics/metricsConfig.ts).'),
  health: healthSchema.describe('What GET /api/health counts as a failure (server/health/healthConfig.ts).'),
  gestures: gesturesSchema.describe(
    'Actions a recognised, checked-in user triggers by holding a gesture (server/analysis/gestures/gesturesConfig.ts).',
  ),
  cameras: z.array(cameraSchema).max(64).default([]).describe('Cameras; empty = the bundled sample footage.'),
  log: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    })
    .prefault({}),
});

/** Configuration after validation and defaults. */
export type Config = z.infer<typeof configSchema>;
export type CameraConfig = z.infer<typeof cameraSchema>;
