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

/**
 * Metrics of one more part (an output, a store), kept in that part's own file: `register` creates
 * its metrics in `registry` once and returns the function that reads the part's figures into them,
 * called before each scrape like the built-in sources.
 */
export interface MetricsModule {
  register(registry: Registry): () => void;
}

/** Buckets of the HTTP latency histogram, seconds (5 ms to 10 s). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Methods counted by name; any other is `OTHER` (a caller chooses the method too). */
const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** prom-client default gauges whose names end in `_total`, left out (see the constructor). */
const DEFAULT_GAUGES_NAMED_TOTAL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/** The `route` label of a request no route matched (a caller chooses paths: they are never labels). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The server's Prometheus metrics (prom-client), named after Prometheus's conventions (base units
 * seconds and bytes, `_total` counters). Labels are bounded: `camera` takes configured ids,
 * `analyzer` and `transport` fixed sets, `route` the router's templates (`/whep/:camera`) or
 * `unmatched`, `status` the HTTP status; none carries a wallet, an address or an id a caller
 * chooses. Figures kept elsewhere are read once at each scrape, before any is written out.
 */
export class MetricsService {
  readonly registry = new Registry();
  readonly #httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly #httpDuration: Histogram<'method' | 'route'>;
  /** Reads the sources into the metrics; runs before each scrape, so no figure is a scrape behind. */
  readonly #refresh: () => void;

