import { LivepeerConfigError } from './LivepeerConfigError.js';
import type { LivepeerConfig } from './livepeerConfig.js';
import { parseRtmpUrl } from './StreamKeyRedactor.js';

/**
 * Livepeer Studio's RTMP ingest (https://docs.livepeer.org): publish to `<ingest>/<streamKey>`.
 * Playback: HLS at `https://livepeercdn.studio/hls/<playbackId>/index.m3u8`, a player page at
 * `https://lvpr.tv/?v=<playbackId>`. Pure helpers: nothing here opens a connection. They take
 * the `livepeer` section after defaults (media/rtmp/livepeerConfig.ts), or the part they read.
 */

/** Where viewers watch a Livepeer stream. */
export interface LivepeerPlayback {
  playback_id: string;
  /** HLS manifest URL. */
  hls: string;
  /** Livepeer's player page. */
  player: string;
}

/** Characters a stream key may have (Livepeer keys are `xxxx-xxxx-xxxx-xxxx`). */
const STREAM_KEY = /^[A-Za-z0-9._~-]+$/;
const PLAYBACK_ID = /^[A-Za-z0-9_-]+$/;

/** The configured ingest URL (`livepeer.ingestUrl`), without a trailing `/`. */
export function livepeerIngestUrl(config: Pick<LivepeerConfig, 'ingestUrl'>): string {
  return config.ingestUrl.trim().replace(/\/+$/, '');
}

/**
 * The URL camerad publishes to: `<ingestUrl>/<streamKey>`.
 * @throws LivepeerConfigError naming `livepeer.streamKey` (missing or with characters other than
 *   letters, digits, `.`, `_`, `~`, `-`) or `livepeer.ingestUrl` (not `rtmp://host/app` or
 *   `rtmps://…`, or already carrying a query).
 */
export function livepeerPublishUrl(config: Pick<LivepeerConfig, 'ingestUrl' | 'streamKey'>): string {
  const key = config.streamKey?.trim() ?? '';
  if (key === '') {
    throw new LivepeerConfigError(
      'no Livepeer stream key configured: set livepeer.streamKey (environment ECS_LIVEPEER__STREAM_KEY)',
      'livepeer.streamKey',
    );
  }
  if (!STREAM_KEY.test(key)) {
    throw new LivepeerConfigError(
      'livepeer.streamKey: only letters, digits, ".", "_", "~" and "-" are allowed',
      'livepeer.streamKey',
    );
  }
  const ingest = livepeerIngestUrl(config);
  const parts = parseRtmpUrl(ingest);
  if (!parts || parts.app === '' || ingest.includes('?') || ingest.includes('#')) {
    throw new LivepeerConfigError(
      'livepeer.ingestUrl: must be rtmp://host[:port]/app or rtmps://host[:port]/app',
      'livepeer.ingestUrl',
    );
  }
  return `${ingest}/${key}`;
}

/** `host[:port]` of the ingest (what status may show), or null when the ingest URL is not valid. */
export function livepeerIngestHost(config: Pick<LivepeerConfig, 'ingestUrl'>): string | null {
  return parseRtmpUrl(livepeerIngestUrl(config))?.host ?? null;
}

/**
 * The playback URLs of a playback id, or null when none is configured.
 * @throws LivepeerConfigError naming `livepeer.playbackId` when it has characters other than
 *   letters, digits, `_` and `-`.
 */
export function livepeerPlayback(config: Pick<LivepeerConfig, 'playbackId'>): LivepeerPlayback | null {
  const id = config.playbackId?.trim() ?? '';
  if (id === '') return null;
  if (!PLAYBACK_ID.test(id)) {
    throw new LivepeerConfigError(
      'livepeer.playbackId: only letters, digits, "_" and "-" are allowed',
      'livepeer.playbackId',
    );
  }
  return {
    playback_id: id,
    hls: `https://livepeercdn.studio/hls/${id}/index.m3u8`,
    player: `https://lvpr.tv/?v=${id}`,
  };
}
