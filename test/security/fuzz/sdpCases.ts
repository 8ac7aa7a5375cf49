import fc from 'fast-check';
import type { BodyCase } from './jsonBodyCases.js';

/**
 * Invalid-by-construction WHEP bodies (RFC 9725): SDP offers derived from a real recvonly H.264
 * offer, each mutation removing something the server requires (media/whep/whepSdp.ts
 * `validateWhepOffer`: a `v=0` start, a video m-line that can receive, ICE credentials, a DTLS
 * fingerprint, H.264 with packetization-mode 1, at most 64 KiB), and trickle-ICE fragments
 * (RFC 8840) that carry no candidate, ufrag or end-of-candidates line, or a candidate line that
 * does not follow the grammar of RFC 8839 §5.1.
 */

const SDP = 'application/sdp';
const SDPFRAG = 'application/trickle-ice-sdpfrag';

/** Lines of an SDP text (CRLF or LF). */
const lines = (sdp: string): string[] => sdp.split(/\r?\n/).filter((l) => l !== '');
const join = (ls: string[], eol: string): string => ls.join(eol) + eol;

/** Harmless noise lines that never make an offer valid (unknown attributes, no m= lines). */
const noiseLine = fc
  .tuple(fc.constantFrom('a=x-fuzz', 'a=tool', 'i=', 'a=x'), fc.stringMatching(/^[A-Za-z0-9:. ]{0,20}$/))
  .map(([k, v]) => `${k}${k.endsWith('=') ? '' : ':'}${v}`);

/**
 * Offers that the server must refuse (400 or 422, 413 or 415).
 * @param offer a real WHEP offer (recvonly video, H.264 packetization-mode=1, ICE and DTLS).
 */
export function whepOfferCases(offer: string): fc.Arbitrary<BodyCase> {
  const base = lines(offer);
  const videoAt = base.findIndex((l) => l.startsWith('m=video'));
  if (videoAt < 0) throw new TypeError('offer has no video m-line');
  const mutate = (violation: string, f: (ls: string[]) => string[], status = SDP) =>
    fc
      .tuple(fc.constantFrom('\r\n', '\n'), fc.array(noiseLine, { maxLength: 3 }), fc.nat())
      .map(([eol, noise, at]): BodyCase => {
        const ls = f([...base]);
        // Noise after the session part (never before v=0).
        const i = 1 + (at % Math.max(1, ls.length - 1));
        ls.splice(i, 0, ...noise);
        return { contentType: status, body: join(ls, eol), violation };
      });
  const withoutLine = (prefix: string) => (ls: string[]) => ls.filter((l) => !l.startsWith(prefix));
  return fc.oneof(
    fc.constantFrom('', ' ', '\r\n', '\n\n').map((body) => ({ contentType: SDP, body, violation: 'empty' })),
    fc
      .string({ maxLength: 200 })
      .filter((s) => !/^v=0\r?\n/.test(s))
      .map((body) => ({ contentType: SDP, body: body || 'x', violation: 'not-sdp' })),
    mutate('no-v-line', (ls) => ls.slice(1)),
    mutate('video-as-audio', (ls) => ls.map((l) => (l.startsWith('m=video') ? l.replace('m=video', 'm=audio') : l))),
    mutate('truncated-before-video', (ls) => ls.slice(0, videoAt)),
    fc
      .constantFrom('sendonly', 'inactive')
      .chain((dir) =>
        mutate(`direction-${dir}`, (ls) =>
          ls
            .filter((l) => !/^a=(sendrecv|recvonly|sendonly|inactive)$/.test(l))
            .flatMap((l) => (l.startsWith('m=video') ? [l, `a=${dir}`] : [l])),
        ),
      ),
    mutate('no-ice-ufrag', withoutLine('a=ice-ufrag')),
    mutate('no-ice-pwd', withoutLine('a=ice-pwd')),
    mutate('no-fingerprint', withoutLine('a=fingerprint')),
    mutate('no-h264', (ls) => ls.map((l) => l.replace(/H264\/90000/g, 'VP8/90000'))),
    mutate('packetization-mode-0', (ls) =>
      ls
        .map((l) => l.replace(/packetization-mode=1/g, 'packetization-mode=0'))
        // An fmtp without the parameter means mode 0 too (RFC 6184 §8.1); make it explicit.
        .map((l) => (/^a=fmtp:\d+ /.test(l) && !l.includes('packetization-mode') ? `${l};packetization-mode=0` : l)),
    ),
    fc.integer({ min: 64 * 1024, max: 70 * 1024 }).map((size) => ({
      contentType: SDP,
      body: offer + 'a=x-pad:' + 'x'.repeat(size - offer.length) + '\r\n',
      violation: 'oversized',
    })),
    fc
      .constantFrom('application/json', 'text/plain', 'application/trickle-ice-sdpfrag', 'application/octet-stream')
      .map((contentType) => ({ contentType, body: offer, violation: 'content-type' })),
  );
}

