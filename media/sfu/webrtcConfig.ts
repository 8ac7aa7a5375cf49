import { isIP } from 'node:net';
import { z } from 'zod';
import { iceUriProblem } from './ice/iceUri.js';
import type { TurnCredentialOptions } from './ice/TurnCredentials.js';

/**
 * The `webrtc` section of the server's configuration (server/config/configSchema.ts plugs
 * `webrtcSchema` in): the SFU's media sockets and what ICE may use beyond host candidates.
 * Nothing outside the box is contacted by default: no STUN or TURN server is configured, and
 * the SFU is ICE-lite (it never sends a STUN request of its own). Every field has a default;
 * unknown keys are rejected.
 */

const port = z.number().int().min(1).max(65535);
const ipv4 = z.string().refine((s) => isIP(s) === 4, 'must be an IPv4 address');

/** A STUN/TURN URI as RFC 7064 (`stun:`, `stuns:`) and RFC 7065 (`turn:`, `turns:`) write them. */
const iceUri = z.string().superRefine((uri, ctx) => {
  const problem = iceUriProblem(uri);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

/** Shortest shared secret accepted (coturn sets no minimum; this keeps HMAC keys unguessable). */
export const TURN_SECRET_MIN_LENGTH = 16;

/** One entry of `webrtc.iceServers`, the shape of the W3C `RTCIceServer` dictionary. */
export const iceServerSchema = z
  .strictObject({
    urls: z
      .union([iceUri, z.array(iceUri).min(1).max(8)])
      .describe('stun:host[:port], turn:host[:port][?transport=udp|tcp], stuns:…, turns:… (RFC 7064, RFC 7065).'),
    username: z.string().min(1).max(512).optional().describe('TURN user name (long-term credentials).'),
    credential: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe('TURN password (long-term credentials; secret: never logged). Sent to every viewer.'),
  })
  .superRefine((server, ctx) => {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    // W3C webrtc §4.2.1 (setConfiguration step 11): a TURN URL without both is an InvalidAccessError.
    if (urls.some((u) => u.startsWith('turn')) && (server.username === undefined || server.credential === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [server.username === undefined ? 'username' : 'credential'],
        message: 'a turn: or turns: URL needs username and credential (or use webrtc.turn for minted ones)',
      });
    }
  });

export const turnSchema = z
  .strictObject({
    secret: z
      .string()
      .min(TURN_SECRET_MIN_LENGTH, `at least ${TURN_SECRET_MIN_LENGTH} characters`)
      .max(256)
      .optional()
      .describe(
        "coturn's static-auth-secret (use-auth-secret, the TURN REST API of draft-uberti-behave-turn-rest-00): the " +
          'server mints per-viewer credentials with it. Secret: never logged, never sent. Env ECS_WEBRTC__TURN__SECRET.',
      ),
    secretFile: z
      .string()
      .optional()
      .describe(
        'File holding the secret instead (e.g. a Docker secret, /run/secrets/turn_secret); trailing newline ignored.',
      ),
    urls: z
      .array(iceUri)
      .max(8)
      .default([])
      .describe(
        'TURN URIs of that server (turn:host[:port][?transport=udp|tcp], turns:…), minted credentials for each.',
      ),
    credentialTtlS: z
      .number()
      .int()
      .min(60)
      .max(86_400)
      .default(600)
      .describe(
        'Lifetime of a minted credential, s. coturn checks it when an allocation is made; a running allocation ' +
          'outlives it, so a short one only limits what a leaked credential is worth.',
      ),
  })
  .prefault({})
  .superRefine((turn, ctx) => {
    turn.urls.forEach((u, i) => {
      if (!u.startsWith('turn'))
        ctx.addIssue({ code: 'custom', path: ['urls', i], message: 'must be a turn: or turns: URI' });
    });
    if (turn.secret !== undefined && turn.secretFile !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['secretFile'], message: 'set secret or secretFile, not both' });
    }
    const hasSecret = turn.secret !== undefined || turn.secretFile !== undefined;
    if (hasSecret && turn.urls.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['urls'],
        message: 'the TURN server that holds the secret: at least one turn: URI',
      });
    }
    if (!hasSecret && turn.urls.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'required with webrtc.turn.urls (or secretFile)' });
    }
  });

export const webrtcSchema = z
  .strictObject({
    announcedAddresses: z
      .array(ipv4)
      .min(1)
      .default(['127.0.0.1'])
      .describe('IPv4 addresses put in ICE candidates: the box’s LAN/public address in deployments.'),
    bindAddress: ipv4.default('0.0.0.0').describe('Local address the media sockets bind to.'),
    udpPortMin: port.default(40000).describe('Lowest UDP port for WebRTC media.'),
    udpPortMax: port.default(40999).describe('Highest UDP port for WebRTC media.'),
    viewerTimeoutMs: z
      .number()
      .int()
      .min(2000)
      .max(300_000)
      .default(15_000)
      .describe('Drop a viewer silent (no RTCP) this long, ms.'),
    workers: z
      .union([z.literal('auto'), z.number().int().min(0).max(32)])
      .default('auto')
      .describe('Worker threads carrying viewers (0 = all on the main thread; auto = one per core, at most 4).'),
    gopCachePackets: z
      .number()
      .int()
      .min(256)
      .max(65_536)
      .default(4096)
      .describe('Per-camera RTP ring (GOP cache and retransmissions), packets of up to 1500 bytes.'),
    iceServers: z
      .array(iceServerSchema)
      .max(16)
      .default([])
      .describe(
        'STUN/TURN servers handed to viewers as they are (GET /api/webrtc/ice-servers, WHEP Link headers). ' +
          'None by default: nothing outside the box is contacted.',
      ),
    turn: turnSchema.describe('A coturn server with use-auth-secret: per-viewer credentials minted from its secret.'),
    serverRelay: z
      .boolean()
      .default(false)
      .describe(
        'The SFU runs full ICE (not ICE-lite) and allocates its own relay on webrtc.turn, for boxes whose host ' +
          'addresses viewers cannot reach (needs webrtc.turn). Its only STUN server is that TURN server.',
      ),
  })
  .prefault({})
  .superRefine((w, ctx) => {
    if (w.udpPortMax <= w.udpPortMin) {
      ctx.addIssue({ code: 'custom', path: ['udpPortMax'], message: 'udpPortMax must be greater than udpPortMin' });
    }
    if (w.serverRelay && w.turn.urls.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['serverRelay'],
        message: 'needs webrtc.turn (secret and urls): the relay is allocated on that server',
      });
    } else if (w.serverRelay && !w.turn.urls.some((u) => u.startsWith('turn:'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['serverRelay'],
        message: "needs a turn: URI in webrtc.turn.urls (the box's TURN client speaks UDP and TCP, not TLS)",
      });
    }
  });

/** The `webrtc` section after validation and defaults. */
export type WebrtcConfig = z.infer<typeof webrtcSchema>;

/**
 * The minting settings of `webrtc.turn` (after loadConfig has read any `secretFile`), or
 * undefined when no TURN secret is configured.
 */
export function turnCredentialOptions(webrtc: WebrtcConfig): TurnCredentialOptions | undefined {
  const { secret, urls, credentialTtlS } = webrtc.turn;
  return secret !== undefined && urls.length > 0 ? { secret, urls, credentialTtlS } : undefined;
}
