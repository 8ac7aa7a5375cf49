import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CameraStatus } from '../../media/camera/CameraTypes.js';
import type { RtmpStatus } from '../../media/rtmp/RtmpEgressTypes.js';
import type { ViewerInfo } from '../../media/sfu/SfuTypes.js';
import type { WsViewerStats } from '../../media/ws/WsVideoTypes.js';
import type { AnalysisStatus } from '../analysis/AnalysisService.js';
import { TotalCounter } from './TotalCounter.js';

/** Where the figures come from, read at each scrape. */
export interface MetricsSources {
  /** Camera ids, as configured: the only values of the `camera` label. */
  cameraIds: readonly string[];
  cameraStatus(cameraId: string): CameraStatus;
  webrtcViewers(cameraId: string): ViewerInfo[];
  websocketViewers(cameraId: string): WsViewerStats[];
  analysis(): AnalysisStatus;
  rtmp(): RtmpStatus[];
}

/** Buckets of the HTTP latency histogram, seconds (5 ms to 10 s). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `route` label of a request no route matched (a caller chooses paths: they are never labels). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The server's Prometheus metrics (prom-client), named after Prometheus's conventions (base units
 * seconds and bytes, `_total` counters). Labels are bounded: `camera` takes configured ids,
 * `analyzer` and `transport` fixed sets, `route` the router's templates (`/whep/:camera`) or
 * `unmatched`, `status` the HTTP status; none carries a wallet, an address or an id a caller
 * chooses. Figures kept elsewhere are read at each scrape (`collect`).
 */
export class MetricsService {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpDuration: Histogram<'method' | 'route'>;

