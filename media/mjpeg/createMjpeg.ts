import type { Logger } from 'pino';
import { MjpegHub } from './MjpegHub.js';
import type { MjpegConfig } from './mjpegConfig.js';
import type { MjpegCamera, MjpegHubStats, StillVariant } from './MjpegTypes.js';

/** Options of {@link createMjpeg}. */
export interface CreateMjpegOptions {
  /** The cameras, in configuration order (the first is the default camera). */
  cameras: ReadonlyMap<string, MjpegCamera>;
  /**
   * `outputs.mjpeg` after defaults (media/mjpeg/mjpegConfig.ts): stills per second while someone
   * watches, JPEG quality, parts each client may have waiting, and concurrent clients over all
   * cameras and variants (beyond it → 503).
   */
  config: MjpegConfig;
  /** See MjpegHubOptions.disableDelayMs (omitted: the hub's own delay). */
  disableDelayMs?: number;
  logger: Logger;
}

/** What `GET /api/mjpeg` reports. */
export interface MjpegStats {
  maxClients: number;
  /** Clients connected now, all hubs. */
  clients: number;
  /** Clients turned away because `maxClients` were connected, since the server started. */
  refused: number;
  hubs: MjpegHubStats[];
}

/** The MJPEG module: one hub per camera and variant, and the server-wide client bound. */
export interface Mjpeg {
  readonly config: Readonly<MjpegConfig>;
  /** Camera id → its two hubs, in configuration order. */
  readonly hubs: ReadonlyMap<string, Readonly<Record<StillVariant, MjpegHub>>>;
  /** The hub of `camera` (undefined: the first camera), undefined when there is no such camera. */
  hub(camera: string | undefined, variant: StillVariant): MjpegHub | undefined;
  /** Clients connected now, all hubs. */
  readonly clients: number;
  /**
   * Whether one more client may connect now (fewer than `maxClients` are connected). A `false`
   * counts one refusal (`stats().refused`).
   */
  admit(): boolean;
  stats(): MjpegStats;
  /** Closes every hub (their clients, and camerad's stills). Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates the MJPEG hubs of every camera (clean and overlays). Nothing is encoded until a client
 * connects. Call `close()` before the cameras close.
 * @throws TypeError when a setting is out of range (`maxClients` must be an integer ≥ 1).
 */
export function createMjpeg(options: CreateMjpegOptions): Mjpeg {
  const config: MjpegConfig = { ...options.config };
  if (!(Number.isInteger(config.maxClients) && config.maxClients >= 1)) {
    throw new TypeError(`maxClients must be an integer ≥ 1, got ${config.maxClients}`);
  }
  const hubs = new Map<string, Record<StillVariant, MjpegHub>>();
  const hubOf = (camera: MjpegCamera, variant: StillVariant): MjpegHub =>
    new MjpegHub({
      camera,
      variant,
      fps: config.fps,
      quality: config.quality,
      queueFrames: config.queueFrames,
      disableDelayMs: options.disableDelayMs,
      logger: options.logger,
    });
  for (const [id, camera] of options.cameras) {
    hubs.set(id, { clean: hubOf(camera, 'clean'), overlays: hubOf(camera, 'overlays') });
  }
  const all = (): MjpegHub[] => [...hubs.values()].flatMap((h) => [h.clean, h.overlays]);
  let closing: Promise<void> | undefined;
  let refused = 0;
  const clients = (): number => all().reduce((sum, hub) => sum + hub.clients, 0);
  return {
    config,
    hubs,
    hub(camera, variant) {
      const pair = camera === undefined ? hubs.values().next().value : hubs.get(camera);
      return pair?.[variant];
    },
    get clients() {
      return clients();
    },
    admit() {
      if (clients() < config.maxClients) return true;
      refused += 1;
      return false;
    },
    stats() {
      const stats = all().map((hub) => hub.stats());
      return {
        maxClients: config.maxClients,
        clients: stats.reduce((s, h) => s + h.clients, 0),
        refused,
        hubs: stats,
      };
    },
    close() {
      closing ??= Promise.all(all().map((hub) => hub.close())).then(() => undefined);
      return closing;
    },
  };
}