  constructor(sources: MetricsSources, options: { processMetrics: boolean }, modules: readonly MetricsModule[] = []) {
    const registers = [this.registry];
    if (options.processMetrics) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters (promtool: "non-counter metrics should not have _total"):
      // their sums are `sum(nodejs_active_handles)` etc. over the per-type gauges kept.
      for (const name of DEFAULT_GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    }
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Gauge<L>({ name, help, labelNames, registers });
    const total = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new TotalCounter(new Counter<L>({ name, help, labelNames, registers }));

    const camera = ['camera'] as const;
    const info = gauge('camera_info', 'Cameras as configured (value 1), with their encoder.', [
      'camera',
      'encoder',
    ] as const);
    const framesOut = total('camera_frames_out_total', 'Frames encoded by camerad.', camera);
    const keyframes = total('camera_keyframes_total', 'Keyframes (IDR) encoded.', camera);
    const keyframeRequests = total(
      'camera_keyframe_requests_total',
      'Keyframes requested of camerad (viewer PLIs, new viewers).',
      camera,
    );
    const restarts = total('camera_camerad_restarts_total', 'camerad restarts (spawn) or reconnects (attach).', camera);
    const fps = gauge('camera_fps', 'Encoded frames per second.', camera);
    const bitrate = gauge(
      'camera_bitrate_bytes_per_second',
      'Encoder output bitrate over the last stats interval (bytes, as Prometheus base units are; ×8 for bit/s).',
      camera,
    );
    const sourceLive = gauge('camera_source_live', '1 while the camera’s source delivers frames, else 0.', camera);
    const viewers = gauge('camera_viewers', 'Viewers now, by transport (webrtc, websocket).', [
      'camera',
      'transport',
    ] as const);
    const rtpPackets = total('webrtc_packets_sent_total', 'RTP packets sent to WebRTC viewers.', camera);
    const retransmits = total('webrtc_retransmits_total', 'Packets sent again on NACK (RFC 4585 §6.2.1).', camera);
    const skipped = total('webrtc_skipped_packets_total', 'Packets skipped by viewers that fell behind.', camera);
    const plis = total('webrtc_plis_total', 'PLI requests received from WebRTC viewers.', camera);
    const wsBytes = total('websocket_video_sent_bytes_total', 'Bytes sent to WebSocket video viewers.', camera);
    const wsSkips = total(
      'websocket_video_skips_total',
      'WebSocket viewer queue overflows (skip to keyframe).',
      camera,
    );

    const analyzer = ['camera', 'analyzer'] as const;
    const analysed = total('analysis_frames_total', 'Frames analysed.', analyzer);
    const dropped = total(
      'analysis_dropped_frames_total',
      'Frames an analyzer skipped because it was busy (the video never waits).',
      analyzer,
    );
    const analysedFps = gauge('analysis_fps', 'Frames analysed per second over the last 5 s.', analyzer);
    const frameSeconds = gauge(
      'analysis_frame_seconds',
      'Median time per analysed frame over the last 5 s (queue wait included).',
      analyzer,
    );

    const rtmpLive = gauge('rtmp_live', '1 while the camera’s RTMP broadcast is live, else 0.', camera);
    const rtmpSent = total('rtmp_sent_bytes_total', 'FLV bytes handed to the RTMP ingest.', camera);
    const rtmpReconnects = total('rtmp_reconnects_total', 'RTMP connection attempts after a failure.', camera);

    // Per-viewer totals: observed per viewer, so one that leaves takes nothing back.
    const webrtcTotals: [TotalCounter<'camera'>, (v: ViewerInfo) => number][] = [
      [rtpPackets, (v) => v.packetsSent],
      [retransmits, (v) => v.retransmits],
      [skipped, (v) => v.skippedPackets],
      [plis, (v) => v.plis],
    ];
    const wsTotals: [TotalCounter<'camera'>, (v: WsViewerStats) => number][] = [
      [wsBytes, (v) => v.sentBytes],
      [wsSkips, (v) => v.skips],
    ];

    const moduleRefreshes = modules.map((m) => m.register(this.registry));
    this.#refresh = () => {
      for (const refresh of moduleRefreshes) refresh();
      info.reset();
      for (const id of sources.cameraIds) {
        const labels = { camera: id };
        const s = sources.cameraStatus(id);
        info.set({ camera: id, encoder: s.encoder ?? 'none' }, 1);
        framesOut.observe(labels, s.frames_out);
        keyframes.observe(labels, s.keyframes);
        keyframeRequests.observe(labels, s.keyframe_requests);
        restarts.observe(labels, s.restarts);
        fps.set(labels, s.fps ?? 0);
        bitrate.set(labels, ((s.bitrate_kbps ?? 0) * 1000) / 8);
        sourceLive.set(labels, s.source_state === 'live' ? 1 : 0);
        const webrtc = sources.webrtcViewers(id);
        const ws = sources.websocketViewers(id);
        viewers.set({ camera: id, transport: 'webrtc' }, webrtc.length);
        viewers.set({ camera: id, transport: 'websocket' }, ws.length);
        for (const [counter, total] of webrtcTotals) {
          counter.observeParts(
            labels,
            webrtc.map((v) => [v.id, total(v)] as const),
          );
        }
        for (const [counter, total] of wsTotals) {
          counter.observeParts(
            labels,
            ws.map((v) => [v.id, total(v)] as const),
          );
        }
      }
      frameSeconds.reset();
      analysedFps.reset();
      for (const cam of sources.analysis().cameras) {
        for (const a of cam.analyzers) {
          const labels = { camera: cam.id, analyzer: a.type };
          frameSeconds.set(labels, a.msMedian / 1000);
          analysedFps.set(labels, a.achievedFps);
          analysed.observe(labels, a.frames);
          dropped.observe(labels, a.dropped);
        }
      }
      rtmpLive.reset();
      for (const s of sources.rtmp()) {
        if (!sources.cameraIds.includes(s.camera)) continue;
        rtmpLive.set({ camera: s.camera }, s.state === 'live' ? 1 : 0);
        rtmpSent.observe({ camera: s.camera }, s.bytes_sent);
        rtmpReconnects.observe({ camera: s.camera }, s.reconnects);
      }
    };

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
    const m = HTTP_METHODS.includes(method) ? method : 'OTHER';
    const r = route ?? UNMATCHED_ROUTE;
    this.#httpRequests.inc({ method: m, route: r, status: String(status) });
    this.#httpDuration.observe({ method: m, route: r }, seconds);
  }

  /** Reads every source once, then the exposition text and its content type. */
  async scrape(): Promise<{ body: string; contentType: string }> {
    this.#refresh();
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
