import { z } from 'zod';
import { refineBackoff } from '../core/backoffConfig.js';

/**
 * The `outputs.janus` section (server/config/configSchema.ts plugs `janusSchema` in): forwarding
 * each camera's program encode to a Janus Streaming plugin mountpoint, for many viewers through
 * Janus (docs/janus.md). Off unless `apiUrl` is set. The secrets (`adminSecret`,
 * `streamingAdminKey`) are never logged, never in a response, never in argv.
 */
export const janusSchema = z
  .strictObject({
    apiUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Janus HTTP API the server uses, e.g. http://10.0.0.5:8088/janus; unset = no Janus forward.'),
    adminUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'Janus Admin API (add_token/remove_token), e.g. http://10.0.0.5:7088/admin; keep it on a private interface.',
      ),
    adminSecret: z
      .string()
      .min(8)
      .max(256)
      .optional()
      .describe('Janus `admin_secret` (secret: never logged or returned). Env ECS_OUTPUTS__JANUS__ADMIN_SECRET.'),
    streamingAdminKey: z
      .string()
      .min(8)
      .max(256)
      .optional()
      .describe(
        'The Streaming plugin’s `admin_key` (janus.plugin.streaming.jcfg), needed to create mountpoints; set it in Janus so viewer tokens cannot create mountpoints (secret).',
      ),
    publicUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'Janus HTTP API as browsers reach it, e.g. https://janus.example.org/janus; unset = the page does not use Janus.',
      ),
    rtpHost: z
      .string()
      .regex(/^[a-zA-Z0-9.:-]{1,253}$/, 'a host name or IP address')
      .optional()
      .describe('Where the RTP goes (the mountpoint’s address as seen from the box); default apiUrl’s host.'),
    rtpInterface: z
      .string()
      .regex(/^[a-zA-Z0-9.:-]{1,253}$/, 'an interface name or IP address')
      .optional()
      .describe('Janus binds the mountpoint’s RTP port on this interface or address (Streaming `iface`); default all.'),
    srtp: z
      .enum(['auto', 'on', 'off'])
      .default('auto')
      .describe('SRTP (AES_CM_128_HMAC_SHA1_80) to the mountpoint; auto = on when rtpHost is not a loopback address.'),
    tokenTtlS: z
      .number()
      .int()
      .min(30)
      .max(86_400)
      .default(600)
      .describe(
        'A viewer’s Janus token is removed from Janus this long after it was minted, s (a session it opened stays).',
      ),
    maxTokens: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(1000)
      .describe('Viewer tokens outstanding at once; beyond it a mint gets 503 with Retry-After.'),
    maxTokensPerAddress: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(20)
      .describe(
        'Viewer tokens outstanding at once for one caller address (so a few callers cannot hold every token for tokenTtlS); beyond it a mint gets 429 with Retry-After.',
      ),
    keepaliveMs: z
      .number()
      .int()
      .min(200)
      .max(55_000)
      .default(15_000)
      .describe(
        'Keepalive of the server’s Janus session (Janus’s session_timeout is 60 s by default), ms; also how soon a Janus restart is noticed.',
      ),
    requestTimeoutMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(5000)
      .describe('Longest wait for one Janus HTTP request, ms.'),
    backoffInitialMs: z
      .number()
      .int()
      .min(50)
      .max(60_000)
      .default(1000)
      .describe('First retry delay after a failure, ms.'),
    backoffMaxMs: z.number().int().min(100).max(600_000).default(30_000).describe('Largest retry delay, ms.'),
  })
  .superRefine((c, ctx) => {
    refineBackoff(c, ctx);
    // token_auth: every viewer token goes through the Admin API.
    if (c.apiUrl !== undefined && c.adminUrl === undefined) {
      ctx.addIssue({ code: 'custom', path: ['adminUrl'], message: 'required when apiUrl is set (token_auth)' });
    }
  })
  .prefault({});

/** The `outputs.janus` section after defaults. */
export type JanusConfig = z.infer<typeof janusSchema>;
