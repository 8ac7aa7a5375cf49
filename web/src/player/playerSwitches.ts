import { PLAYER_PATHS, type PlayerPath } from './PlayerTypes';

/** Test switches of the player, from the page URL or the custom element's attributes. */
export interface PlayerSwitches {
  /** `force=webrtc|websocket|mse|mjpeg`: start at that path, no fallback above it; null = WebRTC first. */
  force: PlayerPath | null;
  /** `relay=1` (or `true`): WebRTC with `iceTransportPolicy: 'relay'`. */
  relay: boolean;
}

/**
 * Reads `force` and `relay` (e.g. the page's `?force=mse&relay=1`). An unknown `force` value is
 * ignored with a console warning (the picker's normal order plays).
 */
export function playerSwitches(get: (name: string) => string | null): PlayerSwitches {
  const f = get('force');
  let force: PlayerPath | null = null;
  if (f) {
    if ((PLAYER_PATHS as readonly string[]).includes(f)) force = f as PlayerPath;
    else console.warn(`force=${f} ignored: not one of ${PLAYER_PATHS.join(', ')}`);
  }
  const r = get('relay');
  return { force, relay: r === '1' || r === 'true' || r === '' };
}

/** `force` and `relay` of the page URL. */
export function pageSwitches(pageUrl: string = window.location.href): PlayerSwitches {
  const params = new URL(pageUrl).searchParams;
  return playerSwitches((n) => params.get(n));
}
