import { z } from 'zod';
import { cameradSchema } from '../../media/camerad/cameradConfig.js';
import { storageSchema } from '../store/storageConfig.js';
import { authSchema } from '../sessions/authConfig.js';
import { chainSchema } from '../chain/chainConfig.js';
import { biometricsSchema } from '../biometrics/biometricsConfig.js';
import { logSchema } from '../logConfig.js';
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
import { mjpegSchema } from '../../media/mjpeg/mjpegConfig.js';
import { livepeerSchema } from '../../media/rtmp/livepeerConfig.js';
import { rtspSchema } from '../../media/rtsp/rtspConfig.js';

/**
 * The server's configuration, validated strictly at start (unknown keys are rejected with their
 * path). Every field has a default, bounds and a description (Frigate's config style). The
 * same schema is documented in README.md ("Configuration").
 */

const port = z.number().int().min(1).max(65535);

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
  camerad: cameradSchema.describe(
    'The camera daemon (native/build/camerad): how it is run, its sockets and RTP ports, restart backoff (media/camerad/cameradConfig.ts).',
  ),
  storage: storageSchema.describe('Where the server keeps its state (server/store/storageConfig.ts).'),
  auth: authSchema.describe(
    'Sign-In With Solana sessions: token lifetimes, challenges, check-in (server/sessions/authConfig.ts).',
  ),
  chain: chainSchema.describe(
    'Solana: RPC, check-in transactions and the chain watcher (server/chain/chainConfig.ts).',
  ),
  biometrics: biometricsSchema.describe(
    'Biometric data at rest: its key and how long unconsented data is kept (server/biometrics/biometricsConfig.ts).',
  ),
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
      mjpeg: mjpegSchema.describe(
        'MJPEG streams: rate, quality, per-client queue, clients (media/mjpeg/mjpegConfig.ts).',
      ),
      rtsp: rtspSchema.describe('RTSP out for NVRs (media/rtsp/rtspConfig.ts, docs/rtsp.md).'),
      ...captureOutputsShape,
      janus: janusSchema.describe(
        'Forward to a Janus Streaming mountpoint for many viewers (media/janus/janusConfig.ts).',
      ),
    })
    .prefault({})
    .describe('Outputs beside WebRTC: overlays, MJPEG, photos and recordings, Janus.'),
  livepeer: livepeerSchema.describe(
    'RTMP publication to Livepeer (or any RTMP ingest) and its reconnect backoff (media/rtmp/livepeerConfig.ts).',
  ),
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
  log: logSchema.describe('Server logging (server/logConfig.ts).'),
});

/** Configuration after validation and defaults. */
export type Config = z.infer<typeof configSchema>;
export type CameraConfig = z.infer<typeof cameraSchema>;
