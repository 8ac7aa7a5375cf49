import { RTCRtpCodecParameters, type PeerConfig, type RTCPeerConnection } from 'werift';
import type { SfuNetworkOptions } from '../SfuTypes.js';
import type { IceServer } from '../ice/IceServer.js';
import { parseIceUri } from '../ice/iceUri.js';
import { type TurnCredentialOptions, TurnCredentials } from '../ice/TurnCredentials.js';

/**
 * H.264 as camerad sends it: Constrained Baseline, packetization-mode 1 (RFC 6184 §8.1).
 * Both Constrained Baseline level 3.1 (42e01f) and Baseline (42001f) are listed because werift
 * matches profile-level-id literally and browsers offer either; a Baseline decoder decodes
 * Constrained Baseline.
 */
export const H264_PROFILES = ['42e01f', '42001f'] as const;

/** Builds the video codec list offered to viewers: NACK, PLI and REMB feedback (RFC 4585). */
export function h264Codecs(): RTCRtpCodecParameters[] {
  return H264_PROFILES.map(
    (profile) =>
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: 90_000,
        rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }],
        parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profile}`,
      }),
  );
}

/**
 * werift peer settings for a server-side viewer: IPv4 only, fixed port range and bind address,
 * and one of two ICE modes.
 *
 * - Default: ICE-lite (the browser drives ICE), no STUN or TURN server at all. `iceLite: true`
 *   matters beyond ICE roles: werift 0.25 falls back to stun.l.google.com even with
 *   `iceServers: []` (ice.js `DEFAULT_STUN_SERVER`), but never gathers server-reflexive
 *   candidates in ICE-lite mode (`getCandidatePromises`: `!gatherIceLite && ... && stunServer`),
 *   so no DNS lookup or packet leaves the machine.
 * - `relay` given (`webrtc.serverRelay`): full ICE, and the agent allocates a relay on that TURN
 *   server with a credential minted for the box (`relay.label`). Its STUN server is the same
 *   server (coturn answers Binding requests), so werift's public fallback is never used: the
 *   only servers contacted are the operator's. Host candidates are still gathered (and
 *   announced), so a viewer that can reach the box directly still does.
 *
 * @param relay the TURN URI werift uses (one `turn:` URI: werift's client takes the first) and
 *   a minted credential, from {@link relayIceServers}
 */
export function weriftPeerConfig(network: SfuNetworkOptions, relay?: RelayServers): Partial<PeerConfig> {
  return {
    iceLite: relay === undefined,
    iceServers: relay === undefined ? [] : [relay.stun, relay.turn],
    ...(relay === undefined
      ? {}
      : { iceTransportPolicy: 'all' as const, iceStunGatherTimeout: 2, iceTurnConnectTimeout: 3 }),
    iceUseIpv4: true,
    iceUseIpv6: false,
    iceUseTcp: false,
    icePortRange: network.portRange,
    iceInterfaceAddresses: network.bindAddress === '0.0.0.0' ? undefined : { udp4: network.bindAddress },
    // Guarantees one host candidate even on a box whose only interface is loopback; the
    // candidates are rewritten to the announced addresses anyway (announceCandidates).
    iceAdditionalHostAddresses: [network.bindAddress === '0.0.0.0' ? '127.0.0.1' : network.bindAddress],
    codecs: { video: h264Codecs(), audio: [] },
    headerExtensions: { video: [], audio: [] },
    bundlePolicy: 'max-bundle',
  };
}

/** The two servers of the full-ICE mode: STUN and TURN on the same coturn. */
export interface RelayServers {
  stun: IceServer;
  turn: IceServer;
}

/**
 * Picks the TURN URI werift can use from `webrtc.turn.urls` (the first `turn:` one, UDP
 * preferred: werift's TURN client speaks UDP and TCP, not TLS) and mints the box's credential.
 * @returns undefined when the list has no `turn:` URI (the config check prevents it)
 */
export function relayIceServers(relay: TurnCredentialOptions, label: string): RelayServers | undefined {
  const candidates = relay.urls.map((u) => ({ u, parsed: parseIceUri(u) })).filter((c) => c.parsed?.scheme === 'turn');
  const chosen = candidates.find((c) => c.parsed!.transport !== 'tcp') ?? candidates[0];
  if (!chosen) return undefined;
  const { username, credential } = new TurnCredentials(relay).mint(label);
  const { host, port } = chosen.parsed!;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { stun: { urls: `stun:${hostPart}:${port}` }, turn: { urls: chosen.u, username, credential } };
}

/** A candidate line's type (`typ host|srflx|prflx|relay`, RFC 8839 §5.1). */
function candidateType(line: string): string | undefined {
  return / typ (\S+)/.exec(line)?.[1];
}

/**
 * Replaces the host candidates in an answer by the announced addresses. werift gathers one
 * socket per local interface; they all bind `bindAddress`, so any of them receives what is
 * sent to an announced address. The first host candidate's port is kept. Server-reflexive and
 * relay candidates (full-ICE mode, `webrtc.serverRelay`) are kept as they are, after the host ones.
 */
export function announceCandidates(sdp: string, announced: string[]): string {
  const lines = sdp.split('\r\n');
  const first = lines.find((l) => l.startsWith('a=candidate:') && candidateType(l) === 'host');
  if (!first) return sdp;
  const parts = first.slice('a=candidate:'.length).split(' ');
  const port = parts[5];
  const out: string[] = [];
  let inserted = false;
  for (const line of lines) {
    if (line.startsWith('a=candidate:') && candidateType(line) === 'host') {
      if (!inserted) {
        announced.forEach((address, i) => {
          // RFC 8839 §5.1: foundation, component 1, UDP, priority (host, preference by order).
          const priority = (126 << 24) + ((65535 - i) << 8) + 255;
          out.push(`a=candidate:${i + 1} 1 udp ${priority} ${address} ${port} typ host`);
        });
        inserted = true;
      }
      continue;
    }
    out.push(line);
  }
  return out.join('\r\n');
}

/**
 * werift settings for a receive-only client on this machine (tests, benches). werift falls back
 * to stun.l.google.com when no STUN server is set, and a non-lite agent gathers
 * server-reflexive candidates; so the client is pointed at a closed loopback STUN port with a
 * 1 s gather timeout: nothing leaves 127.0.0.1.
 */
export function loopbackClientPeerConfig(): Partial<PeerConfig> {
  return {
    iceServers: [{ urls: 'stun:127.0.0.1:9' }],
    iceStunGatherTimeout: 1,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    codecs: { video: h264Codecs(), audio: [] },
    headerExtensions: { video: [], audio: [] },
  };
}

/** Resolves when ICE gathering is complete, or after `timeoutMs` (ms), whichever comes first. */
export async function gatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
