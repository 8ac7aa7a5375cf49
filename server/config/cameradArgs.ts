import type { ResolvedCamera, ResolvedConfig } from './loadConfig.js';

/**
 * camerad's argv for one camera (after the binary), from the validated configuration.
 * The flags are documented in native/README.md; camerad re-checks every value and exits with
 * code 2 naming the flag when one is bad.
 */
export function cameradArgs(camera: ResolvedCamera, config: Pick<ResolvedConfig, 'log' | 'outputs'>): string[] {
  const logLevel = config.log.level === 'trace' ? 'debug' : config.log.level === 'fatal' ? 'error' : config.log.level;
  return [
    `--camera=${camera.id}`,
    `--source=${camera.source}`,
    `--width=${camera.width}`,
    `--height=${camera.height}`,
    `--fps=${camera.fps}`,
    `--bitrate=${camera.bitrateKbps}`,
    `--keyframe-interval=${camera.keyframeInterval}`,
    `--encoder=${camera.encoder}`,
    `--x264-preset=${camera.x264Preset}`,
    `--rtp-host=127.0.0.1`,
    `--rtp-port=${camera.rtpPort}`,
    `--control=${camera.socketPath}`,
    `--source-timeout-ms=${camera.sourceTimeoutMs}`,
    `--dir-max-age-ms=${camera.dirMaxAgeMs}`,
    `--log-level=${logLevel}`,
    `--analysis-fps=${camera.analysisFps}`,
    `--analysis-width=${camera.analysisWidth}`,
    `--analysis-height=${camera.analysisHeight}`,
    `--overlays-private=${config.outputs.overlays.private}`,
    `--overlays-public=${config.outputs.overlays.public}`,
    ...(camera.latencyProbe ? ['--latency-probe'] : []),
  ];
}
