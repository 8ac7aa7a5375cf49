/**
 * One STUN/TURN server as a browser's `RTCPeerConnection` takes it (W3C webrtc §4.2.1
 * `RTCIceServer`, password credentials only). Plain data: it crosses to worker threads.
 */
export interface IceServer {
  /** `stun:`/`turn:` URIs (RFC 7064, RFC 7065). */
  urls: string | string[];
  /** TURN user name. */
  username?: string;
  /** TURN password. */
  credential?: string;
}