/** Candidate lines that break RFC 8839 §5.1 (`foundation component transport priority address port typ type`). */
const badCandidate = fc.oneof(
  fc.constant('a=candidate:'),
  fc.stringMatching(/^[a-z0-9 ]{0,30}$/).map((s) => `a=candidate:${s}`),
  // Too few fields.
  fc.constant('a=candidate:1 1 udp 2130706431 127.0.0.1'),
  fc.constant('a=candidate:1 1 udp'),
  // A port that is not a number, or out of range.
  fc
    .constantFrom('x', '-1', '65536', '99999999999')
    .map((port) => `a=candidate:1 1 udp 2130706431 127.0.0.1 ${port} typ host`),
  // Not a known transport, not a candidate type.
  fc.constant('a=candidate:1 1 sctp 2130706431 127.0.0.1 9 typ host'),
  fc.constant('a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ bogus'),
  // A priority or component that is not a number.
  fc.constant('a=candidate:1 x udp 2130706431 127.0.0.1 9 typ host'),
  fc.constant('a=candidate:1 1 udp prio 127.0.0.1 9 typ host'),
  // An address that is not an IP address or a .local name (a lookup is never made).
  fc.constantFrom('not_an_address', '999.1.1.1', '::g').map((a) => `a=candidate:1 1 udp 2130706431 ${a} 9 typ host`),
);

/** Trickle-ICE fragments (RFC 8840) the server must refuse (400, 413 or 415). */
export function trickleCases(): fc.Arbitrary<BodyCase> {
  // Lines that are none of a=candidate, a=ice-ufrag, a=end-of-candidates.
  const otherLine = fc.oneof(
    fc.constantFrom(
      'a=mid:0',
      'm=video 9 UDP/TLS/RTP/SAVPF 0',
      'a=ice-pwd:abcdefghijklmnopqrstuv',
      'a=candidat',
      'a=end-of-candidate',
    ),
    fc.stringMatching(/^[b-z][A-Za-z0-9=:. ]{0,30}$/),
  );
  return fc.oneof(
    fc
      .tuple(fc.array(otherLine, { maxLength: 6 }), fc.constantFrom('\r\n', '\n'))
      .map(([ls, eol]) => ({ contentType: SDPFRAG, body: join(ls, eol), violation: 'no-candidate' })),
    fc
      .tuple(fc.array(otherLine, { maxLength: 3 }), badCandidate, fc.constantFrom('\r\n', '\n'))
      .map(([ls, candidate, eol]) => ({
        contentType: SDPFRAG,
        body: join(['a=mid:0', ...ls, candidate], eol),
        violation: 'malformed-candidate',
      })),
    fc.integer({ min: 64 * 1024 + 1, max: 70 * 1024 }).map((size) => ({
      contentType: SDPFRAG,
      body: 'a=mid:0\r\n' + 'a=x-pad:' + 'x'.repeat(size) + '\r\n',
      violation: 'oversized',
    })),
    fc
      .constantFrom('application/sdp', 'application/json', 'text/plain')
      .map((contentType) => ({ contentType, body: 'a=end-of-candidates\r\n', violation: 'content-type' })),
  );
}
