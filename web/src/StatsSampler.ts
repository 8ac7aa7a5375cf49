/** One reading of a viewer's receive statistics, taken from `pc.getStats()`. */
export interface StatsSample {
  /** `performance.now()`-style timestamp of the report, in milliseconds. */
  timestamp: number;
  /** Decoded frame width in pixels; null before the first frame. */
  width: number | null;
  /** Decoded frame height in pixels; null before the first frame. */
  height: number | null;
  /** Decoded frames per second (browser-reported, else derived); null when unknown. */
  fps: number | null;
  /** Received video payload rate over the last interval, in kbit/s; null on the first sample. */
  bitrateKbps: number | null;
  /** ICE round-trip time of the selected candidate pair, in milliseconds; null when unknown. */
  rttMs: number | null;
  /** Total frames decoded since the session started. */
  framesDecoded: number;
  /** Total frames dropped (decoded but never shown) since the session started. */
  framesDropped: number;
  /** Total video payload bytes received since the session started. */
  bytesReceived: number;
}

/** Subset of the `inbound-rtp` stats dictionary the viewer reads. */
interface InboundVideo {
  kind?: string;
  mediaType?: string;
  frameWidth?: number;
  frameHeight?: number;
  framesPerSecond?: number;
  framesDecoded?: number;
  framesDropped?: number;
  bytesReceived?: number;
}

/**
 * Turns successive `RTCStatsReport`s of one peer connection into
 * `StatsSample`s. Keeps the previous totals to compute rates (bitrate, fps),
 * so use one sampler per peer connection.
 */
export class StatsSampler {
  private prev: StatsSample | null = null;

  /** Reads the report of `pc.getStats()` and returns a new sample. */
  sample(report: RTCStatsReport): StatsSample {
    let inbound = null as InboundVideo | null;
    let timestamp = performance.now();
    let selectedPairId = null as string | null;
    const pairs = new Map<string, RTCIceCandidatePairStats>();

    for (const s of report.values() as IterableIterator<RTCStats & Record<string, unknown>>) {
      if (s.type === 'inbound-rtp') {
        const v = s as InboundVideo;
        if ((v.kind ?? v.mediaType) === 'video') {
          inbound = v;
          timestamp = s.timestamp;
        }
      } else if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
        selectedPairId = s.selectedCandidatePairId;
      } else if (s.type === 'candidate-pair') {
        pairs.set(s.id, s as unknown as RTCIceCandidatePairStats);
      }
    }

    // Prefer the transport's selected pair; fall back to a nominated, succeeded pair.
    let pair = selectedPairId ? pairs.get(selectedPairId) : undefined;
    if (!pair) {
      for (const p of pairs.values()) {
        if (p.nominated && p.state === 'succeeded') pair = p;
      }
    }
    const rtt = pair?.currentRoundTripTime;

    const v: InboundVideo = inbound ?? {};
    const framesDecoded = v.framesDecoded ?? 0;
    const bytesReceived = v.bytesReceived ?? 0;
    const prev = this.prev;
    const dtS = prev ? (timestamp - prev.timestamp) / 1000 : 0;

    let fps: number | null = v.framesPerSecond ?? null;
    let bitrateKbps: number | null = null;
    if (prev && dtS > 0) {
      bitrateKbps = Math.max(0, ((bytesReceived - prev.bytesReceived) * 8) / dtS / 1000);
      if (fps === null) fps = Math.max(0, (framesDecoded - prev.framesDecoded) / dtS);
    }

    const sample: StatsSample = {
      timestamp,
      width: v.frameWidth ?? null,
      height: v.frameHeight ?? null,
      fps,
      bitrateKbps,
      rttMs: typeof rtt === 'number' ? rtt * 1000 : null,
      framesDecoded,
      framesDropped: v.framesDropped ?? 0,
      bytesReceived,
    };
    this.prev = sample;
    return sample;
  }
}
