import type { TurnCredentialOptions } from './ice/TurnCredentials.js';

/**
 * The contract every SFU implementation meets (werift today, mediasoup later); one contract
 * test suite (test/media/sfu.contract.ts) runs against each.
 */

/** Where a camera's normalised RTP comes from (an {@link RtpIngest}). */
export interface RtpSource {
  /** Adds a listener of every RTP packet; returns the unsubscribe function. */
  subscribe(listener: (packet: Buffer) => void): () => void;
}

/**
 * Why the SFU asks for an IDR: a viewer started and the GOP cache held no keyframe
 * (`viewer-join`), a viewer sent a PLI (`pli`), or a viewer thread fell behind and skipped
 * packets (`overrun`).
 */
export type KeyframeReason = 'viewer-join' | 'pli' | 'overrun' | 'ws-viewer-join' | 'rtsp-play';

/** A camera as the SFU sees it. */
export interface SfuCamera {
  id: string;
  source: RtpSource;
  /** Asks the encoder for an IDR (rate-limited by the caller); `reason` is logged. */
  requestKeyframe(reason: KeyframeReason): void;
}

/** A WebRTC viewer's lifecycle as reported by the SFU. */
export type ViewerState = 'new' | 'connecting' | 'connected' | 'closed';

/** Public view of one viewer. */
export interface ViewerInfo {
  id: string;
  cameraId: string;
  state: ViewerState;
  /** ms since epoch. */
  createdAt: number;
  packetsSent: number;
  /** Packets sent from the GOP cache when the viewer started (0 when it waited for a keyframe). */
  replayedPackets: number;
  /** Packets sent again on NACK (RFC 4585 §6.2.1). */
  retransmits: number;
  /** Packets skipped because the viewer's thread fell more than half a ring behind. */
  skippedPackets: number;
  /** PLI requests received from this viewer. */
  plis: number;
  /** Viewer thread: 0 = main thread, n = worker n. */
  thread: number;
  /**
   * Local candidate type of the selected ICE pair (`host`; `relay` when the box's own TURN
   * allocation carries it, `webrtc.serverRelay`), or null before a pair is selected. ICE-lite
   * agents select the pair the browser nominates.
   */
  candidateType?: string | null;
}

/** Result of {@link Sfu.createViewer}. */
export interface ViewerAnswer {
  viewerId: string;
  /** The SDP answer, candidates included (the SFU is ICE-lite). */
  answerSdp: string;
}

/** An ICE candidate from a trickle-ICE fragment (RFC 8840). */
export interface RemoteCandidate {
  /** The `candidate:...` attribute value, without `a=`. */
  candidate: string;
  mid: string | undefined;
  mLineIndex: number;
}

/** Network settings of an SFU. */
export interface SfuNetworkOptions {
  /** Addresses announced in ICE candidates (host candidates), in priority order. */
  announcedAddresses: string[];
  /** Local address the media sockets bind to; `0.0.0.0` binds all. */
  bindAddress: string;
  /** Inclusive UDP port range for media sockets, or undefined for any port. */
  portRange: [number, number] | undefined;
  /** A viewer that sent no RTCP for this long is dropped (ICE-lite does no liveness checks), in ms. */
  viewerTimeoutMs: number;
  /**
   * `webrtc.serverRelay`: the TURN server (and its secret) on which each viewer's agent
   * allocates its own relay, running full ICE instead of ICE-lite; undefined (the default):
   * ICE-lite, host candidates only. Plain data: it is copied to worker threads.
   */
  relay?: TurnCredentialOptions | undefined;
}

/** How an SFU spreads its work. */
export interface SfuFanoutOptions {
  /** Worker threads carrying viewers; 0 keeps every viewer on the calling thread. */
  workers: number;
  /**
   * Packets each camera's shared ring holds (GOP cache, retransmissions); rounded up to 2^n
   * (`webrtc.gopCachePackets`).
   */
  gopCachePackets: number;
}

export type SfuEvents = {
  viewerclosed: [ViewerInfo];
};

/** The SFU: cameras in, viewers out. */
export interface Sfu {
  /** Implementation name, e.g. `werift`. */
  readonly name: string;
  /** Registers a camera; its packets are forwarded to its viewers. */
  addCamera(camera: SfuCamera): void;
  /** Unregisters a camera and closes its viewers. Unknown ids are ignored. */
  removeCamera(cameraId: string): void;
  /**
   * Creates a viewer from a WHEP offer (already validated by `validateWhepOffer`).
   * @throws NotFoundError for an unknown camera; BadRequestError/UnsupportedError when the
   *   WebRTC stack rejects the offer.
   */
  createViewer(cameraId: string, offerSdp: string): Promise<ViewerAnswer>;
  /**
   * Adds trickled remote candidates.
   * @throws NotFoundError for an unknown camera or viewer.
   */
  addRemoteCandidates(cameraId: string, viewerId: string, candidates: RemoteCandidate[]): Promise<void>;
  /** Ends a viewer. @returns false when there was no such viewer. */
  closeViewer(cameraId: string, viewerId: string): boolean;
  /** Viewers of one camera. */
  viewers(cameraId: string): ViewerInfo[];
  /** Subscribes to viewer-closed events; returns the unsubscribe function. */
  onViewerClosed(listener: (viewer: ViewerInfo) => void): () => void;
  /** Closes every viewer and camera. Idempotent. */
  close(): Promise<void>;
}
