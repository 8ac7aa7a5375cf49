import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The `server` section of the configuration: where the server listens, the address users reach
 * it at, and who may call it (viewer tokens, the admin token, allowed hosts and origins, trusted
 * proxies). server/config/configSchema.ts plugs `serverSchema` in; docs/security.md explains
 * the access model these settings feed.
 */

/** A secret given to viewers: watch (WHEP, MJPEG, status, public events) and nothing else. */
const viewerSecret = z.string().min(16, 'use at least 16 characters').max(256);

/** An exact web origin: scheme, host and optional port, no path (`https://app.example.org`). */
const origin = z
  .string()
  .regex(/^https?:\/\/[a-zA-Z0-9.-]+(:\d{1,5})?$/, 'an origin: http(s)://host[:port], no path or trailing slash');

/** A host name or address as it appears in a `Host` header, optionally with a port. */
const hostName = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[a-zA-Z0-9.-]+)(:\d{1,5})?$/, 'a host name, optionally with :port');

export const serverSchema = z
  .strictObject({
    host: z.string().default('127.0.0.1').describe('HTTP listen address.'),
    port: z.number().int().min(0).max(65535).default(8080).describe('HTTP listen port (0 = any free port).'),
    publicUrl: z
      .url({ protocol: /^https?$/ })
      .regex(/^[^?#]*$/, 'no query or fragment')
      .optional()
      .describe(
        'Address users reach the server at (https://host[/prefix]); gives the Sign-In With Solana URI and the default allowed host. Required beyond loopback or with a viewer token.',
      ),
    token: viewerSecret
      .optional()
      .describe('Viewer token (the link shared with viewers, Bearer or ?token=): WHEP, MJPEG, status, public events.'),
    viewerTokens: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-", at most 64')
            .describe('Who the token was given to (logged, never the token).'),
          token: viewerSecret.describe('The secret.'),
        }),
      )
      .max(1000)
      .default([])
      .describe('More viewer tokens, each named, so one link can be withdrawn without changing the others.'),
    adminToken: z
      .string()
      .min(32, 'use at least 32 characters')
      .max(256)
      .optional()
      .describe('Admin token for operator routes (beside the operator wallet session); unset = wallet only.'),
    metricsToken: z
      .string()
      .min(32, 'use at least 32 characters')
      .max(256)
      .optional()
      .describe(
        'Token a Prometheus scraper sends (Authorization: Bearer) to read /metrics and nothing else; a viewer token also reads it.',
      ),
    allowUnauthenticated: z
      .boolean()
      .default(false)
      .describe('Serve media without a viewer token to any client (not recommended; logged as a warning).'),
    allowedHosts: z
      .array(hostName)
      .max(64)
      .optional()
      .describe(
        'Host header values accepted (port optional); default: publicUrl’s host. Loopback names are always accepted.',
      ),
    corsOrigins: z
      .array(origin)
      .max(64)
      .default([])
      .describe('Other origins (web apps) allowed to call the API and socket.io; none by default.'),
    trustProxy: z
      .array(z.string().refine((s) => isIP(s) !== 0, 'an IP address'))
      .max(64)
      .default([])
      .describe('Addresses of reverse proxies whose X-Forwarded-For/-Proto are read; none = never read.'),
    webRoot: z.string().default('web/dist').describe('Folder of the built viewer app, relative to the project root.'),
  })
  .prefault({});

export type ServerConfig = z.infer<typeof serverSchema>;

/**
 * The path prefix of `server.publicUrl` without its trailing slash: `/cam` for
 * `https://name/cam/`, `''` for `https://name/` or no public URL. A reverse proxy strips it from
 * requests; the server puts it before every URL it generates (WHEP `Location`, the cameras'
 * `whep` field, media URLs, the OpenAPI `servers`).
 */
export function basePathOf(server: { publicUrl?: string | undefined }): string {
  if (server.publicUrl === undefined) return '';
  return new URL(server.publicUrl).pathname.replace(/\/+$/, '');
}
