import type { IceServer } from './IceServer.js';
import { type TurnCredentialOptions, TurnCredentials } from './TurnCredentials.js';

/** What {@link IceServers} needs: `webrtc.iceServers` and `webrtc.turn`. */
export interface IceServersOptions {
  /** Handed out as they are. */
  iceServers: readonly IceServer[];
  /** A coturn with use-auth-secret, or undefined when none is configured (no secret). */
  turn: TurnCredentialOptions | undefined;
}

/** What a viewer is told to use (`GET /api/webrtc/ice-servers`). */
export interface ViewerIceServers {
  /** Static servers first, then the minted TURN entry. Empty when nothing is configured. */
  iceServers: IceServer[];
  /** When the minted credential expires (ISO 8601), or null when nothing was minted. */
  expiresAt: string | null;
}

/**
 * The STUN/TURN servers a viewer gets: the operator's static `webrtc.iceServers` and, when
 * `webrtc.turn` has a secret, a TURN entry with a credential minted for that viewer
 * ({@link TurnCredentials}). With nothing configured the list is empty, so a browser gathers
 * host candidates only and contacts no server.
 */
export class IceServers {
  readonly #static: readonly IceServer[];
  readonly #turn: TurnCredentials | undefined;

  constructor(options: IceServersOptions, now: () => number = Date.now) {
    this.#static = options.iceServers;
    this.#turn = options.turn ? new TurnCredentials(options.turn, now) : undefined;
  }

  /** True when there is anything to hand out. */
  get configured(): boolean {
    return this.#static.length > 0 || this.#turn !== undefined;
  }

  /**
   * The servers for one viewer.
   * @param label who it is for (a token name, a wallet, `addr-<hash>`; never a token), shown in coturn's log
   */
  forViewer(label: string): ViewerIceServers {
    const iceServers = this.#static.map((s) => ({ ...s, urls: Array.isArray(s.urls) ? [...s.urls] : s.urls }));
    if (!this.#turn) return { iceServers, expiresAt: null };
    const { expiresAt, ...minted } = this.#turn.iceServer(label);
    return { iceServers: [...iceServers, minted], expiresAt: new Date(expiresAt).toISOString() };
  }
}
