import type { Logger } from 'pino';
import type { HelloData, Methods, StillVariant } from '../camerad/CameradProtocol.js';

/** A still stream as wanted since `Camera.setStills` (undefined fields: camerad's last value). */
export interface WantedStill {
  enabled: boolean;
  /** Stills per second, in (0, 30]. */
  fps?: number;
  /** JPEG quality, 1..100. */
  quality?: number;
}

/** Analysis frames as wanted since `Camera.setAnalysis` (fps undefined: camerad's last rate). */
export interface WantedAnalysis {
  enabled: boolean;
  /** Frames per second, in (0, 60]. */
  fps?: number;
}

/** The requests the restorer sends to camerad (`CameradSupervisor.request` has this shape). */
export interface RestoreRequests {
  request<M extends 'probe' | 'analysis' | 'stills'>(method: M, params: Methods[M][0]): Promise<Methods[M][1]>;
}

/** The `stills` params for a wanted state (undefined fields left out). */
function stillParams(wanted: WantedStill): WantedStill {
  return {
    enabled: wanted.enabled,
    ...(wanted.fps === undefined ? {} : { fps: wanted.fps }),
    ...(wanted.quality === undefined ? {} : { quality: wanted.quality }),
  };
}

/**
 * What a camera switched at run time and a restarted camerad has forgotten: camerad starts from
 * its flags (`--latency-probe`, `--analysis-fps`, stills off; native/PROTOCOL.md `hello`), so on
 * each `hello` {@link restore} sends again, through `requests`,
 * - `probe` when the hello's `latency_probe` differs from the wanted one;
 * - `analysis` when analysis was set at run time and the hello's `analysis_fps` differs (0 is
 *   off; a wanted rate must match exactly);
 * - `stills` for every still stream switched on.
 * Overlays are not restored: they are short-lived and the next detection sends them again.
 * A request that fails is logged (`warn`) and not retried: the wish is kept for the next hello.
 * Owned by `Camera`; unit-tested with a recorder in place of the camerad supervisor.
 */
export class CameraRestorer {
  readonly #requests: RestoreRequests;
  readonly #logger: Logger;
  #latencyProbe: boolean;
  #analysis: WantedAnalysis | undefined;
  readonly #stills = new Map<StillVariant, WantedStill>();

  /** @param latencyProbe the probe as camerad is started (`--latency-probe`). */
  constructor(opts: { requests: RestoreRequests; latencyProbe: boolean; logger: Logger }) {
    this.#requests = opts.requests;
    this.#latencyProbe = opts.latencyProbe;
    this.#logger = opts.logger;
  }

  /** The latency probe wanted now. */
  get latencyProbe(): boolean {
    return this.#latencyProbe;
  }

  /** Remembers the latency probe switched at run time. */
  wantLatencyProbe(enabled: boolean): void {
    this.#latencyProbe = enabled;
  }

  /** Remembers analysis frames switched at run time; @returns the `analysis` params to send now. */
  wantAnalysis(wanted: WantedAnalysis): WantedAnalysis {
    this.#analysis = wanted.fps === undefined ? { enabled: wanted.enabled } : { ...wanted };
    return this.#analysis;
  }

  /** Remembers a still stream switched at run time; @returns its `stills` params to send now. */
  wantStill(variant: StillVariant, wanted: WantedStill): WantedStill & { variant: StillVariant } {
    const params = stillParams(wanted);
    this.#stills.set(variant, params);
    return { variant, ...params };
  }

  /** Re-applies what camerad forgot, after its `hello` (see the class comment). */
  restore(hello: Pick<HelloData, 'latency_probe' | 'analysis_fps'>): void {
    if (hello.latency_probe !== this.#latencyProbe) {
      this.#requests
        .request('probe', { enabled: this.#latencyProbe })
        .catch((error: unknown) => this.#logger.warn({ err: error }, 'cannot restore the latency probe'));
    }
    const wanted = this.#analysis;
    if (wanted) {
      const differs = wanted.enabled
        ? hello.analysis_fps === 0 || (wanted.fps !== undefined && hello.analysis_fps !== wanted.fps)
        : hello.analysis_fps !== 0;
      if (differs) {
        this.#requests
          .request('analysis', wanted)
          .catch((error: unknown) => this.#logger.warn({ err: error }, 'cannot restore analysis frames'));
      }
    }
    for (const [variant, still] of this.#stills) {
      if (!still.enabled) continue;
      this.#requests
        .request('stills', { variant, ...still })
        .catch((error: unknown) => this.#logger.warn({ err: error, variant }, 'cannot restore the still stream'));
    }
  }
}