  constructor(sources: MetricsSources, options: { processMetrics: boolean }) {
    const registers = [this.registry];
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });

    const camera = ['camera'] as const;
    const framesOut = new TotalCounter(
      new Counter({
        name: 'camera_frames_out_total',
        help: 'Frames encoded by camerad.',
        labelNames: camera,
        registers,
      }),
    );
    const keyframes = new TotalCounter(
      new Counter({ name: 'camera_keyframes_total', help: 'Keyframes (IDR) encoded.', labelNames: camera, registers }),
    );
    const keyframeRequests = new TotalCounter(
      new Counter({
        name: 'camera_keyframe_requests_total',
        help: 'Keyframes requested of camerad (viewer PLIs, new viewers).',
        labelNames: camera,
        registers,
      }),
    );
    const restarts = new TotalCounter(
      new Counter({
        name: 'camera_camerad_restarts_total',
        help: 'camerad restarts (spawn) or reconnects (attach).',
        labelNames: camera,
        registers,
      }),
    );
    const fps = new Gauge({ name: 'camera_fps', help: 'Encoded frames per second.', labelNames: camera, registers });
    const bitrate = new Gauge({
      name: 'camera_bitrate_bits_per_second',
      help: 'Encoder output bitrate over the last stats interval.',
      labelNames: camera,
      registers,
    });
    const sourceLive = new Gauge({
      name: 'camera_source_live',
      help: '1 while the camera’s source delivers frames, else 0.',
      labelNames: camera,
      registers,
    });
    const viewers = new Gauge({
      name: 'camera_viewers',
      help: 'Viewers now, by transport (webrtc, websocket).',
      labelNames: ['camera', 'transport'] as const,
      registers,
    });
    const viewerCounter = (name: string, help: string) =>
      new TotalCounter(new Counter({ name, help, labelNames: camera, registers }));
    const rtpPackets = viewerCounter('webrtc_packets_sent_total', 'RTP packets sent to WebRTC viewers.');
    const retransmits = viewerCounter('webrtc_retransmits_total', 'Packets sent again on NACK (RFC 4585 §6.2.1).');
    const skipped = viewerCounter('webrtc_skipped_packets_total', 'Packets skipped by viewers that fell behind.');
    const plis = viewerCounter('webrtc_plis_total', 'PLI requests received from WebRTC viewers.');
    const wsBytes = viewerCounter('websocket_video_sent_bytes_total', 'Bytes sent to WebSocket video viewers.');
    const wsSkips = viewerCounter(
      'websocket_video_skips_total',
      'WebSocket viewer queue overflows (skip to keyframe).',
    );

    new Gauge({
      name: 'camera_info',
      help: 'Cameras as configured (value 1), with their encoder.',
      labelNames: ['camera', 'encoder'] as const,
      registers,
      collect() {
        this.reset();
        for (const id of sources.cameraIds) {
          const s = sources.cameraStatus(id);
          this.set({ camera: id, encoder: s.encoder ?? 'none' }, 1);
          framesOut.observe({ camera: id }, s.frames_out);
          keyframes.observe({ camera: id }, s.keyframes);
          keyframeRequests.observe({ camera: id }, s.keyframe_requests);
          restarts.observe({ camera: id }, s.restarts);
          fps.set({ camera: id }, s.fps ?? 0);
          bitrate.set({ camera: id }, (s.bitrate_kbps ?? 0) * 1000);
          sourceLive.set({ camera: id }, s.source_state === 'live' ? 1 : 0);
          const webrtc = sources.webrtcViewers(id);
          const ws = sources.websocketViewers(id);
          viewers.set({ camera: id, transport: 'webrtc' }, webrtc.length);
          viewers.set({ camera: id, transport: 'websocket' }, ws.length);
          const sum = <T>(list: T[], f: (v: T) => number): number => list.reduce((n, v) => n + f(v), 0);
          rtpPackets.observe(
            { camera: id },
            sum(webrtc, (v) => v.packetsSent),
          );
          retransmits.observe(
            { camera: id },
            sum(webrtc, (v) => v.retransmits),
          );
          skipped.observe(
            { camera: id },
            sum(webrtc, (v) => v.skippedPackets),
          );
          plis.observe(
            { camera: id },
            sum(webrtc, (v) => v.plis),
          );
          wsBytes.observe(
            { camera: id },
            sum(ws, (v) => v.sentBytes),
          );
          wsSkips.observe(
            { camera: id },
            sum(ws, (v) => v.skips),
          );
        }
      },
    });

    const analyzer = ['camera', 'analyzer'] as const;
    const analysed = new TotalCounter(
      new Counter({ name: 'analysis_frames_total', help: 'Frames analysed.', labelNames: analyzer, registers }),
    );
    const dropped = new TotalCounter(
      new Counter({
        name: 'analysis_dropped_frames_total',
        help: 'Frames an analyzer skipped because it was busy (the video never waits).',
        labelNames: analyzer,
        registers,
      }),
    );
    const analysedFps = new Gauge({
      name: 'analysis_fps',
      help: 'Frames analysed per second over the last 5 s.',
      labelNames: analyzer,
      registers,
    });
    new Gauge({
      name: 'analysis_frame_seconds',
      help: 'Median time per analysed frame over the last 5 s (queue wait included).',
      labelNames: analyzer,
      registers,
      collect() {
        this.reset();
        for (const cam of sources.analysis().cameras) {
          for (const a of cam.analyzers) {
            const labels = { camera: cam.id, analyzer: a.type };
            this.set(labels, a.msMedian / 1000);
            analysedFps.set(labels, a.achievedFps);
            analysed.observe(labels, a.frames);
            dropped.observe(labels, a.dropped);
          }
        }
      },
    });

    const rtmpSent = new TotalCounter(
      new Counter({
        name: 'rtmp_sent_bytes_total',
        help: 'FLV bytes handed to the RTMP ingest.',
        labelNames: camera,
        registers,
      }),
    );
    const rtmpReconnects = new TotalCounter(
      new Counter({
        name: 'rtmp_reconnects_total',
        help: 'RTMP connection attempts after a failure.',
        labelNames: camera,
        registers,
      }),
    );
    new Gauge({
      name: 'rtmp_live',
      help: '1 while the camera’s RTMP broadcast is live, else 0.',
      labelNames: camera,
      registers,
      collect() {
        this.reset();
        for (const s of sources.rtmp()) {
          if (!sources.cameraIds.includes(s.camera)) continue;
          this.set({ camera: s.camera }, s.state === 'live' ? 1 : 0);
          rtmpSent.observe({ camera: s.camera }, s.bytes_sent);
          rtmpReconnects.observe({ camera: s.camera }, s.reconnects);
        }
      },
    });

    this.#httpRequests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by route template and status.',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    });
    this.#httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request handling time (until the response head; streams count until they are set up).',
      labelNames: ['method', 'route'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    });
  }

  /**
   * Counts one HTTP request.
   * @param route the router's template (e.g. `/whep/:camera`), or undefined when none matched.
   */
  observeHttp(method: string, route: string | undefined, status: number, seconds: number): void {
    const known = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
    const m = known.includes(method) ? method : 'OTHER';
    const r = route ?? UNMATCHED_ROUTE;
    this.#httpRequests.inc({ method: m, route: r, status: String(status) });
    this.#httpDuration.observe({ method: m, route: r }, seconds);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
