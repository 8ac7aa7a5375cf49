import type { Config } from '../config/configSchema.js';
import type { LimitsConfig } from './limitsConfig.js';

/** The access settings after their defaults are derived from the rest of the configuration. */
export interface AccessSettings {
  /** Viewer tokens by name: `server.token` as `default`, then `server.viewerTokens`. */
  viewerTokens: ReadonlyMap<string, string>;
  adminToken: string | undefined;
  /** `server.metricsToken`: opens `/metrics` only. */
  metricsToken: string | undefined;
  allowUnauthenticated: boolean;
  /** `server.allowedHosts`, default `server.publicUrl`'s host (loopback names are always accepted). */
  allowedHosts: readonly string[];
  /** `server.corsOrigins` and `server.publicUrl`'s origin. */
  allowedOrigins: readonly string[];
  trustProxy: readonly string[];
  /** `auth.requireCheckin`, default on when `chain.rpcUrl` is set. */
  requireCheckin: boolean;
  limits: LimitsConfig;
}

/** `auth.requireCheckin` after its default: on when a chain is configured (there is no check-in without one). */
export function requireCheckinOf(config: Pick<Config, 'auth' | 'chain'>): boolean {
  return config.auth.requireCheckin ?? config.chain.rpcUrl !== undefined;
}

/** Derives {@link AccessSettings} from the validated configuration. */
export function accessSettings(config: Pick<Config, 'server' | 'auth' | 'chain' | 'limits'>): AccessSettings {
  const { server } = config;
  const viewerTokens = new Map<string, string>();
  if (server.token !== undefined) viewerTokens.set('default', server.token);
  for (const { name, token } of server.viewerTokens) viewerTokens.set(name, token);
  const publicUrl = server.publicUrl === undefined ? undefined : new URL(server.publicUrl);
  return {
    viewerTokens,
    adminToken: server.adminToken,
    metricsToken: server.metricsToken,
    allowUnauthenticated: server.allowUnauthenticated,
    allowedHosts: server.allowedHosts ?? (publicUrl ? [publicUrl.host] : []),
    allowedOrigins: [...server.corsOrigins, ...(publicUrl ? [publicUrl.origin] : [])],
    trustProxy: server.trustProxy,
    requireCheckin: requireCheckinOf(config),
    limits: config.limits,
  };
}
