import { isIP } from 'node:net';
import { parse } from 'sdp-transform';
import { BadRequestError, UnsupportedError } from '../core/errors.js';
import type { RemoteCandidate } from '../sfu/SfuTypes.js';

/** Largest SDP body accepted, in bytes. Real offers are 2–10 KB. */
export const MAX_SDP_BYTES = 64 * 1024;

/**
 * Checks a WHEP offer before it reaches the WebRTC stack, so that a bad offer gets a precise
 * 4xx instead of a stack trace: SDP syntax (RFC 8866 §5: starts with `v=0`), a video m-line that
 * can receive, ICE credentials and a DTLS fingerprint (RFC 8839, RFC 8842), and H.264 with
 * packetization-mode 1 (RFC 6184 §8.1) — the only codec camerad produces.
 * @throws BadRequestError (field `sdp`) for an empty or malformed offer.
 * @throws UnsupportedError when the offer cannot receive H.264 packetization-mode 1.
 */
export function validateWhepOffer(sdp: string): void {
  if (sdp.trim() === '') throw new BadRequestError('empty body: expected an SDP offer', 'sdp');
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES)
    throw new BadRequestError(`SDP larger than ${MAX_SDP_BYTES} bytes`, 'sdp');
  if (!/^v=0\r?\n/.test(sdp)) throw new BadRequestError('not an SDP offer: it must start with "v=0"', 'sdp');
  let session;
  try {
    session = parse(sdp);
  } catch (error) {
    throw new BadRequestError(`malformed SDP: ${(error as Error).message}`, 'sdp');
  }
  const video = session.media.filter((m) => m.type === 'video');
  if (video.length === 0) throw new BadRequestError('offer has no video m-line (m=video)', 'sdp');
  const receiving = video.find(
    (m) => m.direction === undefined || m.direction === 'recvonly' || m.direction === 'sendrecv',
  );
  if (!receiving) throw new BadRequestError('offer has no video m-line that can receive (recvonly or sendrecv)', 'sdp');
  if (!(receiving.iceUfrag ?? session.iceUfrag) || !(receiving.icePwd ?? session.icePwd)) {
    throw new BadRequestError('offer has no ICE credentials (a=ice-ufrag, a=ice-pwd)', 'sdp');
  }
  if (!(receiving.fingerprint ?? session.fingerprint)) {
    throw new BadRequestError('offer has no DTLS fingerprint (a=fingerprint)', 'sdp');
  }
  const h264 = receiving.rtp.filter((r) => r.codec.toUpperCase() === 'H264');
  if (h264.length === 0) {
    const offered = [...new Set(receiving.rtp.map((r) => r.codec))].join(', ') || 'none';
    throw new UnsupportedError(
      `offer has no H.264 in its video m-line (offered: ${offered}); this server sends H.264 only`,
    );
  }
  const mode1 = h264.some((r) =>
    (receiving.fmtp ?? []).some((f) => f.payload === r.payload && /packetization-mode=1/.test(f.config)),
  );
  if (!mode1) throw new UnsupportedError('offer has H.264 but not packetization-mode=1, which this server sends');
}

/** Candidate types of RFC 8445 §5.1.1 (RFC 8839 §5.1 `cand-type`). */
const CANDIDATE_TYPES = new Set(['host', 'srflx', 'prflx', 'relay']);

/**
 * Why a trickled `candidate:` attribute does not follow RFC 8839 §5.1
 * (`foundation component-id transport priority connection-address port "typ" cand-type …`), or
 * undefined when it does. Narrower than the grammar where the grammar allows what this server
 * would act on unsafely or cannot use: the transport is UDP or TCP (RFC 6544), the type one of
 * RFC 8445's four, and the address an IP literal or an mDNS `.local` name (a candidate naming
 * any other host would make the server resolve it).
 */
export function candidateProblem(candidate: string): string | undefined {
  const fields = candidate.slice('candidate:'.length).split(' ');
  if (fields.length < 8)
    return 'a candidate needs foundation, component, transport, priority, address, port, typ and type';
  const [foundation, component, transport, priority, address, port, typ, type] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!/^[A-Za-z0-9+/]{1,32}$/.test(foundation)) return 'candidate foundation must be 1-32 ICE characters';
  if (!/^\d{1,3}$/.test(component) || Number(component) < 1 || Number(component) > 256)
    return 'candidate component must be 1..256';
  if (!/^(udp|tcp)$/i.test(transport)) return 'candidate transport must be UDP or TCP';
  if (!/^\d{1,10}$/.test(priority) || Number(priority) > 0xffffffff) return 'candidate priority must be 0..2^32-1';
  if (isIP(address) === 0 && !/^[A-Za-z0-9-]{1,63}\.local$/.test(address))
    return 'candidate address must be an IP address or an mDNS .local name';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return 'candidate port must be 0..65535';
  if (typ !== 'typ' || !CANDIDATE_TYPES.has(type)) return 'candidate must say "typ host|srflx|prflx|relay"';
  return undefined;
}

/**
 * Parses an RFC 8840 trickle-ICE SDP fragment (`application/trickle-ice-sdpfrag`): the
 * `a=candidate` lines, each attributed to the preceding `a=mid` / `m=` section.
 * @throws BadRequestError (field `body`) when the fragment has no candidate and no
 *   end-of-candidates, or a candidate line that {@link candidateProblem} refuses.
 */
export function parseTrickleFragment(fragment: string): { candidates: RemoteCandidate[]; ufrag?: string } {
  const candidates: RemoteCandidate[] = [];
  let mid: string | undefined;
  let mLineIndex = -1;
  let ufrag: string | undefined;
  let endOfCandidates = false;
  for (const raw of fragment.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) mLineIndex += 1;
    else if (line.startsWith('a=mid:')) mid = line.slice(6);
    else if (line.startsWith('a=ice-ufrag:')) ufrag = line.slice(12);
    else if (line.startsWith('a=candidate:')) {
      const problem = candidateProblem(line.slice(2));
      if (problem) throw new BadRequestError(`${problem}: ${JSON.stringify(line.slice(0, 120))}`, 'body');
      candidates.push({ candidate: line.slice(2), mid, mLineIndex: Math.max(0, mLineIndex) });
    } else if (line === 'a=end-of-candidates') endOfCandidates = true;
  }
  if (candidates.length === 0 && !endOfCandidates && !ufrag) {
    throw new BadRequestError(
      'trickle-ICE fragment has no a=candidate, a=ice-ufrag or a=end-of-candidates line',
      'body',
    );
  }
  return ufrag === undefined ? { candidates } : { candidates, ufrag };
}
