import { z } from 'zod';
import { refineBackoff } from '../core/backoffConfig.js';

/**
 * The `outputs.rtsp` section: RTSP out for NVRs (Frigate, Home Assistant, VLC), served by
 * native rtspd (native/PROTOCOL.md, "rtspd"; docs/rtsp.md). server/config/configSchema.ts plugs
 * `rtspSchema` in. Every field has a default; unknown keys are rejected.
 */

const userSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits, . _ -')
    .describe('User name an NVR gives (RTSP Digest, RFC 2617).'),
  password: z
    .string()
    .min(12, 'at least 12 characters')
    .max(256)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .describe('Password (secret: never logged, never in argv or the environment of rtspd).'),
});

export const rtspSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Serve every camera over RTSP (needs `users`).'),
    host: z
      .string()
      .min(1)
      .default('127.0.0.1')
      .describe('Address rtspd listens on; anything beyond loopback (e.g. 0.0.0.0) is the operator’s choice.'),
    port: z.number().int().min(0).max(65535).default(8554).describe('RTSP TCP port (0: any free port).'),
    pathPrefix: z
      .string()
      .regex(/^(\/[A-Za-z0-9._-]+)*$/, 'empty or /segment[/segment…]')
      .default('')
      .describe('Prefix of the camera paths: rtsp://box:port<pathPrefix>/<camera id>.'),
    users: z
      .array(userSchema)
      .max(32)
      .default([])
      .describe('Who may watch (RTSP Digest only; Basic is never offered).'),
    maxClients: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .describe('Authenticated RTSP connections (NVRs) at once; the next one to authenticate is answered 503.'),
    maxPendingClients: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(16)
      .describe(
        'Connections at once that have not sent valid credentials yet (kept apart from maxClients, so a stranger’s idle sockets never take an NVR’s place); the next one is answered 503.',
      ),
    maxPendingPerAddress: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(4)
      .describe(
        'Connections without valid credentials yet from one address; the next one is answered 503. Raise it when many NVRs reach the box through one address (a NAT or proxy) and start at once.',
      ),
    authTimeoutS: z
      .number()
      .int()
      .min(1)
      .max(600)
      .default(10)
      .describe('A connection that has sent no valid credentials this long after it opened is closed, s.'),
    clientTimeoutS: z
      .number()
      .int()
      .min(5)
      .max(600)
      .default(30)
      .describe(
        'RTSP session timeout, s: a client without keep-alive, or whose TCP socket takes nothing this long, is dropped.',
      ),
    protocols: z
      .array(z.enum(['tcp', 'udp']))
      .min(1)
      .default(['tcp', 'udp'])
      .describe('Transports offered: tcp (interleaved in the RTSP connection), udp.'),
    rtpBasePort: z
      .number()
      .int()
      .min(1024)
      .max(65000)
      .default(5300)
      .describe('Camera i’s RTP goes to rtspd on 127.0.0.1:rtpBasePort + i.'),
    binary: z.string().default('native/build/rtspd').describe('rtspd executable, relative to the project root.'),
    backoffInitialMs: z.number().int().min(50).max(60_000).default(500).describe('First restart delay of rtspd, ms.'),
    backoffMaxMs: z.number().int().min(100).max(600_000).default(10_000).describe('Largest restart delay, ms.'),
  })
  .superRefine((value, ctx) => {
    refineBackoff(value, ctx);
    if (value.enabled && value.users.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['users'], message: 'at least one user is needed when RTSP is enabled' });
    }
    const names = new Set<string>();
    value.users.forEach((user, i) => {
      if (names.has(user.name)) ctx.addIssue({ code: 'custom', path: ['users', i, 'name'], message: 'duplicate user' });
      names.add(user.name);
    });
  })
  .prefault({});

/** The `outputs.rtsp` section after defaults. */
export type RtspConfig = z.infer<typeof rtspSchema>;
